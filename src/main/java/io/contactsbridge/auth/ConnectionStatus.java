package io.contactsbridge.auth;

/** The stored state of a connection's credentials. */
public enum ConnectionStatus {
    /** Tokens are stored and were last known to work. */
    CONNECTED,
    /** The service refused the refresh token (revoked, expired, rotated away): a person must reconnect. */
    NEEDS_RECONNECT,
    /**
     * HighLevel uninstalled the app from the connection's location (UNINSTALL webhook): the tokens were deleted
     * and the location's sync is paused until the app is installed and the connection connected again.
     */
    UNINSTALLED,
    /**
     * HighLevel installed the app on the connection's location (INSTALL webhook) but no token could be obtained
     * from an agency connection: an admin must connect it (no tokens stored, sync paused until then).
     */
    AWAITING_CONNECT
}
