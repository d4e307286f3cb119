package io.contactsbridge.capture;

import java.time.Instant;

/**
 * A poller's row in {@code capture_cursor}: its cursor, how its last poll went, and its lease.
 *
 * @param cursorValue       HighLevel: the dateUpdated (ISO-8601 instant) of the last contact processed
 * @param cursorTiebreak    HighLevel: that contact's id (contacts sharing a dateUpdated are ordered by id)
 * @param cursorSearchAfter HighLevel: that contact's searchAfter array as JSON
 * @param catchingUp        HighLevel: the last poll stopped at its page cap; the next continues at the cursor
 * @param lastPollKind      {@code poll} (HighLevel), {@code quick} or {@code full} (BirdSend)
 * @param lastPollStatus    see {@link PollOutcome.Status}, in lower case
 * @param lastPollEvents    events appended by the last poll, by type, as a JSON object
 * @param lastFullScanAt    BirdSend: when the last complete full scan ended
 * @param baselineDone      BirdSend: the first complete scan (which records what exists) is done
 */
public record PollState(String source, String connectionId, String cursorValue, String cursorTiebreak,
                        String cursorSearchAfter, boolean catchingUp, Instant lastPollAt, String lastPollKind,
                        String lastPollStatus, String lastPollError, Integer lastPollRequests, String lastPollEvents,
                        Instant lastFullScanAt, boolean baselineDone, String leaseOwner, Instant leaseUntil,
                        Instant updatedAt) {
}
