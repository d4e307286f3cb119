package io.contactsbridge.outbound;

/**
 * The connection cannot authenticate: the service answered 401 to a freshly refreshed token, or no
 * token could be had at all. A person has to reconnect or fix the credentials; retrying does not help.
 */
public class UpstreamAuthException extends UpstreamApiException {

    /** The service refused the token the call was retried with after a refresh. */
    public static UpstreamAuthException refusedAfterRefresh(UpstreamCall call, UpstreamError error) {
        return new UpstreamAuthException(call, 401, error.message(), statusDetail(401, error.summary())
                + " (the token was refused again right after a refresh; reconnect connection "
                + call.connectionId() + ")", null);
    }

    /** No usable token: the token provider gave up (no refresh token, refresh refused, not connected). */
    public static UpstreamAuthException noToken(UpstreamCall call, int status, RuntimeException cause) {
        String detail = (status > 0 ? status + " " : "") + "connection " + call.connectionId()
                + " cannot authenticate: " + cause.getMessage();
        return new UpstreamAuthException(call, status, null, detail, cause);
    }

    private UpstreamAuthException(UpstreamCall call, int status, String upstreamMessage, String detail,
                                  Throwable cause) {
        super(call, status, upstreamMessage, null, null, detail, cause);
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
