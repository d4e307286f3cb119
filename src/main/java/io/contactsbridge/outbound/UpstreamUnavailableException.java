package io.contactsbridge.outbound;

import java.io.IOException;
import java.time.Duration;

/** The service failed (5xx) or gave no answer at all (I/O error, timeout: status 0). */
public class UpstreamUnavailableException extends TransientUpstreamException {

    public UpstreamUnavailableException(UpstreamCall call, int status, UpstreamError error, Duration retryAfter) {
        super(call, status, error.message(), error.fieldErrors(), retryAfter, statusDetail(status, error.summary()), null);
    }

    public UpstreamUnavailableException(UpstreamCall call, IOException cause) {
        super(call, 0, null, null, null, "no answer (" + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + ")", cause);
    }
}
