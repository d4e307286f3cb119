package io.contactsbridge.auth;

/** An OAuth connect or callback that cannot go on; the message is shown to the person in the browser. */
public class OAuthFlowException extends RuntimeException {

    private final int httpStatus;

    public OAuthFlowException(int httpStatus, String message) {
        super(message);
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
