package io.contactsbridge.outbound;

import java.time.Duration;

/** The service answered 429: over its rate limit. The connection's budget is paused for Retry-After. */
public class UpstreamRateLimitedException extends TransientUpstreamException {

    public UpstreamRateLimitedException(UpstreamCall call, UpstreamError error, Duration retryAfter) {
        super(call, 429, error.message(), error.fieldErrors(), retryAfter, statusDetail(429, error.summary())
                + (retryAfter == null ? "" : " (retry after " + retryAfter.toMillis() + " ms)"), null);
    }
}
