package io.contactsbridge.sync;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.contactsbridge.outbound.OutboundMetrics;
import io.contactsbridge.simulator.sim.CallRecorder;
import io.contactsbridge.support.BenchResults;
import io.contactsbridge.support.Waits;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * What the sync benchmarks ({@code Sync*Benchmark}) share: latency percentiles, waiting for a condition, request
 * counts of a simulator, the outbound layer's timers, a probe of the machine's scheduling delay, and the summary
 * block. Holds no tests.
 *
 * <p>Each benchmark class runs its own Spring context with its own in-memory store (an H2 database named after the
 * class, with {@link #H2_OPTIONS}) and closes it afterwards: a context left running would keep its pollers and
 * simulators busy on the shared cores while the next benchmark measures, and a shared store would hand one benchmark
 * the links and poll state of another.
 */
final class SyncBenchmark {

    /** DB_CLOSE_ON_EXIT=FALSE: H2's own shutdown hook would close it under a context still stopping at JVM exit. */
    static final String H2_OPTIONS = ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1;"
            + "DB_CLOSE_ON_EXIT=FALSE";
    static final String COMMAND = "./mvnw -B test -Dbuild.dir=/tmp/syncbench-target -Dbenchmark=true "
            + "-Dsurefire.failIfNoSpecifiedTests=false -Dtest=";

    private SyncBenchmark() {
    }

    /**
     * Sorted latencies plus the samples that never completed. Percentiles count a missing sample as infinitely late,
     * so lost work cannot improve the figures.
     */
    record Latencies(double[] sorted, int missed) {

        static Latencies of(Collection<Double> values, int missed) {
            double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return new Latencies(sorted, missed);
        }

        int samples() {
            return sorted.length + missed;
        }

        /** Nearest-rank percentile (0-100); infinite when the rank falls on a missing sample. */
        double percentile(double p) {
            int n = samples();
            if (n == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(p / 100.0 * n);
            int index = Math.max(0, rank - 1);
            return index < sorted.length ? sorted[index] : Double.POSITIVE_INFINITY;
        }

        double max() {
            return missed > 0 ? Double.POSITIVE_INFINITY : sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
        }

        double mean() {
            return Arrays.stream(sorted).average().orElse(Double.NaN);
        }

        String describe(String unit) {
            return String.format(Locale.ROOT, "p50 %s, p95 %s, p99 %s, max %s %s (mean %s; %d samples, %d missing)",
                    fmt(percentile(50)), fmt(percentile(95)), fmt(percentile(99)), fmt(max()), unit, fmt(mean()),
                    samples(), missed);
        }

        private static String fmt(double v) {
            return Double.isInfinite(v) ? "never" : String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
        }
    }


    /**
     * How late a thread that sleeps {@value JitterProbe#SLEEP_MS} ms wakes up, sampled for as long as it runs: the
     * machine's scheduling delay during a measurement (the benchmarks share two cores with other work), so a slow
     * percentile can be told apart from the bridge being slow.
     */
    static final class JitterProbe implements AutoCloseable {

        static final long SLEEP_MS = 10;

        private final List<Double> late = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;
        private volatile boolean stop;

        JitterProbe() {
            thread = new Thread(this::run, "syncbench-jitter-probe");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            while (!stop) {
                long start = System.nanoTime();
                try {
                    Thread.sleep(SLEEP_MS);
                } catch (InterruptedException e) {
                    return;
                }
                late.add((System.nanoTime() - start) / 1e6 - SLEEP_MS);
            }
        }

        String describe() {
            synchronized (late) {
                return "scheduling delay of a " + SLEEP_MS + " ms sleep: " + Latencies.of(late, 0).describe("ms");
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(1000);
        }
    }

    /** Count and total time of the outbound layer's timers of one service (every operation), at one moment. */
    record Timed(long count, double seconds) {

        /**
         * @param name      {@link OutboundMetrics#REQUESTS} (single HTTP attempts, from the request leaving the
         *                  budget to the answer read) or {@link OutboundMetrics#BUDGET_WAIT} (waits for a slot)
         * @param serviceId highlevel or birdsend
         */
        static Timed of(MeterRegistry registry, String name, String serviceId) {
            long count = 0;
            double seconds = 0;
            for (Timer t : registry.find(name).tag("service", serviceId).timers()) {
                count += t.count();
                seconds += t.totalTime(TimeUnit.SECONDS);
            }
            return new Timed(count, seconds);
        }

        Timed minus(Timed earlier) {
            return new Timed(count - earlier.count, seconds - earlier.seconds);
        }

        double meanMillis() {
            return count == 0 ? Double.NaN : 1000 * seconds / count;
        }
    }

    /** Calls per operation and status, flattened to "operation status" keys, as they stand now. */
    static Map<String, Long> snapshot(CallRecorder calls) {
        Map<String, Long> out = new TreeMap<>();
        calls.countsByStatus().forEach((op, byStatus) -> byStatus.forEach((status, n) -> out.put(op + " " + status, n)));
        return out;
    }

    /** {@code after - before}, per key, without the keys that did not change. */
    static Map<String, Long> diff(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> out = new TreeMap<>();
        after.forEach((k, v) -> {
            long d = v - before.getOrDefault(k, 0L);
            if (d != 0) {
                out.put(k, d);
            }
        });
        return out;
    }

    /** Requests the service answered (anything but 429 and aborted connections). */
    static long answered(Map<String, Long> counts) {
        return counts.entrySet().stream().filter(e -> !e.getKey().endsWith(" 429") && !e.getKey().endsWith(" 0"))
                .mapToLong(Map.Entry::getValue).sum();
    }

    static long status(Map<String, Long> counts, int status) {
        return counts.entrySet().stream().filter(e -> e.getKey().endsWith(" " + status)).mapToLong(Map.Entry::getValue).sum();
    }

    /** Calls of one operation, any status. */
    static long operation(Map<String, Long> counts, String operation) {
        return counts.entrySet().stream().filter(e -> e.getKey().startsWith(operation + " ")).mapToLong(Map.Entry::getValue).sum();
    }

    /**
     * Prints one summary block: a title, the command that measures it, then the lines; and records them in
     * {@code bench/results/<scenario>.json} ({@link BenchResults}) with the {@code -Dbench.*} settings given.
     */
    static void report(String title, String benchmarkClass, List<String> lines) {
        report(title, benchmarkClass, benchmarkClass, lines);
    }

    /** As {@link #report(String, String, List)}, recorded under {@code section} (a class run at several sizes keeps each). */
    static void report(String title, String benchmarkClass, String section, List<String> lines) {
        List<String> out = new ArrayList<>();
        out.add("");
        out.add("==== SYNC BENCHMARK " + title + " ====");
        out.add("command: " + COMMAND + benchmarkClass);
        lines.forEach(l -> out.add("  " + l));
        java.nio.file.Path file = BenchResults.write(scenario(benchmarkClass), section, title, COMMAND + benchmarkClass,
                BenchResults.givenSettings(), lines);
        out.add("written: " + file.toAbsolutePath());
        out.add("====");
        out.add("");
        System.out.println(String.join(System.lineSeparator(), out));
    }

    /** The bench/ scenario a benchmark class belongs to (bench/README.md). */
    static String scenario(String benchmarkClass) {
        if (benchmarkClass.contains("Latency")) {
            return "latency";
        }
        if (benchmarkClass.contains("Detection")) {
            return "detection";
        }
        if (benchmarkClass.contains("Scale")) {
            return "scale";
        }
        if (benchmarkClass.contains("Backfill")) {
            return "backfill";
        }
        return "sync";
    }

    static String verdict(boolean met) {
        return met ? "MET" : "MISSED";
    }
}
