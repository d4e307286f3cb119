package io.contactsbridge.sync;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import io.contactsbridge.simulator.birdsend.BirdSendSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelSandbox;
import io.contactsbridge.simulator.highlevel.HighLevelWebhookKeys;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.support.TestDatabases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Webhook intake: how many requests a second the bridge takes, measured by a load generator in a process of its own
 * ({@link IntakeLoad}) against the bridge in a process of its own (live mode, sync and polls off), on loopback:
 * <pre>
 * ./mvnw -B test -Dtest=IntakeBenchmark -Dbenchmark=true [-Dintake.seconds=5] [-Dintake.diskEvents=100000]
 *     [-Dintake.stores=h2,postgresql] [-Dintake.table=true] [-Dintake.bridge.<setting>=<value>]
 * </pre>
 * For each concurrency (1, 8, 32, 64) it prints the cheapest POST of the same server ({@code cheap}), signature
 * checked and JSON read but nothing stored ({@code verify}), and verified and journaled ({@code store}), with the
 * stored rate as a share of the same run's verify-only rate; on the default H2 file store and on PostgreSQL. Then it
 * journals {@code intake.diskEvents} events and prints the store's size per event.
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class IntakeBenchmark {

    private static final int[] CONCURRENCY = {1, 8, 32, 64};

    @Test
    void intake() throws Exception {
        double seconds = Double.parseDouble(System.getProperty("intake.seconds", "5"));
        long diskEvents = Long.parseLong(System.getProperty("intake.diskEvents", "100000"));
        SigningKey signing = SigningKey.generate();
        String privateKey = signing.privateKey();

        Simulators simulators = Simulators.start();
        StringBuilder report = new StringBuilder();
        try {
            for (String store : System.getProperty("intake.stores", "h2,postgresql").split(",")) {
                Path runDir = CrashTestBridge.freshRunDir(CrashTestBridge.buildDir().resolve("intake-" + store));
                int port = CrashTestBridge.freePort();
                String admin = UUID.randomUUID().toString();
                Map<String, String> settings = simulators.liveSettings("intake-bench", port, admin);
                putIntakeOnlySettings(settings, signing);
                // -Dintake.bridge.<setting>=<value> passes a setting to the bridge (e.g. to compare H2 compaction off).
                putGivenSettings(settings, "intake.bridge.");
                String pgUrl = null;
                if (store.equals("postgresql")) {
                    pgUrl = TestDatabases.freshPostgresUrl();
                    putPostgresStore(settings, pgUrl);
                }
                try (CrashTestBridge bridge = new CrashTestBridge(runDir, port, admin, settings)) {
                    bridge.start();
                    bridge.awaitHealthy(java.time.Duration.ofMinutes(3));
                    report.append("\nIntake on ").append(store).append(" (").append(seconds).append(" s per row, ")
                            .append(Runtime.getRuntime().availableProcessors()).append(" cores, load generator a separate process)\n");
                    report.append(String.format("%-11s | %12s | %12s | %12s | %9s | %9s | %s%n", "concurrency",
                            "cheap req/s", "verify req/s", "stored ev/s", "store p50", "store p99", "stored/verify"));
                    long storedInTable = 0;
                    for (int c : Boolean.parseBoolean(System.getProperty("intake.table", "true")) ? CONCURRENCY : new int[0]) {
                        Row cheap = load(bridge.baseUrl(), privateKey, "cheap", c, seconds, Long.MAX_VALUE);
                        Row verify = load(bridge.baseUrl(), privateKey, "verify", c, seconds, Long.MAX_VALUE);
                        Row stored = load(bridge.baseUrl(), privateKey, "store", c, seconds, Long.MAX_VALUE);
                        storedInTable += stored.ok();
                        report.append(String.format("%-11d | %12.0f | %12.0f | %12.0f | %6.1f ms | %6.1f ms | %.2f%s%n", c,
                                cheap.okPerSecond(), verify.okPerSecond(), stored.okPerSecond(), stored.p50(), stored.p99(),
                                stored.okPerSecond() / verify.okPerSecond(),
                                stored.others().equals("-") ? "" : "  (other answers: " + stored.others() + ")"));
                    }
                    // Every 200 of a store row is one journaled event (the status may leave its count out under load).
                    Row disk = load(bridge.baseUrl(), privateKey, "store", 32, 3600, Math.max(0, diskEvents - storedInTable));
                    JsonCount after = new JsonCount(Math.max(count(bridge).events(), storedInTable + disk.ok()));
                    long bytes = store.equals("h2") ? h2Size(runDir) : pgSize(pgUrl);
                    report.append(String.format("store size: %,d bytes for %,d journaled events = %,.0f bytes per event "
                                    + "(the last %,d at %.0f events/s)%n", bytes, after.events(),
                            (double) bytes / Math.max(1, after.events()), disk.ok(), disk.okPerSecond()));
                    System.out.print(report);
                }
            }
        } finally {
            simulators.close();
        }
        java.nio.file.Path file = io.contactsbridge.support.BenchResults.write("ingest", getClass().getSimpleName(),
                "webhook intake: cheap endpoint, verify-only and stored, per concurrency and store",
                "./mvnw -B test -Dtest=IntakeBenchmark -Dbenchmark=true -Dsurefire.failIfNoSpecifiedTests=false",
                io.contactsbridge.support.BenchResults.givenSettings(), report.toString().lines().toList());
        System.out.println("\n===== intake benchmark =====" + report + "written: " + file.toAbsolutePath());
    }

    /**
     * One load generator's figures; {@code warmUpOk} counts the expected answers of its uncounted warm-up second (for
     * {@code store}, events journaled besides {@code ok}).
     */
    /**
     * The simulators an intake-only bridge is configured against: live mode wants both connections, though with sync
     * and polls off nothing calls them.
     */
    record Simulators(HighLevelSandbox highLevel, BirdSendSimulator birdSend, String birdSendToken) {

        static Simulators start() {
            SimClock clock = SimClock.system();
            HighLevelSandbox highLevel = HighLevelSandbox.create(clock);
            BirdSendSimulator birdSend = BirdSendSimulator.builder().clock(clock).build();
            String birdSendToken = birdSend.issuePersonalAccessToken();
            highLevel.simulator().start(0);
            birdSend.start(0);
            return new Simulators(highLevel, birdSend, birdSendToken);
        }

        /** A live-mode bridge's settings with both connections pointing at these simulators. */
        Map<String, String> liveSettings(String instanceId, int port, String adminPassword) {
            return CrashTestBridge.liveSettings(instanceId, port, adminPassword, highLevel.simulator().baseUrl(),
                    birdSend.apiBaseUrl(), birdSendToken, HighLevelWebhookKeys.generate());
        }

        void close() {
            highLevel.simulator().stop();
            birdSend.stop();
        }
    }

    record Row(long requests, double seconds, long ok, double p50, double p99, String others, long warmUpOk) {
        double okPerSecond() {
            return ok / seconds;
        }
    }

    /** The Ed25519 key pair the load generator signs HighLevel webhooks with (PKCS#8 and X.509, base64). */
    record SigningKey(String privateKey, String publicKey) {
        static SigningKey generate() throws java.security.GeneralSecurityException {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            return new SigningKey(Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()),
                    Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
        }
    }

    /**
     * A bridge that only takes webhooks in: the load's signing key trusted, no sync, backfill or polls (so the
     * journal's growth is the load's alone), no backlog limit (nothing consumes the journal), a wide timestamp
     * tolerance, quiet logs.
     */
    static void putIntakeOnlySettings(Map<String, String> settings, SigningKey signing) {
        settings.put("bridge.highlevel.webhook.ed25519-public-key", signing.publicKey());
        settings.put("bridge.sync.enabled", "false");
        settings.put("bridge.sync.backfill.on-startup", "false");
        settings.put("bridge.capture.highlevel.enabled", "false");
        settings.put("bridge.capture.birdsend.enabled", "false");
        settings.put("bridge.inbound.max-pending", "1000000000");
        settings.put("bridge.inbound.timestamp-tolerance", "1h");
        settings.put("logging.level.root", "WARN");
    }

    /** The bridge's store: the embedded PostgreSQL database at {@code url} ({@link TestDatabases}). */
    static void putPostgresStore(Map<String, String> settings, String url) {
        settings.put("spring.datasource.url", url);
        settings.put("spring.datasource.username", "postgres");
        settings.put("spring.datasource.password", "postgres");
    }

    /** Every {@code -D<prefix><setting>=<value>} as a bridge setting. */
    static void putGivenSettings(Map<String, String> settings, String prefix) {
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(prefix))
                .forEach(k -> settings.put(k.substring(prefix.length()), System.getProperty(k)));
    }

    record JsonCount(long events) {
    }

    private static JsonCount count(CrashTestBridge bridge) throws Exception {
        return new JsonCount(bridge.getJson("/api/status").path("journal").path("events").asLong());
    }

    /** One {@link IntakeLoad} process against {@code base}, waited for; fails if it printed no result. */
    static Row load(String base, String privateKey, String kind, int concurrency, double seconds, long max)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), IntakeLoad.class.getName(), base, privateKey,
                kind, Integer.toString(concurrency), Double.toString(seconds), Long.toString(max)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String result = null;
        long warmUpOk = 0;
        StringBuilder out = new StringBuilder();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                out.append(line).append('\n');
                if (line.startsWith("RESULT ")) {
                    result = line;
                } else if (line.startsWith("WARMUP ")) {
                    warmUpOk = Long.parseLong(line.split(" ")[2]);
                }
            }
        }
        p.waitFor();
        if (result == null) {
            throw new AssertionError("the load generator printed no result:\n" + out);
        }
        String[] f = result.split(" ");
        return new Row(Long.parseLong(f[3]), Double.parseDouble(f[4]), Long.parseLong(f[5]), Double.parseDouble(f[6]),
                Double.parseDouble(f[7]), f[8], warmUpOk);
    }

    private static long h2Size(Path runDir) throws IOException {
        try (Stream<Path> files = Files.walk(runDir.resolve("data"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".mv.db")).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static long pgSize(String url) throws Exception {
        return pgLong(url, "SELECT pg_database_size(current_database())");
    }

    /** The one number {@code sql} answers in the PostgreSQL database at {@code url}. */
    static long pgLong(String url, String sql) throws java.sql.SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
