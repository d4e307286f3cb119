package io.contactsbridge.outbound;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.contactsbridge.auth.ServiceType;

/**
 * A call to HighLevel or BirdSend did not succeed. Says which service, connection and operation,
 * the HTTP status (0 when no HTTP answer was had: I/O error, open circuit, exhausted rate budget),
 * the service's own message and, for validation failures, the errors field by field.
 *
 * <p>{@link #getMessage()} reads like {@code HighLevel get-contact failed: 400 Contact with id x not
 * found}. Never contains a token: the texts come from the service's answer or from this layer.
 *
 * <p>Subclasses tell what to do: {@link TransientUpstreamException}s may succeed when tried again
 * later (the outbound layer already retried them); {@link UpstreamRejectedException} and
 * {@link UpstreamAuthException} will fail the same way until something changes.
 */
public abstract class UpstreamApiException extends RuntimeException {

    /** Key in {@link #fieldErrors()} for validation messages that name no field. */
    public static final String GENERAL = "_";

    private final UpstreamCall call;
    private final int status;
    private final String upstreamMessage;
    private final Map<String, List<String>> fieldErrors;
    private final Duration retryAfter;

    protected UpstreamApiException(UpstreamCall call, int status, String upstreamMessage,
                                   Map<String, List<String>> fieldErrors, Duration retryAfter,
                                   String detail, Throwable cause) {
        super(call.describe() + " failed: " + detail, cause);
        this.call = call;
        this.status = status;
        this.upstreamMessage = upstreamMessage;
        this.fieldErrors = fieldErrors == null ? Map.of() : copy(fieldErrors);
        this.retryAfter = retryAfter;
    }

    /** "400 Contact with id x not found", or just "400" when the service said nothing. */
    static String statusDetail(int status, String text) {
        return text == null || text.isBlank() ? Integer.toString(status) : status + " " + text;
    }

    public UpstreamCall call() {
        return call;
    }

    public ServiceType service() {
        return call.service();
    }

    public String connectionId() {
        return call.connectionId();
    }

    public String operation() {
        return call.operation();
    }

    /** The HTTP status the service answered with; 0 when there was no HTTP answer. */
    public int status() {
        return status;
    }

    /** The service's own message, as it sent it (joined with "; " when it sent several); may be null. */
    public String upstreamMessage() {
        return upstreamMessage;
    }

    /** Validation errors by field (HighLevel 422 {@code message[]}, BirdSend 422 {@code errors{}}); empty if none. */
    public Map<String, List<String>> fieldErrors() {
        return fieldErrors;
    }

    /** How long the service asked us to wait (Retry-After), or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** Whether trying the same call again later may succeed. */
    public abstract boolean isRetryable();

    private static Map<String, List<String>> copy(Map<String, List<String>> errors) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        errors.forEach((field, messages) -> out.put(field, List.copyOf(messages)));
        return Collections.unmodifiableMap(out);
    }
}
