package io.contactsbridge.auth;

/** The stored state of a connection's credentials. */
public enum ConnectionStatus {
    /** Tokens are stored and were last known to work. */
    CONNECTED,
    /** The service refused the refresh token (revoked, expired, rotated away): a person must reconnect. */
    NEEDS_RECONNECT
}
