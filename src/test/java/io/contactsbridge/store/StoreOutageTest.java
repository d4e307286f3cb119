package io.contactsbridge.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.ContactsBridgeApplication;
import io.contactsbridge.simulator.highlevel.HighLevelWebhookKeys;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The store (a real PostgreSQL) stops under a stream of signed HighLevel webhooks and comes back on the same data
 * folder and port, as a database restart or failover does:
 * <ul>
 *   <li>every webhook is answered within a second: 200 (stored) or, while the journal cannot be written, 429 with
 *       {@code Retry-After} (HighLevel retries only 429s, and gives up on an answer slower than its 10 s timeout);</li>
 *   <li>readiness goes DOWN within a few seconds of the store stopping and answers within a second, as does
 *       {@code /api/status}, which says {@code storeAvailable: false};</li>
 *   <li>when the store is back, readiness is UP again, webhooks are stored again, the heartbeat (on the main pool)
 *       resumes, and nothing is lost: every webhook answered 200 is in the journal once, and every one answered 429
 *       is stored once after it was sent again, as its sender would.</li>
 * </ul>
 * The bridge runs in live mode with only its heartbeat route (nothing consumes the journal, so it holds exactly
 * what was sent). The measured times are printed at the end.
 */
class StoreOutageTest {

    private static final HighLevelWebhookKeys KEYS = HighLevelWebhookKeys.generate();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What the issue asks: every answer within a second. */
    private static final long ANSWER_WITHIN_MS = 1000;
    private static final Duration OUTAGE = Duration.ofSeconds(6);

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One webhook delivery (a first send or a resend) and its answer. */
    record Delivery(String webhookId, Instant sentAt, long millis, int status, String retryAfter) {
    }

    /** One probe of readiness or status. */
    record Probe(String what, Instant sentAt, long millis, int status, JsonNode body) {
    }

    @Test
    void aStoreOutageIsAnsweredAtOnceAndLosesNothing() throws Exception {
        Path data = tmp.resolve("pgdata");
        int pgPort = freePort();
        EmbeddedPostgres pg = postgres(data, pgPort);
        ConfigurableApplicationContext app = null;
        ScheduledExecutorService load = Executors.newScheduledThreadPool(3);
        try {
            app = start(pg.getJdbcUrl("postgres", "postgres"));
            int port = ((WebServerApplicationContext) app).getWebServer().getPort();
            JdbcTemplate store = app.getBean(JdbcTemplate.class);

            ConcurrentLinkedQueue<Delivery> deliveries = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Probe> probes = new ConcurrentLinkedQueue<>();
            AtomicInteger sequence = new AtomicInteger();
            // A stream of webhooks, one every 50 ms, each from a thread of its own (as HighLevel sends them at once)...
            java.util.concurrent.ExecutorService senders = Executors.newFixedThreadPool(16);
            load.scheduleAtFixedRate(() -> senders.execute(() -> deliveries.add(send(port, "outage-" + sequence.incrementAndGet()))),
                    0, 50, TimeUnit.MILLISECONDS);
            // ...and readiness and the status asked every 100 ms.
            load.scheduleAtFixedRate(() -> probes.add(probe(port, "/actuator/health/readiness")), 0, 100, TimeUnit.MILLISECONDS);
            load.scheduleAtFixedRate(() -> probes.add(probe(port, "/api/status")), 50, 100, TimeUnit.MILLISECONDS);

            await("webhooks stored before the outage").atMost(Duration.ofSeconds(30))
                    .until(() -> count(deliveries, d -> d.status() == 200) >= 20);
            // Answer times count from here: the first requests of a new JVM also load and compile classes.
            Instant warm = Instant.now();
            long beatsBefore = beats(store);

            Instant stopping = Instant.now();
            pg.close();
            Instant stopped = Instant.now();
            await("readiness DOWN").atMost(Duration.ofSeconds(10))
                    .until(() -> firstAfter(probes, stopped, "readiness", p -> p.status() == 503) != null);
            await("the outage lasts").atMost(OUTAGE.plusSeconds(20))
                    .until(() -> Duration.between(stopped, Instant.now()).compareTo(OUTAGE) >= 0
                            && count(deliveries, d -> d.status() == 429) >= 20);

            Instant restarting = Instant.now();
            pg = postgres(data, pgPort);
            Instant restarted = Instant.now();
            await("readiness UP again").atMost(Duration.ofSeconds(30))
                    .until(() -> firstAfter(probes, restarted, "readiness", p -> p.status() == 200) != null);
            await("webhooks stored again").atMost(Duration.ofSeconds(30)).until(() -> deliveries.stream()
                    .filter(d -> d.sentAt().isAfter(restarted) && d.status() == 200).count() >= 20);
            load.shutdown();
            assertThat(load.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
            senders.shutdown();
            assertThat(senders.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
            await("the heartbeat resumes on the main pool").atMost(Duration.ofSeconds(60))
                    .until(() -> beats(store) > beatsBefore);

            // The sender retries what was answered 429 (HighLevel does, with its own back-off; here at once).
            List<Delivery> first = new ArrayList<>(deliveries);
            List<Delivery> resent = first.stream().filter(d -> d.status() == 429).map(d -> send(port, d.webhookId())).toList();

            List<Delivery> duringOutage = first.stream()
                    .filter(d -> !d.sentAt().isBefore(stopping) && d.sentAt().isBefore(restarted)).toList();
            List<Probe> all = new ArrayList<>(probes);
            Probe down = firstAfter(probes, stopped, "readiness", p -> p.status() == 503);
            Duration downAfter = Duration.between(stopped, down.sentAt().plusMillis(down.millis()));
            report(first, duringOutage, resent, all, warm, stopping, stopped, restarting, restarted, downAfter);

            // ---- answers ----
            assertThat(first).allSatisfy(d -> assertThat(d.status()).as(d.toString()).isIn(200, 429));
            assertThat(first).filteredOn(d -> d.status() == 429)
                    .allSatisfy(d -> assertThat(d.retryAfter()).as(d.toString()).isNotBlank());
            assertThat(duringOutage).filteredOn(d -> d.status() == 429).hasSizeGreaterThanOrEqualTo(20);
            assertThat(first).filteredOn(d -> d.sentAt().isAfter(warm))
                    .allSatisfy(d -> assertThat(d.millis()).as("answer time of " + d).isLessThan(ANSWER_WITHIN_MS));
            assertThat(resent).allSatisfy(d -> assertThat(d.status()).as("resent " + d).isEqualTo(200));

            // ---- readiness and status ----
            assertThat(all).filteredOn(p -> p.sentAt().isAfter(warm)).allSatisfy(p -> assertThat(p.millis()).as("answer time of " + p.what() + " at " + p.sentAt())
                    .isLessThan(ANSWER_WITHIN_MS));
            assertThat(downAfter).as("readiness DOWN after the store stopped").isLessThan(Duration.ofSeconds(5));
            List<Probe> statusInOutage = all.stream().filter(p -> p.what().equals("status") && p.sentAt().isAfter(down.sentAt())
                    && p.sentAt().isBefore(restarting)).toList();
            assertThat(statusInOutage).isNotEmpty().allSatisfy(p -> {
                assertThat(p.status()).isEqualTo(200);
                assertThat(p.body().path("storeAvailable").asBoolean(true)).as("status says the store is unavailable").isFalse();
                assertThat(p.body().path("storeProblem").asText()).isNotBlank();
            });
            assertThat(firstAfter(probes, restarted, "status", p -> p.body().path("storeAvailable").asBoolean(false)))
                    .as("status says the store is back").isNotNull();

            // ---- nothing lost, nothing twice ----
            Map<String, Integer> stored = new HashMap<>();
            store.query("SELECT event_id, COUNT(*) FROM inbound_event WHERE source = 'highlevel-webhook' GROUP BY event_id",
                    rs -> {
                        stored.put(rs.getString(1), rs.getInt(2));
                    });
            Map<String, Integer> expected = new HashMap<>();
            first.forEach(d -> expected.put(d.webhookId(), 1));
            assertThat(stored).isEqualTo(expected);

        } finally {
            load.shutdownNow();
            if (app != null) {
                app.close();
            }
            pg.close();
        }
    }

    // ---- the app and the store --------------------------------------------------------------------

    private static EmbeddedPostgres postgres(Path data, int port) throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port).start();
    }

    /** Live mode, test profile, on this PostgreSQL; only the heartbeat route; free port; no JMX. */
    private static ConfigurableApplicationContext start(String jdbcUrl) {
        return new SpringApplicationBuilder(ContactsBridgeApplication.class)
                .profiles("test")
                .run("--spring.datasource.url=" + jdbcUrl,
                        "--spring.datasource.username=postgres",
                        "--spring.datasource.password=",
                        "--server.port=0",
                        "--bridge.routes-pattern=file:routes/heartbeat.yaml",
                        "--bridge.highlevel.webhook.ed25519-public-key=" + KEYS.ed25519PublicKeyBase64(),
                        "--bridge.inbound.max-concurrent-requests=64",
                        "--camel.main.jmx-enabled=false",
                        "--spring.jmx.enabled=false");
    }

    private static long beats(JdbcTemplate store) {
        Long beats = store.queryForObject("SELECT COALESCE(SUM(beats), 0) FROM bridge_instance", Long.class);
        return beats == null ? 0 : beats;
    }

    // ---- the sender and the probes ----------------------------------------------------------------

    /** A signed ContactUpdate as HighLevel sends it (Ed25519 in x-ghl-signature), with a 10 s timeout as HighLevel's. */
    private Delivery send(int port, String webhookId) {
        String json = "{\"type\":\"ContactUpdate\",\"locationId\":\"loc-outage\",\"id\":\"c-" + webhookId + "\","
                + "\"email\":\"" + webhookId + "@example.com\",\"timestamp\":\"" + Instant.now() + "\","
                + "\"webhookId\":\"" + webhookId + "\"}";
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        Instant sentAt = Instant.now();
        long started = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                            + "/webhooks/highlevel")).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .header("x-ghl-signature", KEYS.signEd25519(body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            return new Delivery(webhookId, sentAt, (System.nanoTime() - started) / 1_000_000, response.statusCode(),
                    response.headers().firstValue("Retry-After").orElse(null));
        } catch (IOException e) {
            return new Delivery(webhookId, sentAt, (System.nanoTime() - started) / 1_000_000, -1, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Delivery(webhookId, sentAt, (System.nanoTime() - started) / 1_000_000, -1, null);
        }
    }

    private Probe probe(int port, String path) {
        String what = path.endsWith("readiness") ? "readiness" : "status";
        Instant sentAt = Instant.now();
        long started = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                    .timeout(Duration.ofSeconds(40)).header("Authorization", "Basic "
                            + java.util.Base64.getEncoder().encodeToString("admin:test-admin-password".getBytes(StandardCharsets.UTF_8)))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            long millis = (System.nanoTime() - started) / 1_000_000;
            return new Probe(what, sentAt, millis, response.statusCode(), JSON.readTree(response.body()));
        } catch (IOException e) {
            return new Probe(what, sentAt, (System.nanoTime() - started) / 1_000_000, -1, JSON.createObjectNode());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Probe(what, sentAt, (System.nanoTime() - started) / 1_000_000, -1, JSON.createObjectNode());
        }
    }

    private static Probe firstAfter(ConcurrentLinkedQueue<Probe> probes, Instant after, String what, Predicate<Probe> test) {
        return probes.stream().filter(p -> p.what().equals(what) && p.sentAt().isAfter(after) && test.test(p))
                .min(Comparator.comparing(Probe::sentAt)).orElse(null);
    }

    private static long count(ConcurrentLinkedQueue<Delivery> deliveries, Predicate<Delivery> test) {
        return deliveries.stream().filter(test).count();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    // ---- the figures ----------------------------------------------------------------------------------

    private static void report(List<Delivery> first, List<Delivery> duringOutage, List<Delivery> resent, List<Probe> probes,
                               Instant warm, Instant stopping, Instant stopped, Instant restarting, Instant restarted, Duration downAfter) {
        List<Long> outageMillis = duringOutage.stream().map(Delivery::millis).sorted().toList();
        List<Probe> outageProbes = probes.stream().filter(p -> !p.sentAt().isBefore(stopped) && p.sentAt().isBefore(restarting))
                .toList();
        System.out.printf(Locale.ROOT, """
                        ---- store outage (PostgreSQL stopped %d ms, down %.1f s, restarted in %d ms) ----
                        webhooks: %d sent (%d answered 200, %d answered 429, all resent and stored: %d), max answer %d ms (after warm-up)
                        during the outage: %d webhooks (%d x 429), answer time p50 %d ms, p95 %d ms, max %d ms
                        readiness: DOWN %d ms after the store stopped; answer time during the outage max %d ms
                        status: answer time during the outage max %d ms (storeAvailable false); readiness and status after warm-up max %d ms
                        ---------------------------------------------------------------------------------
                        """,
                Duration.between(stopping, stopped).toMillis(), Duration.between(stopped, restarting).toMillis() / 1000.0,
                Duration.between(restarting, restarted).toMillis(),
                first.size(), first.stream().filter(d -> d.status() == 200).count(),
                first.stream().filter(d -> d.status() == 429).count(), resent.size(),
                first.stream().filter(d -> d.sentAt().isAfter(warm)).mapToLong(Delivery::millis).max().orElse(0),
                duringOutage.size(), duringOutage.stream().filter(d -> d.status() == 429).count(),
                percentile(outageMillis, 50), percentile(outageMillis, 95), percentile(outageMillis, 100),
                downAfter.toMillis(),
                outageProbes.stream().filter(p -> p.what().equals("readiness")).mapToLong(Probe::millis).max().orElse(0),
                outageProbes.stream().filter(p -> p.what().equals("status")).mapToLong(Probe::millis).max().orElse(0),
                probes.stream().filter(p -> p.sentAt().isAfter(warm)).mapToLong(Probe::millis).max().orElse(0));
    }

    /** Nearest rank of sorted values. */
    private static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size(), rank) - 1));
    }
}
