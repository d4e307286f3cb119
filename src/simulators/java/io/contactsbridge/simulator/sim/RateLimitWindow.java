package io.contactsbridge.simulator.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * One limit of a {@link RateLimiter}: at most {@code limit} requests per {@code period}, the period
 * given in real-service units (the limiter scales it through its {@link SimClock}).
 *
 * @param name a label the simulator uses to find the window's state (e.g. "burst", "daily")
 * @param kind {@link Kind#FIXED}: the count resets when a window that began with the first request
 *             after the previous one expired ends, as a fixed-window counter does;
 *             {@link Kind#SLIDING}: a request counts for exactly one period after it was admitted
 *             (keeps one timestamp per admitted request, so use it for small limits)
 */
public record RateLimitWindow(String name, int limit, Duration period, Kind kind) {

    public enum Kind { FIXED, SLIDING }

    public RateLimitWindow {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(kind, "kind");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1");
        }
        if (period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException("period must be positive");
        }
    }

    public static RateLimitWindow fixed(String name, int limit, Duration period) {
        return new RateLimitWindow(name, limit, period, Kind.FIXED);
    }

    public static RateLimitWindow sliding(String name, int limit, Duration period) {
        return new RateLimitWindow(name, limit, period, Kind.SLIDING);
    }
}
