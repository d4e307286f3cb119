/**
 * Every call to BirdSend and HighLevel goes through here: the outbound routes (camel-http with rate budgets, retries
 * with back-off, 401 refresh, 429 waits, a resilience4j circuit breaker per connection), the client the rest of the
 * code calls, and the dead-letter store for writes a service refused. It is the one place that retries a call and the one that paces
 * calls: a connection's budget for all its callers, and a caller's share of it where the caller names one
 * ({@link io.contactsbridge.outbound.CallerShare}; the pollers do).
 */
package io.contactsbridge.outbound;
