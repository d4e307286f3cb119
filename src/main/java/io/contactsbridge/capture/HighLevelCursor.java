package io.contactsbridge.capture;

import java.time.Instant;
import java.util.Comparator;

/**
 * How far the HighLevel poll got: the (dateUpdated, id) of the last contact processed, in the order the search
 * returns them (dateUpdated ascending, then id), and that contact's {@code searchAfter} array.
 *
 * @param contactId   empty before the first contact (the cursor then only marks where polling started)
 * @param searchAfter JSON array to continue the search right after this contact, or null
 * @param catchingUp  the last poll stopped at its page cap, so the next one continues at {@code searchAfter}
 *                    instead of re-reading the overlap window first
 */
record HighLevelCursor(Instant dateUpdated, String contactId, String searchAfter, boolean catchingUp) {

    static final Comparator<HighLevelCursor> ORDER = Comparator.comparing(HighLevelCursor::dateUpdated)
            .thenComparing(HighLevelCursor::contactId);

    /** Whether a contact at (dateUpdated, contactId) comes after this position. */
    boolean isBefore(Instant otherDateUpdated, String otherContactId) {
        int byTime = dateUpdated.compareTo(otherDateUpdated);
        return byTime < 0 || (byTime == 0 && contactId.compareTo(otherContactId) < 0);
    }

    HighLevelCursor catchingUp(boolean value) {
        return new HighLevelCursor(dateUpdated, contactId, searchAfter, value);
    }

    /** The cursor as stored, or null when nothing usable is stored. */
    static HighLevelCursor from(PollState state) {
        if (state == null || state.cursorValue() == null) {
            return null;
        }
        return new HighLevelCursor(Instant.parse(state.cursorValue()),
                state.cursorTiebreak() == null ? "" : state.cursorTiebreak(), state.cursorSearchAfter(), state.catchingUp());
    }
}
