package io.contactsbridge.sync;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.contactsbridge.support.BenchResults;
import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.Waits;
import io.contactsbridge.sync.IntakeBenchmark.Row;
import io.contactsbridge.sync.IntakeBenchmark.SigningKey;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a unit test: webhook intake of two replicas against one of them, on one PostgreSQL (issue 14, the replicas half
 * of {@code bench/run scale}). Target: two replicas take at least {@value #TARGET_RATIO} times the stored webhooks of one.
 *
 * <pre>./mvnw -B test -Dtest=ScaleReplicasBenchmark -Dbenchmark=true -Dsurefire.failIfNoSpecifiedTests=false
 *     [-Dbench.replicas.concurrency=16] [-Dbench.replicas.seconds=10] [-Dbench.replicas.bridge.&lt;setting&gt;=&lt;value&gt;]</pre>
 *
 * <p>One fresh embedded PostgreSQL database ({@link TestDatabases}) and bridges that only take webhooks in, as
 * {@link IntakeBenchmark} runs them ({@link IntakeBenchmark#putIntakeOnlySettings}). Run 1: one bridge. Run 2: a second
 * bridge on the same database, a replica of the first (same settings and encryption key, its own instance id and port;
 * the run starts once both count two replicas alive). The load is the same in both runs, so only the bridges change:
 * two {@link IntakeLoad} processes at once, {@code bench.replicas.concurrency} connections each, for
 * {@code bench.replicas.seconds}; in run 1 both send to the one bridge, in run 2 each sends to its own. Per run a
 * {@code verify} row (signature checked, nothing stored: the CPU's part) and a {@code store} row (verified and
 * journaled); the rates are the sum of both generators, p50 and p99 the worse of the two. After run 2 the journal must
 * hold exactly as many events as the generators got 200 for, warm-ups included: none lost, none stored twice.
 *
 * <p>Records its figures in {@code bench/results/scale.json}, section {@code ScaleReplicasBenchmark}, beside the pairs
 * half's sections.
 */
@Tag("benchmark")
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class ScaleReplicasBenchmark {

    static final double TARGET_RATIO = 1.7;
    private static final int LOAD_GENERATORS = 2;
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    /** One run's two rows, each the load generators' figures side by side. */
    private record RunFigures(String name, List<Row> verify, List<Row> store) {
        static double perSecond(List<Row> rows) {
            return rows.stream().mapToDouble(Row::okPerSecond).sum();
        }

        double storedPerSecond() {
            return perSecond(store);
        }

        double verifiedPerSecond() {
            return perSecond(verify);
        }

        double storeP50() {
            return store.stream().mapToDouble(Row::p50).max().orElse(0);
        }

        double storeP99() {
            return store.stream().mapToDouble(Row::p99).max().orElse(0);
        }

        /** Events the generators got 200 for, warm-ups included: what the journal must hold from this run. */
        long stored() {
            return store.stream().mapToLong(r -> r.ok() + r.warmUpOk()).sum();
        }

        String others() {
            List<String> others = new ArrayList<>();
            for (Row r : verify) {
                if (!r.others().equals("-")) {
                    others.add("verify " + r.others());
                }
            }
            for (Row r : store) {
                if (!r.others().equals("-")) {
                    others.add("store " + r.others());
                }
            }
            return others.isEmpty() ? "" : "  (other answers: " + String.join("; ", others) + ")";
        }
    }

    @Test
    void twoReplicasAgainstOneOnOnePostgres() throws Exception {
        int concurrency = Integer.getInteger("bench.replicas.concurrency", 16);
        double seconds = Double.parseDouble(System.getProperty("bench.replicas.seconds", "10"));
        int cores = Runtime.getRuntime().availableProcessors();
        SigningKey signing = SigningKey.generate();

        IntakeBenchmark.Simulators simulators = IntakeBenchmark.Simulators.start();

        String storeUrl = TestDatabases.freshPostgresUrl();
        Path runDir = CrashTestBridge.freshRunDir(CrashTestBridge.buildDir().resolve("scale-replicas"));
        String admin = UUID.randomUUID().toString();
        int firstPort = CrashTestBridge.freePort();
        int secondPort = CrashTestBridge.freePort();
        // One set of settings for both (same store, encryption key and connections); instance ids and ports differ,
        // as TwoReplicasTest starts its replicas.
        Map<String, String> settings = simulators.liveSettings("replica-a", firstPort, admin);
        IntakeBenchmark.putIntakeOnlySettings(settings, signing);
        IntakeBenchmark.putPostgresStore(settings, storeUrl);
        // Its own prefix: bench/run scale also passes the pairs half's -Dbench.bridge.* settings.
        IntakeBenchmark.putGivenSettings(settings, "bench.replicas.bridge.");
        CrashTestBridge first = new CrashTestBridge(Files.createDirectories(runDir.resolve("a")), firstPort, admin,
                new LinkedHashMap<>(settings));
        settings.put("bridge.instance.id", "replica-b");
        settings.put("server.port", Integer.toString(secondPort));
        CrashTestBridge second = new CrashTestBridge(Files.createDirectories(runDir.resolve("b")), secondPort, admin,
                new LinkedHashMap<>(settings));

        List<String> lines = new ArrayList<>();
        try {
            lines.add(String.format(Locale.ROOT, "%d cores; one embedded PostgreSQL; per row %d load generator processes at once, "
                    + "%d connections each, %.0f s each", cores, LOAD_GENERATORS, concurrency, seconds));

            first.start();
            first.awaitHealthy(START_TIMEOUT);
            double loadBefore1 = loadAverage();
            RunFigures one = run("1 bridge", List.of(first.baseUrl(), first.baseUrl()), signing, concurrency, seconds);

            second.start();
            second.awaitHealthy(START_TIMEOUT);
            // Each must count the other: the second is a replica of the first, not a process beside it.
            Waits.until("both bridges count two replicas alive", Duration.ofSeconds(30),
                    () -> replicasAlive(first) == 2 && replicasAlive(second) == 2);
            double loadBefore2 = loadAverage();
            RunFigures two = run("2 bridges", List.of(first.baseUrl(), second.baseUrl()), signing, concurrency, seconds);

            long journaled = IntakeBenchmark.pgLong(storeUrl, "SELECT COUNT(*) FROM inbound_event");
            long acknowledged = one.stored() + two.stored();

            lines.add(String.format("%-9s | %12s | %12s | %9s | %9s | %13s | %s", "run", "verify req/s", "stored ev/s",
                    "store p50", "store p99", "stored/verify", "load average before"));
            for (RunFigures r : List.of(one, two)) {
                lines.add(String.format(Locale.ROOT, "%-9s | %12.0f | %12.0f | %6.1f ms | %6.1f ms | %13.2f | %.2f%s", r.name(),
                        r.verifiedPerSecond(), r.storedPerSecond(), r.storeP50(), r.storeP99(),
                        r.storedPerSecond() / r.verifiedPerSecond(), r == one ? loadBefore1 : loadBefore2, r.others()));
            }
            double storedRatio = two.storedPerSecond() / one.storedPerSecond();
            lines.add(String.format(Locale.ROOT, "two ÷ one: stored %.2f (target >= %.1f: %s), verify-only %.2f", storedRatio,
                    TARGET_RATIO, SyncBenchmark.verdict(storedRatio >= TARGET_RATIO),
                    two.verifiedPerSecond() / one.verifiedPerSecond()));
            lines.add(String.format(Locale.ROOT, "journal: %d events for %d answers 200 over both runs, warm-ups included (%s)",
                    journaled, acknowledged, journaled == acknowledged ? "none lost, none twice" : "MISMATCH"));
            lines.add(String.format(Locale.ROOT, "On a machine where the 2 bridges, PostgreSQL and the 2 load generators all share "
                    + "the same cores (here %d), the ratio measures the machine, not the bridge: a second replica adds no "
                    + "cores, only another process competing for them.", cores));
            lines.add("bridge logs: " + runDir);

            Map<String, String> given = new TreeMap<>();
            BenchResults.givenSettings().forEach((k, v) -> {
                // Only this half's settings: the pairs half's (bench.pairs, ...) come along in bench/run scale.
                if (k.startsWith("bench.replicas.")) {
                    given.put(k, v);
                }
            });
            Path file = BenchResults.write("scale", getClass().getSimpleName(),
                    "issue 14: webhook intake of two replicas against one, on one PostgreSQL",
                    "./mvnw -B test -Dbenchmark=true -Dtest=ScaleReplicasBenchmark -Dsurefire.failIfNoSpecifiedTests=false",
                    given, lines);
            System.out.println("\n===== scale: replicas =====\n  " + String.join("\n  ", lines) + "\nwritten: "
                    + file.toAbsolutePath());

            assertThat(journaled).as("journal events against the answers 200 of both runs").isEqualTo(acknowledged);
        } finally {
            second.close();
            first.close();
            simulators.close();
        }
    }

    /** A verify row, then a store row (which a cold replica thereby meets warmed up), each with both generators at once. */
    private static RunFigures run(String name, List<String> targets, SigningKey signing, int concurrency, double seconds)
            throws Exception {
        return new RunFigures(name, loadsAtOnce(targets, signing, "verify", concurrency, seconds),
                loadsAtOnce(targets, signing, "store", concurrency, seconds));
    }

    /** One load generator process per target, all started at once. */
    private static List<Row> loadsAtOnce(List<String> targets, SigningKey signing, String kind, int concurrency,
                                         double seconds) throws Exception {
        ExecutorService starters = Executors.newFixedThreadPool(targets.size());
        try {
            List<Future<Row>> rows = new ArrayList<>();
            for (String target : targets) {
                rows.add(starters.submit(() -> IntakeBenchmark.load(target, signing.privateKey(), kind, concurrency,
                        seconds, Long.MAX_VALUE)));
            }
            List<Row> out = new ArrayList<>();
            for (Future<Row> row : rows) {
                out.add(row.get());
            }
            return out;
        } finally {
            starters.shutdownNow();
        }
    }

    private static int replicasAlive(CrashTestBridge bridge) {
        try {
            return bridge.getJson("/api/status").path("replicas").path("alive").asInt();
        } catch (Exception | AssertionError notYet) {
            return -1;
        }
    }

    /** The machine's load average over the last minute: a busy machine moves these figures. */
    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
