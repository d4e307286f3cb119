package io.contactsbridge.journal;

import java.util.Locale;

/** Where a consumer seen for the first time starts reading. Ignored once it has a position. */
public enum StartFrom {
    /** Every event still in the journal: nothing that arrived before the route first ran is missed. */
    EARLIEST,
    /** Only events appended from now on. */
    LATEST;

    public static StartFrom parse(String value) {
        if (value == null || value.isBlank()) {
            return EARLIEST;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("startFrom must be 'earliest' or 'latest', got '" + value + "'");
        }
    }
}
