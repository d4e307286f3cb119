/**
 * Every call to BirdSend and HighLevel goes through here: the outbound routes (camel-http with rate budgets, retries
 * with back-off, 401 refresh, 429 waits, resilience4j circuit breakers), the client the rest of the code calls, and the
 * dead-letter store for writes a service refused.
 */
package io.contactsbridge.outbound;
