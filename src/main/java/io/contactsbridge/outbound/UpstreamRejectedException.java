package io.contactsbridge.outbound;

/**
 * The service refused the request with a 4xx other than 401 and 429: not found, validation failed,
 * conflict... Trying again unchanged fails the same way, so the outbound layer never retries it and
 * a dead-letter route stores it at once.
 */
public class UpstreamRejectedException extends UpstreamApiException {

    public UpstreamRejectedException(UpstreamCall call, int status, UpstreamError error) {
        super(call, status, error.message(), error.fieldErrors(), null, statusDetail(status, error.summary()), null);
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
