package io.contactsbridge.outbound;

import java.time.Duration;

/**
 * Not sent: the connection's rate budget has no slot within the configured maximum wait (the
 * service's limit is used up, or it asked us to pause). Sending anyway would only earn a 429.
 * Trying later may succeed, but the outbound layer does not retry it: the caller already waited.
 */
public class RateBudgetExhaustedException extends UpstreamApiException {

    public RateBudgetExhaustedException(UpstreamCall call, Duration nextSlotIn, Duration maxWait) {
        super(call, 0, null, null, nextSlotIn, "not sent, the rate budget of connection " + call.connectionId()
                + " has no slot for " + nextSlotIn.toMillis() + " ms, longer than the maximum wait of "
                + maxWait.toMillis() + " ms", null);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
