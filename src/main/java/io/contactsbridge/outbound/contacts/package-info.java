/**
 * The contact APIs of both services as the sync uses them: typed clients ({@link
 * io.contactsbridge.outbound.contacts.HighLevelContactApi}, {@link io.contactsbridge.outbound.contacts.BirdSendContactApi})
 * over the outbound layer's one entry point ({@link io.contactsbridge.outbound.OutboundClient}), so every call gets the
 * token, rate budget, circuit breaker and retries of its connection. They know each service's shapes and quirks
 * (HighLevel's duplicate rule, BirdSend's tag and unsubscribe calls); they know nothing of links or the merge.
 */
package io.contactsbridge.outbound.contacts;
