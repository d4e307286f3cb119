package io.contactsbridge.capture;

import java.time.Instant;
import java.util.List;

/**
 * What the BirdSend poller last saw of one contact ({@code capture_birdsend_snapshot}).
 *
 * @param status  active, unsubscribed, or null when the API did not report it
 * @param tags    tag names, sorted
 * @param version changes recorded so far (1 when first seen); part of the event ids
 * @param sequenceIds ids of the sequences the contact is subscribed to, or null when the API did not list them
 */
public record BirdSendSnapshot(String connectionId, String contactId, String email, String contentHash,
                               String fieldsHash, String status, String tagsHash, List<String> tags, int version,
                               Instant firstSeenAt, Instant lastSeenAt, List<String> sequenceIds) {

    public BirdSendSnapshot {
        tags = List.copyOf(tags);
        sequenceIds = sequenceIds == null ? null : List.copyOf(sequenceIds);
    }

    /** A snapshot without sequences (the API did not list them). */
    public BirdSendSnapshot(String connectionId, String contactId, String email, String contentHash, String fieldsHash,
                            String status, String tagsHash, List<String> tags, int version, Instant firstSeenAt,
                            Instant lastSeenAt) {
        this(connectionId, contactId, email, contentHash, fieldsHash, status, tagsHash, tags, version, firstSeenAt,
                lastSeenAt, null);
    }

    /** This row with the state seen now, one version further. */
    BirdSendSnapshot next(BirdSendContactState seen, Instant at) {
        return new BirdSendSnapshot(connectionId, contactId, seen.email(), seen.contentHash(), seen.fieldsHash(),
                seen.status() != null ? seen.status() : status, seen.tagsHash(), seen.tags(), version + 1, firstSeenAt, at,
                seen.sequenceIds() != null ? seen.sequenceIds() : sequenceIds);
    }

    static BirdSendSnapshot first(String connectionId, BirdSendContactState seen, Instant at) {
        return new BirdSendSnapshot(connectionId, seen.contactId(), seen.email(), seen.contentHash(), seen.fieldsHash(),
                seen.status(), seen.tagsHash(), seen.tags(), 1, at, at, seen.sequenceIds());
    }
}
