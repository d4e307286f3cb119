package io.contactsbridge.outbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * The service refused the request with a 4xx other than 401 and 429: not found, validation failed,
 * conflict... Trying again unchanged fails the same way, so the outbound layer never retries it and
 * a dead-letter route stores it at once.
 */
public class UpstreamRejectedException extends UpstreamApiException {

    private final transient JsonNode meta;

    public UpstreamRejectedException(UpstreamCall call, int status, UpstreamError error) {
        super(call, status, error.message(), error.fieldErrors(), null, statusDetail(status, error.summary()), null);
        this.meta = error.meta();
    }

    /** The answer's {@code meta} object (HighLevel's duplicate answer: {@code meta.contactId}), or a missing node. */
    public JsonNode meta() {
        return meta == null ? MissingNode.getInstance() : meta;
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
