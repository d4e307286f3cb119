package io.contactsbridge.auth;

import java.time.Clock;
import java.time.Duration;

import org.springframework.stereotype.Component;

/**
 * What the {@code token-refresh} route does on each tick: refresh OAuth tokens that will expire
 * before the next tick is past the refresh margin, drop long-expired connect attempts, and let the
 * monitor report state changes.
 */
@Component
public class TokenMaintenance {

    /** Expired connect attempts are kept a day for "this attempt expired" answers, then deleted. */
    private static final Duration KEEP_EXPIRED_STATES = Duration.ofDays(1);

    private final ConnectionRegistry registry;
    private final OAuthTokenService tokens;
    private final OAuthStateStore states;
    private final ConnectionMonitor monitor;
    private final Clock clock;
    private final AuthProperties.Timing timing;

    public TokenMaintenance(ConnectionRegistry registry, OAuthTokenService tokens, OAuthStateStore states,
                            ConnectionMonitor monitor, Clock clock, AuthProperties props) {
        this.registry = registry;
        this.tokens = tokens;
        this.states = states;
        this.monitor = monitor;
        this.clock = clock;
        this.timing = props.auth();
    }

    public void run() {
        // A token must not slip inside the margin between two ticks unrefreshed.
        Duration window = timing.refreshMargin().plus(timing.refreshCheckInterval());
        for (Connection c : registry.all()) {
            tokens.refreshIfDue(c.id(), window);
        }
        states.purgeExpiredBefore(clock.instant().minus(KEEP_EXPIRED_STATES));
        monitor.check();
    }
}
