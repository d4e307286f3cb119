package io.contactsbridge.outbound;

import java.util.regex.Pattern;

/**
 * A caller's share of its connection's rate budget, named on its calls ({@link OutboundHeaders#CALLER} and
 * {@link OutboundHeaders#CALLER_SHARE}, or {@link OutboundClient#call(String, String, String, String, java.util.Map,
 * Object, CallerShare)}): the outbound layer keeps the caller's requests to that share of the service's limit, evenly
 * spaced, giving way to the connection's other callers (see {@link CallerPace}). The pollers use it, so the sync's
 * requests find the rest of the budget free whenever they come.
 *
 * @param caller names the caller; calls naming the same caller on the same connection share one pace
 * @param share  above 0 and at most 1
 */
public record CallerShare(String caller, double share) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    public CallerShare {
        if (caller == null || !NAME.matcher(caller).matches()) {
            throw new IllegalArgumentException("a caller's name must be 1-100 letters, digits, '.', '_' or '-', got "
                    + (caller == null ? "nothing" : "'" + caller + "'"));
        }
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("the share of caller " + caller + " must be above 0 and at most 1, got " + share);
        }
    }

    /** The most requests per second this share of a connection with {@code rate} allows, on average. */
    public double requestsPerSecond(OutboundProperties.Rate rate) {
        return CallerPace.requestsPerSecond(CallerPace.shareOf(rate, share));
    }
}
