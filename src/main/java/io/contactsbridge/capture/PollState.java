package io.contactsbridge.capture;

import java.time.Instant;

/**
 * A poller's row in {@code capture_cursor}: its cursor, how its last poll went, and its lease.
 *
 * @param cursorValue       HighLevel: the dateUpdated (ISO-8601 instant) of the last contact processed
 * @param cursorTiebreak    HighLevel: that contact's id (contacts sharing a dateUpdated are ordered by id)
 * @param cursorSearchAfter HighLevel: that contact's searchAfter array as JSON
 * @param catchingUp        HighLevel: the last poll stopped at its page cap; the next continues at the cursor
 * @param lastPollKind      {@code poll} (HighLevel), {@code quick}, {@code rolling} or {@code full} (BirdSend)
 * @param lastPollStatus    see {@link PollOutcome.Status}, in lower case
 * @param lastPollEvents    events appended by the last poll, by type, as a JSON object
 * @param lastFullScanAt    BirdSend: when the last complete pass of the rolling scan (or full scan) ended
 * @param baselineDone      BirdSend: the first complete pass (which records what exists) is done
 * @param pass              BirdSend: the rolling scan's pass in progress, or null
 * @param lastPassStartedAt BirdSend: when the last complete pass started
 * @param quickOrderBy      BirdSend: the column the quick scan sorts by as the probe found it, or null before one
 * @param quickOrderProbedAt BirdSend: when the account was last probed for its sort order
 */
public record PollState(String source, String connectionId, String cursorValue, String cursorTiebreak,
                        String cursorSearchAfter, boolean catchingUp, Instant lastPollAt, String lastPollKind,
                        String lastPollStatus, String lastPollError, Integer lastPollRequests, String lastPollEvents,
                        Instant lastFullScanAt, boolean baselineDone, String leaseOwner, Instant leaseUntil,
                        Instant updatedAt, Pass pass, Instant lastPassStartedAt, String quickOrderBy,
                        Instant quickOrderProbedAt) {

    /**
     * Where a pass of the BirdSend rolling scan is.
     *
     * @param startedAt when it read its first page; contacts not seen since are its deletion candidates
     * @param page      the next page to list (from 1), or 0 once every page is listed and deletion candidates are
     *                  being looked up
     * @param checks    deletion candidates looked up so far
     * @param lastListed the number of the last contact listed so far (ids are integers), null before the first page
     *                  or when it was no number
     */
    public record Pass(Instant startedAt, int page, int checks, Long lastListed) {

        public static final int LISTED = 0;

        public boolean listed() {
            return page == LISTED;
        }
    }
}
