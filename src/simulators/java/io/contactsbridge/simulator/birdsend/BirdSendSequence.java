package io.contactsbridge.simulator.birdsend;

import java.time.Instant;

/** An email sequence (automation) that contacts can be subscribed to. */
public record BirdSendSequence(long sequenceId, String name, String status, Instant createdAt) {
}
