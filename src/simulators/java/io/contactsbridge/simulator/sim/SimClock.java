package io.contactsbridge.simulator.sim;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Time as the simulators see it: a base {@link Clock} (swappable, so tests can use a
 * {@link MutableClock}) plus a time scale.
 *
 * <p>Timestamps ({@link #now()}) always come from the base clock unscaled, so records created by a
 * simulator stay comparable with the bridge's own clock. What the scale changes is <em>how long
 * things last</em>: rate-limit windows, Retry-After waits, token lifetimes and outage durations
 * are configured in real-service units (e.g. "100 requests per 10 s") and pass through
 * {@link #scaled(Duration)}, so at a scale of 100 a 10 s window lasts 100 ms of base-clock time.
 * A scale of 1.0 is real time.
 *
 * <p>Thread-safe; the base clock and the scale may be changed at run time.
 */
public final class SimClock {

    private volatile Clock base;
    private volatile double timeScale;

    public SimClock(Clock base, double timeScale) {
        this.base = Objects.requireNonNull(base, "base");
        this.timeScale = checkScale(timeScale);
    }

    /** Real time, unscaled. */
    public static SimClock system() {
        return new SimClock(Clock.systemUTC(), 1.0);
    }

    /** Real time with durations sped up by {@code timeScale}. */
    public static SimClock scaled(double timeScale) {
        return new SimClock(Clock.systemUTC(), timeScale);
    }

    public Instant now() {
        return base.instant();
    }

    public long millis() {
        return base.millis();
    }

    /** Nanoseconds since the epoch on the base clock (good until the year 2262). */
    public long epochNanos() {
        Instant now = base.instant();
        return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano());
    }

    public Clock base() {
        return base;
    }

    public void setBase(Clock base) {
        this.base = Objects.requireNonNull(base, "base");
    }

    public double timeScale() {
        return timeScale;
    }

    public void setTimeScale(double timeScale) {
        this.timeScale = checkScale(timeScale);
    }

    /** How long a real-service duration lasts on the base clock (divided by the scale). */
    public Duration scaled(Duration realServiceDuration) {
        double nanos = toNanos(realServiceDuration) / timeScale;
        return Duration.ofNanos(nanos >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) Math.ceil(nanos));
    }

    /** {@link #scaled(Duration)} in whole milliseconds, rounded up so a wait is never too short. */
    public long scaledMillis(Duration realServiceDuration) {
        double millis = toNanos(realServiceDuration) / timeScale / 1_000_000d;
        return millis >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) Math.ceil(millis);
    }

    /** The inverse of {@link #scaled(Duration)}: a base-clock span expressed in real-service units. */
    public Duration unscaled(Duration baseClockDuration) {
        double nanos = toNanos(baseClockDuration) * timeScale;
        return Duration.ofNanos(nanos >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) Math.ceil(nanos));
    }

    /**
     * A {@code Retry-After} value for a wait on the base clock, as the real service would send it: whole
     * seconds of service time, rounded up, at least {@code minSeconds}. At a time scale other than 1 those
     * service seconds are given in base-clock seconds with up to three decimals (rounded up): whole seconds
     * could not say "a tenth of a second" at scale 10, and a client waiting a full second would lose ten
     * windows where the real service costs it one. The bridge reads decimal seconds; at scale 1 the value is
     * an integer, as from the real service.
     */
    public String retryAfterHeader(Duration baseClockWait, long minSeconds) {
        double scale = timeScale;
        long serviceSeconds = Math.max(minSeconds, (long) Math.ceil(toNanos(baseClockWait) * scale / 1e9 - 1e-9));
        if (scale == 1.0) {
            return Long.toString(serviceSeconds);
        }
        return BigDecimal.valueOf(serviceSeconds).divide(BigDecimal.valueOf(scale), 3, RoundingMode.UP)
                .stripTrailingZeros().toPlainString();
    }

    /** Sleeps (on the wall clock) for the scaled length of a real-service duration. */
    public void sleep(Duration realServiceDuration) throws InterruptedException {
        long millis = scaledMillis(realServiceDuration);
        if (millis > 0) {
            Thread.sleep(millis);
        }
    }

    private static double toNanos(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("Negative duration: " + d);
        }
        return d.getSeconds() * 1e9 + d.getNano();
    }

    private static double checkScale(double scale) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("timeScale must be a positive finite number, got " + scale);
        }
        return scale;
    }

    @Override
    public String toString() {
        return "SimClock[scale=" + timeScale + ", base=" + base + "]";
    }
}
