package io.contactsbridge.auth;

/**
 * A token call failed. {@link #refused()} separates "the service said no" (400/401/403/422, e.g.
 * {@code invalid_grant}: retrying with the same grant cannot help) from failures that may pass
 * (network, timeouts, 429, 5xx, an unreadable answer). The message never contains a token or the
 * raw answer, only the status and the OAuth error code.
 */
public class TokenEndpointException extends RuntimeException {

    private final boolean refused;
    private final int status;
    private final String errorCode;

    public TokenEndpointException(String message, boolean refused, int status, String errorCode, Throwable cause) {
        super(message, cause);
        this.refused = refused;
        this.status = status;
        this.errorCode = errorCode;
    }

    public boolean refused() {
        return refused;
    }

    /** The HTTP status, or 0 when no answer arrived. */
    public int status() {
        return status;
    }

    /** The OAuth {@code error} field (e.g. {@code invalid_grant}), or null. */
    public String errorCode() {
        return errorCode;
    }
}
