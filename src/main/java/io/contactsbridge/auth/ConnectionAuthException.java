package io.contactsbridge.auth;

/** A connection cannot authenticate: says which connection and what the person should do. */
public class ConnectionAuthException extends RuntimeException {

    private final String connectionId;

    public ConnectionAuthException(String connectionId, String message) {
        super(message);
        this.connectionId = connectionId;
    }

    public ConnectionAuthException(String connectionId, String message, Throwable cause) {
        super(message, cause);
        this.connectionId = connectionId;
    }

    public String connectionId() {
        return connectionId;
    }
}
