package io.contactsbridge.simulator.sim;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What {@link FaultInjector} injects; immutable. Serialised as is by {@code GET/PUT /__admin/faults}
 * (see {@link FaultInjector} for the JSON shape and how outcomes are drawn). Every component is
 * optional: absent means "no such fault".
 *
 * @param seed              reseeds the injector's random source when this config is applied, so a
 *                          run of requests gets a reproducible sequence of outcomes
 * @param operations        operation names the faults apply to; empty means every API operation
 * @param errorRates        HTTP status to probability, e.g. {@code {500: 0.2, 429: 0.05}}
 * @param retryAfterSeconds Retry-After of injected 429s, in real-service seconds (scaled by the
 *                          clock's time scale, rounded up); default 1
 * @param resetRate         probability of dropping the connection without an answer
 * @param latencyMs         wall-clock delay added before every in-scope request (not scaled: it
 *                          exercises the client's real timeouts)
 * @param latencyJitterMs   extra uniformly random delay in {@code [0, latencyJitterMs]}
 * @param slowDrip          probability and shape of slow-drip answers
 * @param outage            a window during which every in-scope request fails
 * @param operationErrorRates more error rates for single operations, on top of {@code errorRates}, e.g.
 *                          {@code {"update-contact": {422: 0.05}}}: a service refusing some writes while it
 *                          reads well (drawn after the other errors, before slow drips)
 */
public record FaultConfig(
        Long seed,
        Set<String> operations,
        Map<Integer, Double> errorRates,
        Long retryAfterSeconds,
        double resetRate,
        long latencyMs,
        long latencyJitterMs,
        SlowDrip slowDrip,
        Outage outage,
        Map<String, Map<Integer, Double>> operationErrorRates) {

    /** No faults at all. */
    public static final FaultConfig NONE = builder().build();

    public FaultConfig {
        // Sorted copies: the JSON reads predictably and errorRates is walked in ascending status order.
        operations = Collections.unmodifiableSortedSet(
                operations == null ? new TreeSet<>() : new TreeSet<>(operations));
        errorRates = Collections.unmodifiableSortedMap(
                errorRates == null ? new TreeMap<>() : new TreeMap<>(errorRates));
        errorRates.forEach((status, rate) -> {
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("errorRates: status must be 4xx/5xx, got " + status);
            }
            checkRate("errorRates." + status, rate);
        });
        if (retryAfterSeconds != null && retryAfterSeconds < 0) {
            throw new IllegalArgumentException("retryAfterSeconds must be >= 0");
        }
        TreeMap<String, Map<Integer, Double>> byOperation = new TreeMap<>();
        if (operationErrorRates != null) {
            operationErrorRates.forEach((operation, rates) -> {
                TreeMap<Integer, Double> sorted = new TreeMap<>(rates);
                sorted.forEach((status, rate) -> {
                    if (status < 400 || status > 599) {
                        throw new IllegalArgumentException("operationErrorRates." + operation
                                + ": status must be 4xx/5xx, got " + status);
                    }
                    checkRate("operationErrorRates." + operation + "." + status, rate);
                });
                byOperation.put(operation, Collections.unmodifiableSortedMap(sorted));
            });
        }
        operationErrorRates = Collections.unmodifiableSortedMap(byOperation);
        checkRate("resetRate", resetRate);
        if (latencyMs < 0 || latencyJitterMs < 0) {
            throw new IllegalArgumentException("latencyMs and latencyJitterMs must be >= 0");
        }
        double total = resetRate + errorRates.values().stream().mapToDouble(Double::doubleValue).sum()
                + (slowDrip == null ? 0 : slowDrip.rate());
        double worstOperation = operationErrorRates.values().stream()
                .mapToDouble(r -> r.values().stream().mapToDouble(Double::doubleValue).sum()).max().orElse(0);
        if (total + worstOperation > 1.0 + 1e-9) {
            throw new IllegalArgumentException("resetRate + errorRates + operationErrorRates + slowDrip.rate must not "
                    + "exceed 1, got " + (total + worstOperation));
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with this config, to change one aspect of it. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.seed = seed;
        b.operations.addAll(operations);
        b.errorRates.putAll(errorRates);
        b.retryAfterSeconds = retryAfterSeconds;
        b.resetRate = resetRate;
        b.latencyMs = latencyMs;
        b.latencyJitterMs = latencyJitterMs;
        b.slowDrip = slowDrip;
        b.outage = outage;
        operationErrorRates.forEach((op, rates) -> b.operationErrorRates.put(op, new LinkedHashMap<>(rates)));
        return b;
    }

    /** Whether faults apply to this operation (admin calls never reach the injector). */
    public boolean appliesTo(String operation) {
        return operations.isEmpty() || operations.contains(operation);
    }

    /** Retry-After of injected 429s in real-service units. */
    public Duration effectiveRetryAfter() {
        return Duration.ofSeconds(retryAfterSeconds == null ? 1 : retryAfterSeconds);
    }

    /**
     * Answers the real body a few bytes at a time.
     *
     * @param rate       probability of a slow-drip answer
     * @param chunkBytes bytes per chunk (default 8)
     * @param pauseMs    wall-clock pause before each chunk (default 1000); make it longer than the
     *                   client's read timeout to trigger it
     */
    public record SlowDrip(double rate, int chunkBytes, long pauseMs) {
        public SlowDrip {
            checkRate("slowDrip.rate", rate);
            chunkBytes = chunkBytes <= 0 ? 8 : chunkBytes;
            pauseMs = pauseMs <= 0 ? 1000 : pauseMs;
        }
    }

    /**
     * An outage window. Give {@code start}/{@code end}, or {@code durationMs} (real-service
     * milliseconds, scaled by the clock's time scale) counted from {@code start}, or from the moment
     * the config is applied if {@code start} is absent. Once applied, the injector stores the window
     * with absolute {@code start}/{@code end} and no {@code durationMs}.
     */
    public record Outage(Instant start, Instant end, Long durationMs, OutageMode mode) {
        public Outage {
            mode = mode == null ? OutageMode.UNAVAILABLE : mode;
            if (end == null && durationMs == null) {
                throw new IllegalArgumentException("outage needs an end or a durationMs");
            }
            if (durationMs != null && durationMs < 0) {
                throw new IllegalArgumentException("outage.durationMs must be >= 0");
            }
            if (start != null && end != null && end.isBefore(start)) {
                throw new IllegalArgumentException("outage.end is before outage.start");
            }
        }

        public static Outage between(Instant start, Instant end, OutageMode mode) {
            return new Outage(start, end, null, mode);
        }

        /** From the moment the config is applied, for a real-service duration. */
        public static Outage forDuration(Duration realServiceDuration, OutageMode mode) {
            return new Outage(null, null, realServiceDuration.toMillis(), mode);
        }

        public boolean isActiveAt(Instant now) {
            return end != null && (start == null || !now.isBefore(start)) && now.isBefore(end);
        }
    }

    /** How in-scope requests fail during an outage. */
    public enum OutageMode {
        /** 503 with Retry-After until the end of the window. */
        UNAVAILABLE,
        /** The connection is dropped without an answer. */
        RESET;

        @JsonValue
        public String json() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static OutageMode parse(String value) {
            String v = value.trim().toUpperCase(Locale.ROOT);
            return "503".equals(v) ? UNAVAILABLE : valueOf(v);
        }
    }

    private static void checkRate(String name, Double rate) {
        if (rate == null || !(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException(name + " must be between 0 and 1, got " + rate);
        }
    }

    public static final class Builder {
        private Long seed;
        private final Set<String> operations = new TreeSet<>();
        private final Map<Integer, Double> errorRates = new LinkedHashMap<>();
        private Long retryAfterSeconds;
        private double resetRate;
        private long latencyMs;
        private long latencyJitterMs;
        private SlowDrip slowDrip;
        private Outage outage;
        private final Map<String, Map<Integer, Double>> operationErrorRates = new LinkedHashMap<>();

        private Builder() {
        }

        /** {@code operation} (only) answers {@code status} at this rate, on top of the general error rates. */
        public Builder operationErrorRate(String operation, int status, double rate) {
            operationErrorRates.computeIfAbsent(operation, o -> new LinkedHashMap<>()).put(status, rate);
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Restricts every fault to these operations (call again to add more). */
        public Builder operations(String... names) {
            operations.addAll(List.of(names));
            return this;
        }

        public Builder operations(Collection<String> names) {
            operations.addAll(names);
            return this;
        }

        public Builder errorRate(int status, double rate) {
            errorRates.put(status, rate);
            return this;
        }

        public Builder retryAfterSeconds(long seconds) {
            this.retryAfterSeconds = seconds;
            return this;
        }

        public Builder resetRate(double rate) {
            this.resetRate = rate;
            return this;
        }

        public Builder latency(long fixedMs, long jitterMs) {
            this.latencyMs = fixedMs;
            this.latencyJitterMs = jitterMs;
            return this;
        }

        public Builder slowDrip(double rate, int chunkBytes, long pauseMs) {
            this.slowDrip = new SlowDrip(rate, chunkBytes, pauseMs);
            return this;
        }

        public Builder outage(Instant start, Instant end, OutageMode mode) {
            this.outage = Outage.between(start, end, mode);
            return this;
        }

        public Builder outageFor(Duration realServiceDuration, OutageMode mode) {
            this.outage = Outage.forDuration(realServiceDuration, mode);
            return this;
        }

        public Builder noOutage() {
            this.outage = null;
            return this;
        }

        public FaultConfig build() {
            return new FaultConfig(seed, operations, errorRates, retryAfterSeconds, resetRate, latencyMs,
                    latencyJitterMs, slowDrip, outage, operationErrorRates);
        }
    }
}
