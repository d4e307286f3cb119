package io.contactsbridge.auth;

import java.time.Instant;

/**
 * How a connection is doing, as the health indicator, the status API and the expiry warnings see it.
 * Holds no secret.
 *
 * @param message what is wrong and what to do; null when {@link State#OK}
 */
public record ConnectionAssessment(Connection connection, State state, String message,
                                   Instant accessTokenExpiresAt, Instant refreshTokenExpiresAt,
                                   Instant connectedAt, Instant lastRefreshAt, int refreshFailures) {

    /** States, each with whether it means the connection cannot authenticate now. */
    public enum State {
        OK(false),
        /** URLs or credentials still have to be configured. */
        NOT_CONFIGURED(false),
        /** An OAuth connection nobody has connected yet. */
        NOT_CONNECTED(false),
        /** A refresh token or static token expires within the warning window. */
        EXPIRING(false),
        /** Refreshing fails for a reason that may pass; the access token still works. */
        REFRESH_FAILING(false),
        /** The token has expired and cannot be renewed right now. */
        EXPIRED(true),
        /** The service refused the refresh token: a person must reconnect. */
        NEEDS_RECONNECT(true),
        /** The service refused the configured token (revoked, rotated, mistyped): a person must replace it. */
        REJECTED(true),
        /** The stored tokens cannot be decrypted with the configured keys. */
        UNREADABLE(true),
        /**
         * HighLevel uninstalled the app from the location: tokens deleted, sync paused. A person's decision, not an
         * outage, so health stays UP and says so in its warnings.
         */
        UNINSTALLED(false);

        private final boolean down;

        State(boolean down) {
            this.down = down;
        }

        /** True when the connection cannot authenticate until someone acts. */
        public boolean down() {
            return down;
        }
    }
}
