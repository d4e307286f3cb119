package io.contactsbridge.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.contactsbridge.ops.LogSafe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts wrong admin logins per client address and for the admin user, and makes a caller wait once it has used its
 * free attempts: each further failure doubles the wait ({@code firstWait} up to {@code maxWait}); while a key waits,
 * every attempt is refused before its password is even checked (the login filter answers 429 with Retry-After), so
 * the right password does not get through a guessing run either. One WARN per burst: when a key starts waiting
 * after being clear, not for every refused attempt. A correct login clears its address and the user.
 *
 * <p>Only the configured admin user is counted by name: no other name can ever log in, and counting arbitrary names
 * would let a caller grow this map at will. Addresses are capped at {@code maxAddresses}.
 */
public class LoginThrottle {

    private static final Logger LOG = LoggerFactory.getLogger(LoginThrottle.class);

    private final LoginThrottleProperties props;
    private final String adminUser;
    private final Clock clock;
    private final Map<String, Failures> byAddress = new ConcurrentHashMap<>();
    private final Failures byUser = new Failures();

    public LoginThrottle(LoginThrottleProperties props, String adminUser, Clock clock) {
        this.props = props;
        this.adminUser = adminUser;
        this.clock = clock;
    }

    /** How long a login attempt from this address for this user must still wait, if it must. */
    public Optional<Duration> waitFor(String address, String username) {
        Instant now = clock.instant();
        Duration wait = Duration.ZERO;
        Failures f = byAddress.get(key(address));
        if (f != null) {
            wait = max(wait, f.remaining(now));
        }
        if (isAdmin(username)) {
            wait = max(wait, byUser.remaining(now));
        }
        return !wait.isZero() && !wait.isNegative() ? Optional.of(wait) : Optional.empty();
    }

    public void failed(String address, String username) {
        Instant now = clock.instant();
        prune(now);
        Failures f = byAddress.computeIfAbsent(key(address), k -> new Failures());
        if (f.fail(now, props.freeFailuresPerAddress())) {
            LOG.warn("Admin login: {} wrong attempts from {}; that address now waits {} before the next attempt "
                    + "(doubling with each further failure, logged once per burst)", f.count(), LogSafe.of(address, 64),
                    f.remaining(now));
        }
        if (isAdmin(username) && byUser.fail(now, props.freeFailuresPerUser())) {
            LOG.warn("Admin login: {} wrong attempts for the admin user from any address; every address now waits {} "
                    + "(logged once per burst)", byUser.count(), byUser.remaining(now));
        }
    }

    public void succeeded(String address, String username) {
        byAddress.remove(key(address));
        if (isAdmin(username)) {
            byUser.clear();
        }
    }

    /** Forgets every failure (an operator who has dealt with a guessing run, and tests). */
    public void forgetAll() {
        byAddress.clear();
        byUser.clear();
    }

    private boolean isAdmin(String username) {
        return username != null && username.equals(adminUser);
    }

    private static String key(String address) {
        return address == null ? "?" : address;
    }

    private void prune(Instant now) {
        if (byAddress.size() < props.maxAddresses()) {
            return;
        }
        Instant horizon = now.minus(props.forgetAfter());
        byAddress.values().removeIf(f -> f.lastFailure().isBefore(horizon));
        // Still full: forget the entries that are not waiting now (they cost an attacker nothing to renew anyway).
        for (Iterator<Failures> it = byAddress.values().iterator(); byAddress.size() >= props.maxAddresses() && it.hasNext(); ) {
            if (it.next().remaining(now).isZero()) {
                it.remove();
            }
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Failures of one key: how many in the current burst, and until when the key waits. */
    private final class Failures {
        private int count;
        private Instant last = Instant.EPOCH;
        private Instant until = Instant.EPOCH;

        /** Records a failure; true when this starts a wait after the key was clear (the burst's one log line). */
        synchronized boolean fail(Instant now, int free) {
            if (Duration.between(last, now).compareTo(props.forgetAfter()) > 0) {
                count = 0;
            }
            boolean wasWaiting = count > free;
            count++;
            last = now;
            if (count <= free) {
                return false;
            }
            int doublings = Math.min(count - free - 1, 30);
            Duration wait = props.firstWait().multipliedBy(1L << doublings);
            if (wait.compareTo(props.maxWait()) > 0 || wait.isNegative()) {
                wait = props.maxWait();
            }
            until = now.plus(wait);
            return !wasWaiting;
        }

        synchronized Duration remaining(Instant now) {
            Duration d = Duration.between(now, until);
            return d.isNegative() ? Duration.ZERO : d;
        }

        synchronized int count() {
            return count;
        }

        synchronized Instant lastFailure() {
            return last;
        }

        synchronized void clear() {
            count = 0;
            until = Instant.EPOCH;
        }
    }
}
