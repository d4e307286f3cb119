package io.contactsbridge.simulator.birdsend;

import java.time.Instant;

/**
 * A broadcast (one-off email). The simulator stores and lists broadcasts but sends nothing.
 *
 * @param status {@code draft}, or {@code scheduled} when created with a {@code send_at}
 */
public record BirdSendBroadcast(long broadcastId, String name, String subject, String fromName, String fromEmail,
                                String content, String status, Instant sendAt, Instant createdAt, Instant updatedAt) {
}
