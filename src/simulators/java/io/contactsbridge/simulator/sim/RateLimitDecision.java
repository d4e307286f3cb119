package io.contactsbridge.simulator.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The outcome of {@link RateLimiter#tryAcquire(String)} or the state reported by
 * {@link RateLimiter#peek(String)}: whether the request was admitted, and each window's counters so
 * the simulator can write its service's rate-limit headers.
 *
 * @param retryAfter base-clock time until every exhausted window has a free slot (zero when
 *                   admitted); convert with {@link SimClock#unscaled(Duration)} for real-service units
 */
public record RateLimitDecision(boolean allowed, String key, List<Window> windows, Duration retryAfter) {

    /**
     * One window's state after the decision.
     *
     * @param remaining requests still admissible in this window
     * @param resetIn   base-clock time until this window frees a slot: the end of a fixed window,
     *                  the expiry of the oldest counted request in a sliding one; the full scaled
     *                  period if nothing is counted
     * @param resetAt   {@code now + resetIn} on the limiter's clock
     */
    public record Window(String name, int limit, int remaining, Duration period, Duration resetIn, Instant resetAt) {
    }

    public RateLimitDecision {
        windows = List.copyOf(windows);
    }

    /** The state of the named window. */
    public Window window(String name) {
        return windows.stream()
                .filter(w -> w.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException("No rate-limit window named " + name));
    }

    /** {@link #retryAfter()} in whole seconds rounded up, as an HTTP Retry-After value. */
    public long retryAfterSeconds() {
        long seconds = retryAfter.getSeconds();
        return retryAfter.getNano() > 0 ? seconds + 1 : seconds;
    }
}
