package io.contactsbridge.simulator.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * Decides, per API request, whether to inject a fault. Thread-safe; the configuration can be
 * replaced at any time (from code or {@code PUT /__admin/faults}) and takes effect on the next
 * request.
 *
 * <h2>JSON shape ({@code GET/PUT /__admin/faults})</h2>
 * <pre>{@code
 * {
 *   "seed": 42,                                   // optional: reseed the random source on apply
 *   "operations": ["create-contact", "update-contact"],   // optional scope; absent/empty = all
 *   "errorRates": {"500": 0.2, "502": 0.1, "503": 0.1, "429": 0.05},
 *   "operationErrorRates": {"update-contact": {"422": 0.05}},   // on top, for these operations only
 *   "retryAfterSeconds": 1,                       // Retry-After of injected 429s (real-service s)
 *   "resetRate": 0.05,                            // drop the connection, no HTTP answer
 *   "latencyMs": 200, "latencyJitterMs": 50,      // wall-clock delay, before the handler
 *   "slowDrip": {"rate": 0.1, "chunkBytes": 8, "pauseMs": 1000},
 *   "outage": {"start": "2025-01-01T00:00:00Z", "end": "2025-01-01T00:05:00Z",
 *              "mode": "unavailable"}             // or "reset"; or {"durationMs": 60000} from now
 * }
 * }</pre>
 * Every field is optional; {@code PUT} replaces the whole configuration (answering with the applied
 * config, outage resolved to absolute instants), {@code DELETE} clears it. An invalid config (rates
 * outside [0, 1] or summing above 1, a non-4xx/5xx status) is rejected with 400.
 *
 * <h2>How a request's fate is decided</h2>
 * For a request whose operation is in scope:
 * <ol>
 *   <li>The latency ({@code latencyMs} plus a jitter drawn from a separate random source) is
 *       always applied first.</li>
 *   <li>If an outage window is active on the {@link SimClock}: 503 with Retry-After until the window
 *       ends, or a dropped connection, depending on the mode. No random draw is made.</li>
 *   <li>Otherwise a single {@code nextDouble()} draw {@code u} (made only if some rate is non-zero)
 *       picks at most one outcome by walking the cumulative probabilities in this order: reset,
 *       then each error status in ascending order, then the request's operation's own error
 *       statuses in ascending order, then slow drip; if {@code u} falls beyond them
 *       all, the request is served normally.</li>
 * </ol>
 * Resets, errors and outages answer <em>without</em> running the handler, so a faulted write
 * never changes simulator state. Slow drip is the exception by design: it models a real answer
 * that is slow to arrive, so the handler runs and the write is applied.
 */
public final class FaultInjector {

    /** What to do with one request. */
    public enum Kind { NONE, ERROR, RESET, SLOW_DRIP }

    /**
     * The decision for one request.
     *
     * @param status     the HTTP status for {@link Kind#ERROR}, else 0
     * @param latency    wall-clock delay to apply first (zero if none)
     * @param retryAfter base-clock wait to advertise in Retry-After, or {@code null}
     * @param drip       slow-drip parameters for {@link Kind#SLOW_DRIP}, else {@code null}
     * @param outage     whether the decision comes from an outage window
     */
    public record Decision(Kind kind, int status, Duration latency, Duration retryAfter,
                           SimResponse.Drip drip, boolean outage) {
        static final Decision NONE = new Decision(Kind.NONE, 0, Duration.ZERO, null, null, false);
    }

    private final SimClock clock;
    private FaultConfig config = FaultConfig.NONE;
    private Random outcomes = new Random();
    private Random jitter = new Random();

    public FaultInjector(SimClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public synchronized FaultConfig config() {
        return config;
    }

    /**
     * Replaces the whole configuration. A relative outage ({@code durationMs}) is anchored to the
     * clock now; a seed reseeds the random sources. Returns the config as stored.
     */
    public synchronized FaultConfig configure(FaultConfig newConfig) {
        FaultConfig resolved = resolveOutage(Objects.requireNonNull(newConfig, "config"));
        if (resolved.seed() != null) {
            reseed(resolved.seed());
        }
        this.config = resolved;
        return resolved;
    }

    /** Removes every fault. */
    public synchronized void clear() {
        this.config = FaultConfig.NONE;
    }

    /** Restarts the random sequence (jitter uses an independent sequence derived from the seed). */
    public synchronized void reseed(long seed) {
        this.outcomes = new Random(seed);
        this.jitter = new Random(~seed);
    }

    /** Keeps the other settings and starts an outage now, for a real-service duration. */
    public synchronized FaultConfig startOutage(Duration realServiceDuration, FaultConfig.OutageMode mode) {
        return configure(config.toBuilder().outageFor(realServiceDuration, mode).build());
    }

    /** Decides the fate of one request to {@code operation}. */
    public synchronized Decision decide(String operation) {
        FaultConfig cfg = config;
        if (cfg == FaultConfig.NONE || !cfg.appliesTo(operation)) {
            return Decision.NONE;
        }
        Duration latency = Duration.ofMillis(cfg.latencyMs()
                + (cfg.latencyJitterMs() > 0 ? jitter.nextLong(cfg.latencyJitterMs() + 1) : 0));

        FaultConfig.Outage outage = cfg.outage();
        Instant now = clock.now();
        if (outage != null && outage.isActiveAt(now)) {
            return outage.mode() == FaultConfig.OutageMode.RESET
                    ? new Decision(Kind.RESET, 0, latency, null, null, true)
                    : new Decision(Kind.ERROR, 503, latency, Duration.between(now, outage.end()), null, true);
        }

        double dripRate = cfg.slowDrip() == null ? 0 : cfg.slowDrip().rate();
        Map<Integer, Double> operationRates = cfg.operationErrorRates().getOrDefault(operation, Map.of());
        if (cfg.resetRate() > 0 || dripRate > 0 || cfg.errorRates().values().stream().anyMatch(r -> r > 0)
                || operationRates.values().stream().anyMatch(r -> r > 0)) {
            double u = outcomes.nextDouble();
            double edge = cfg.resetRate();
            if (u < edge) {
                return new Decision(Kind.RESET, 0, latency, null, null, false);
            }
            for (Map<Integer, Double> rates : List.of(cfg.errorRates(), operationRates)) {
                for (Map.Entry<Integer, Double> e : rates.entrySet()) {
                    edge += e.getValue();
                    if (u < edge) {
                        Duration retryAfter = e.getKey() == 429 ? clock.scaled(cfg.effectiveRetryAfter()) : null;
                        return new Decision(Kind.ERROR, e.getKey(), latency, retryAfter, null, false);
                    }
                }
            }
            edge += dripRate;
            if (u < edge) {
                SimResponse.Drip drip = new SimResponse.Drip(cfg.slowDrip().chunkBytes(),
                        Duration.ofMillis(cfg.slowDrip().pauseMs()));
                return new Decision(Kind.SLOW_DRIP, 0, latency, null, drip, false);
            }
        }
        return latency.isZero() ? Decision.NONE : new Decision(Kind.NONE, 0, latency, null, null, false);
    }

    private FaultConfig resolveOutage(FaultConfig cfg) {
        FaultConfig.Outage o = cfg.outage();
        if (o == null || o.durationMs() == null) {
            return cfg;
        }
        Instant start = o.start() != null ? o.start() : clock.now();
        Instant end = start.plus(clock.scaled(Duration.ofMillis(o.durationMs())));
        return cfg.toBuilder().outage(start, end, o.mode()).build();
    }
}
