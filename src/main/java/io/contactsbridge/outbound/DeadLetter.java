package io.contactsbridge.outbound;

import java.time.Instant;
import java.util.Map;

/**
 * A message a route gave up on, as stored.
 *
 * @param id           assigned by the store (null before storing)
 * @param routeId      the route that failed
 * @param operation    the outbound operation involved, when known
 * @param connectionId the connection involved, when known
 * @param body         the original message body as text
 * @param headers      the original message's headers that are safe to keep
 * @param errorClass   the exception's class name
 * @param errorMessage the exception's message
 * @param attempts     how many times the route tried the failing step
 */
public record DeadLetter(Long id, String routeId, String operation, String connectionId, String body,
                         Map<String, String> headers, String errorClass, String errorMessage, Instant failedAt,
                         int attempts) {
}
