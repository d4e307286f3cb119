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
        KeyPairGenerator gen = KeyPairGenerator.getInstance("Ed25519");
        KeyPair signing = gen.generateKeyPair();
        String privateKey = Base64.getEncoder().encodeToString(signing.getPrivate().getEncoded());
        String publicKey = Base64.getEncoder().encodeToString(signing.getPublic().getEncoded());

        SimClock clock = SimClock.system();
        HighLevelSandbox highLevel = HighLevelSandbox.create(clock);
        BirdSendSimulator birdSend = BirdSendSimulator.builder().clock(clock).build();
        String birdSendToken = birdSend.issuePersonalAccessToken();
        highLevel.simulator().start(0);
        birdSend.start(0);
        StringBuilder report = new StringBuilder();
        try {
            for (String store : System.getProperty("intake.stores", "h2,postgresql").split(",")) {
                Path runDir = CrashTestBridge.freshRunDir(CrashTestBridge.buildDir().resolve("intake-" + store));
                int port = CrashTestBridge.freePort();
                String admin = UUID.randomUUID().toString();
                Map<String, String> settings = CrashTestBridge.liveSettings("intake-bench", port, admin,
                        highLevel.simulator().baseUrl(), birdSend.apiBaseUrl(), birdSendToken, HighLevelWebhookKeys.generate());
                settings.put("bridge.highlevel.webhook.ed25519-public-key", publicKey);
                settings.put("bridge.sync.enabled", "false");
                settings.put("bridge.sync.backfill.on-startup", "false");
                settings.put("bridge.capture.highlevel.enabled", "false");
                settings.put("bridge.capture.birdsend.enabled", "false");
                settings.put("bridge.inbound.max-pending", "1000000000");
                settings.put("bridge.inbound.timestamp-tolerance", "1h");
                settings.put("logging.level.root", "WARN");
                // -Dintake.bridge.<setting>=<value> passes a setting to the bridge (e.g. to compare H2 compaction off).
                System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("intake.bridge."))
                        .forEach(k -> settings.put(k.substring("intake.bridge.".length()), System.getProperty(k)));
                String pgUrl = null;
                if (store.equals("postgresql")) {
                    pgUrl = TestDatabases.freshPostgresUrl();
                    settings.put("spring.datasource.url", pgUrl);
                    settings.put("spring.datasource.username", "postgres");
                    settings.put("spring.datasource.password", "postgres");
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
            highLevel.simulator().stop();
            birdSend.stop();
        }
        java.nio.file.Path file = io.contactsbridge.support.BenchResults.write("ingest", getClass().getSimpleName(),
                "webhook intake: cheap endpoint, verify-only and stored, per concurrency and store",
                "./mvnw -B test -Dtest=IntakeBenchmark -Dbenchmark=true -Dsurefire.failIfNoSpecifiedTests=false",
                io.contactsbridge.support.BenchResults.givenSettings(), report.toString().lines().toList());
        System.out.println("\n===== intake benchmark =====" + report + "written: " + file.toAbsolutePath());
    }

    record Row(long requests, double seconds, long ok, double p50, double p99, String others) {
        double okPerSecond() {
            return ok / seconds;
        }
    }

    record JsonCount(long events) {
    }

    private static JsonCount count(CrashTestBridge bridge) throws Exception {
        return new JsonCount(bridge.getJson("/api/status").path("journal").path("events").asLong());
    }

    private static Row load(String base, String privateKey, String kind, int concurrency, double seconds, long max)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), IntakeLoad.class.getName(), base, privateKey,
                kind, Integer.toString(concurrency), Double.toString(seconds), Long.toString(max)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String result = null;
        StringBuilder out = new StringBuilder();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                out.append(line).append('\n');
                if (line.startsWith("RESULT ")) {
                    result = line;
                }
            }
        }
        p.waitFor();
        if (result == null) {
            throw new AssertionError("the load generator printed no result:\n" + out);
        }
        String[] f = result.split(" ");
        return new Row(Long.parseLong(f[3]), Double.parseDouble(f[4]), Long.parseLong(f[5]), Double.parseDouble(f[6]),
                Double.parseDouble(f[7]), f[8]);
    }

    private static long h2Size(Path runDir) throws IOException {
        try (Stream<Path> files = Files.walk(runDir.resolve("data"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".mv.db")).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static long pgSize(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_database_size(current_database())")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
