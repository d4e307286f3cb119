package io.contactsbridge.outbound;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A failure that may go away by itself: rate limited (429), service error (5xx), no answer (I/O),
 * open circuit. The outbound layer retries these with backoff before giving up; when a caller sees
 * one, those retries are spent.
 */
public abstract class TransientUpstreamException extends UpstreamApiException {

    protected TransientUpstreamException(UpstreamCall call, int status, String upstreamMessage,
                                         Map<String, List<String>> fieldErrors, Duration retryAfter,
                                         String detail, Throwable cause) {
        super(call, status, upstreamMessage, fieldErrors, retryAfter, detail, cause);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
