package io.contactsbridge.journal;

import java.time.Instant;

/**
 * The right to consume one partition of one consumer until {@code until}. Only its owner may commit
 * positions; after it expires another replica may take it over.
 */
public record JournalLease(String consumerId, int partition, String owner, Instant until) {
}
