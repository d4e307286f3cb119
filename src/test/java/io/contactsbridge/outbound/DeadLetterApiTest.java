package io.contactsbridge.outbound;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.journal.AppendResult;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimResponse;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dead letters' admin API over real HTTP with the admin's Basic credentials: a route calling an upstream (a
 * {@link FakeUpstream} on the simulators' HTTP server) that refuses the write leaves a dead letter through the real
 * path; it is listed, shown, replayed while the fault is still there (failed again, still open, no second letter),
 * replayed after the fault is gone (succeeded, recorded), and not run again by a second or a concurrent replay.
 * Every test makes its own route, connection and letters, so letters of other tests in the shared store do not count.
 */
@OutboundAppTest
class DeadLetterApiTest {

    private static final AtomicInteger IDS = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AUTH = "Basic " + Base64.getEncoder()
            .encodeToString("admin:test-admin-password".getBytes(StandardCharsets.UTF_8));
    private static final String REFUSAL =
            "{\"statusCode\":422,\"message\":[\"email must be an email\"],\"error\":\"Unprocessable Entity\"}";

    @LocalServerPort
    int port;
    @Autowired
    CamelContext camel;
    @Autowired
    ProducerTemplate producer;
    @Autowired
    DeadLetterStore store;
    @Autowired
    JournalStore journal;
    @Autowired
    MeterRegistry registry;
    @Autowired
    OutboundTestBeans.FakeTokens tokens;
    @Autowired
    OutboundTestBeans.MutableTargets targets;

    FakeUpstream upstream;
    String routeId;
    String connection;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void setUp() throws Exception {
        int n = IDS.incrementAndGet();
        routeId = "dead-letter-api-test-" + n;
        connection = "dla-conn-" + n;
        upstream = new FakeUpstream("highlevel", "");
        targets.put(connection, ServiceType.HIGHLEVEL, upstream.baseUrl(""));
        tokens.set(connection, "token");
        OutboundRoutesTest.closeBreakers(camel);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:" + routeId).routeId(routeId)
                        .routeConfigurationId(DeadLetterErrorHandling.BRIDGE_DEAD_LETTER)
                        .setHeader(OutboundHeaders.CONNECTION_ID, constant(connection))
                        .setHeader(OutboundHeaders.OPERATION, constant("update-contact"))
                        .setHeader("BridgeHttpMethod", constant("PUT"))
                        .setHeader("BridgeHttpPath", simple("/contacts/${header.ContactId}"))
                        .to("direct:highlevel-call");
            }
        });
    }

    @AfterEach
    void tearDown() throws Exception {
        camel.getRouteController().stopRoute(routeId);
        camel.removeRoute(routeId);
        upstream.close();
    }

    @Test
    void aLetterReplayedAfterTheFaultIsGoneSucceedsOnceAndTheOutcomeIsRecorded() throws Exception {
        upstream.otherwise(r -> FakeUpstream.error(422, REFUSAL));
        long id = failOnce("c1", "{\"id\":\"c1\",\"email\":\"ann@example.com\"}");

        JsonNode list = ok(get("/api/dead-letters?route=" + routeId));
        assertThat(list.path("deadLetters")).singleElement().satisfies(l -> {
            assertThat(l.path("id").asLong()).isEqualTo(id);
            assertThat(l.path("state").asText()).isEqualTo("open");
            assertThat(l.path("connection").asText()).isEqualTo(connection);
            assertThat(l.path("errorClass").asText()).isEqualTo(UpstreamRejectedException.class.getName());
            assertThat(l.has("payload")).as("lists leave the payload to the letter's own page").isFalse();
        });
        JsonNode shown = ok(get("/api/dead-letters/" + id));
        assertThat(shown.path("payload").asText()).isEqualTo("{\"id\":\"c1\",\"email\":\"ann@example.com\"}");
        assertThat(shown.path("headers").path("ContactId").asText()).isEqualTo("c1");
        assertThat(shown.path("errorMessage").asText()).isEqualTo("HighLevel update-contact failed: 422 email must be an email");
        assertThat(shown.path("attempts").asInt()).isEqualTo(1);
        assertThat(shown.path("firstFailedAt").asText()).isEqualTo(shown.path("lastFailedAt").asText());
        assertThat(shown.path("replays")).isEmpty();

        // The fault is still there: replayed once, failed again, open with the error; no second letter.
        HttpResponse<String> again = post("/api/dead-letters/" + id + "/replay", "");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).path("outcome").asText()).isEqualTo("failed");
        assertThat(store.listByRoute(routeId, 10)).hasSize(1);
        DeadLetterEntry failed = store.entry(id).orElseThrow();
        assertThat(failed.state()).isEqualTo("open");
        assertThat(failed.replayAttempts()).isEqualTo(1);
        assertThat(failed.lastReplayError()).contains("email must be an email");

        // The fault removed: the replay goes through.
        upstream.otherwise(r -> SimResponse.ok(SimJson.object().put("id", r.pathVar("id"))));
        long putsBefore = upstream.server.calls().count("update-contact");
        HttpResponse<String> replayed = post("/api/dead-letters/" + id + "/replay", "");
        assertThat(replayed.statusCode()).as(replayed.body()).isEqualTo(200);
        JsonNode outcome = JSON.readTree(replayed.body());
        assertThat(outcome.path("outcome").asText()).isEqualTo("succeeded");
        assertThat(outcome.path("state").asText()).isEqualTo("replayed");
        assertThat(upstream.server.calls().count("update-contact") - putsBefore).isEqualTo(1);
        assertThat(upstream.arrivals().get(upstream.arrivals().size() - 1).request().bodyAsString())
                .contains("ann@example.com");

        // Idempotent: a second replay runs nothing and answers the recorded outcome.
        HttpResponse<String> second = post("/api/dead-letters/" + id + "/replay", "");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(second.body()).path("outcome").asText()).isEqualTo("already_replayed");
        assertThat(JSON.readTree(second.body()).path("recordedOutcome").asText()).isEqualTo("succeeded");
        assertThat(upstream.server.calls().count("update-contact") - putsBefore).isEqualTo(1);

        JsonNode after = ok(get("/api/dead-letters/" + id));
        assertThat(after.path("state").asText()).isEqualTo("replayed");
        assertThat(after.path("replayAttempts").asInt()).isEqualTo(2);
        assertThat(after.path("replays")).extracting(r -> r.path("outcome").asText()).containsExactly("failed", "succeeded");
        assertThat(ok(get("/api/dead-letters?route=" + routeId)).path("deadLetters")).as("open ones only").isEmpty();
        assertThat(ok(get("/api/dead-letters?route=" + routeId + "&state=replayed")).path("deadLetters")).hasSize(1);
        assertThat(registry.get(DeadLetterReplay.REPLAYS_METER).tag("outcome", "succeeded").counter().count())
                .isGreaterThanOrEqualTo(1);
        assertThat(registry.get(DeadLetterReplay.REPLAYS_METER).tag("outcome", "failed").counter().count())
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void concurrentReplaysOfOneLetterRunItOnce() throws Exception {
        upstream.otherwise(r -> FakeUpstream.error(422, REFUSAL));
        long id = failOnce("c2", "{\"id\":\"c2\"}");
        // Slow enough that the replays overlap.
        upstream.otherwise(r -> {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return SimResponse.ok(SimJson.object().put("id", r.pathVar("id")));
        });
        long putsBefore = upstream.server.calls().count("update-contact");
        int replays = 4;
        ExecutorService pool = Executors.newFixedThreadPool(replays);
        List<String> outcomes = new ArrayList<>();
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < replays; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return post("/api/dead-letters/" + id + "/replay", "");
                }));
            }
            start.countDown();
            for (Future<HttpResponse<String>> a : answers) {
                outcomes.add(JSON.readTree(a.get(60, TimeUnit.SECONDS).body()).path("outcome").asText());
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(outcomes).as("outcomes").containsOnlyOnce("succeeded")
                .allMatch(o -> List.of("succeeded", "in_progress", "already_replayed").contains(o));
        assertThat(upstream.server.calls().count("update-contact") - putsBefore).as("PUTs").isEqualTo(1);
        assertThat(store.entry(id).orElseThrow().replayAttempts()).isEqualTo(1);
    }

    @Test
    void manyAreReplayedByFilterOrIdsAndDiscardedOnesNever() throws Exception {
        upstream.otherwise(r -> FakeUpstream.error(422, REFUSAL));
        long first = failOnce("c3", "{\"id\":\"c3\"}");
        long second = failOnce("c4", "{\"id\":\"c4\"}");
        long third = failOnce("c5", "{\"id\":\"c5\"}");
        upstream.otherwise(r -> SimResponse.ok(SimJson.object().put("id", r.pathVar("id"))));

        // Discarded: hidden from the list, never replayed; a second discard is the same answer.
        HttpResponse<String> discarded = send(HttpRequest.newBuilder(uri("/api/dead-letters/" + third)).DELETE());
        assertThat(discarded.statusCode()).as(discarded.body()).isEqualTo(200);
        assertThat(JSON.readTree(discarded.body()).path("state").asText()).isEqualTo("discarded");
        assertThat(send(HttpRequest.newBuilder(uri("/api/dead-letters/" + third)).DELETE()).statusCode()).isEqualTo(200);
        assertThat(ok(get("/api/dead-letters?connection=" + connection)).path("deadLetters"))
                .extracting(l -> l.path("id").asLong()).containsExactly(second, first);
        assertThat(ok(get("/api/dead-letters?connection=" + connection + "&state=discarded")).path("deadLetters"))
                .extracting(l -> l.path("id").asLong()).containsExactly(third);
        HttpResponse<String> replayDiscarded = post("/api/dead-letters/" + third + "/replay", "");
        assertThat(replayDiscarded.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(replayDiscarded.body()).path("outcome").asText()).isEqualTo("discarded");

        JsonNode byFilter = ok(post("/api/dead-letters/replay", "{\"route\":\"" + routeId + "\"}"));
        assertThat(byFilter.path("counts").path("succeeded").asInt()).isEqualTo(2);
        assertThat(byFilter.path("results")).extracting(r -> r.path("id").asLong()).containsExactly(second, first);
        JsonNode byIds = ok(post("/api/dead-letters/replay", "{\"ids\":[" + first + "," + third + "]}"));
        assertThat(byIds.path("results")).extracting(r -> r.path("outcome").asText())
                .containsExactly("already_replayed", "discarded");
        assertThat(send(HttpRequest.newBuilder(uri("/api/dead-letters/" + first)).DELETE()).statusCode())
                .as("a replayed letter stays as the record").isEqualTo(409);
    }

    @Test
    void aBackfillLetterIsHandedToTheLiveSyncOnceAndALetterOfNoRouteIsNotReplayable() throws Exception {
        long backfill = store.record(new DeadLetter(null, "backfill", "update-contact", connection, "b:00000000000000004242",
                Map.of(), UpstreamRejectedException.class.getName(), "refused", Instant.now(), 1)).id();
        HttpResponse<String> queued = post("/api/dead-letters/" + backfill + "/replay", "");
        assertThat(queued.statusCode()).as(queued.body()).isEqualTo(202);
        assertThat(JSON.readTree(queued.body()).path("outcome").asText()).isEqualTo("queued");
        assertThat(journal.append(JournalSources.BACKFILL, "ContactChanged", "dead-letter-" + backfill + "-r1", "birdsend:4242", "{}"))
                .as("the hand-over is in the journal").isEqualTo(AppendResult.DUPLICATE);
        assertThat(JSON.readTree(post("/api/dead-letters/" + backfill + "/replay", "").body()).path("outcome").asText())
                .isEqualTo("already_replayed");

        long orphan = store.record(new DeadLetter(null, "no-such-route-" + routeId, null, connection, "{}", Map.of(),
                "java.io.IOException", "gone", Instant.now(), 1)).id();
        HttpResponse<String> refused = post("/api/dead-letters/" + orphan + "/replay", "");
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(refused.body()).path("outcome").asText()).isEqualTo("not_replayable");
        assertThat(JSON.readTree(refused.body()).path("detail").asText()).contains("is not in this bridge");
        assertThat(store.entry(orphan).orElseThrow().state()).isEqualTo("open");
    }

    @Test
    void listsPageAndRefuseBadFiltersInWords() throws Exception {
        Instant t0 = Instant.parse("2026-03-01T10:00:00Z");
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(store.record(new DeadLetter(null, routeId, "get-contact", connection, "{}", Map.of(),
                    "java.io.IOException", "down " + i, t0.plusSeconds(i), 2)).id());
        }
        JsonNode page1 = ok(get("/api/dead-letters?connection=" + connection + "&limit=2"));
        assertThat(page1.path("deadLetters")).extracting(l -> l.path("id").asLong()).containsExactly(ids.get(2), ids.get(1));
        JsonNode page2 = ok(get("/api/dead-letters?connection=" + connection + "&limit=2&before="
                + page1.path("nextBefore").asLong()));
        assertThat(page2.path("deadLetters")).extracting(l -> l.path("id").asLong()).containsExactly(ids.get(0));
        assertThat(page2.path("nextBefore").isNull()).isTrue();
        assertThat(ok(get("/api/dead-letters?route=" + routeId + "&errorClass=IOException&since=2026-03-01T10:00:01Z"
                + "&until=2026-03-01T10:00:02Z")).path("deadLetters")).extracting(l -> l.path("id").asLong())
                .containsExactly(ids.get(1));

        assertBadRequest(get("/api/dead-letters?limit=0"), "limit must be a whole number from 1 to 500");
        assertBadRequest(get("/api/dead-letters?limit=501"), "limit must be");
        assertBadRequest(get("/api/dead-letters?since=yesterday"), "since must be an ISO-8601 instant");
        assertBadRequest(get("/api/dead-letters?state=closed"), "Unknown state 'closed'");
        assertBadRequest(get("/api/dead-letters?conection=x"), "Unknown query parameter 'conection'");
        assertBadRequest(get("/api/dead-letters?since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z"), "must be before");
        assertBadRequest(get("/api/dead-letters/abc"), "id is a number");
        assertBadRequest(post("/api/dead-letters/replay", "{}"), "at least one of");
        assertBadRequest(post("/api/dead-letters/replay", "not json"), "not JSON");
        assertBadRequest(post("/api/dead-letters/replay", "{\"ids\":[\"x\"]}"), "ids must be numbers");
        assertThat(get("/api/dead-letters/999999999").statusCode()).isEqualTo(404);
        assertThat(post("/api/dead-letters/999999999/replay", "").statusCode()).isEqualTo(404);
        assertThat(send(HttpRequest.newBuilder(uri("/api/dead-letters/999999999")).DELETE()).statusCode()).isEqualTo(404);
    }

    @Test
    void statusGivesCountsOnlyAndTheApiWantsTheAdmin() throws Exception {
        upstream.otherwise(r -> FakeUpstream.error(422, REFUSAL));
        failOnce("c6", "{\"id\":\"c6\",\"email\":\"secret-person@example.com\"}");

        HttpResponse<String> status = get("/api/status");
        assertThat(status.statusCode()).isEqualTo(200);
        JsonNode s = JSON.readTree(status.body());
        assertThat(s.path("deadLetters").isNumber()).isTrue();
        assertThat(s.path("deadLetters").asLong()).isEqualTo(s.path("deadLetterQueue").path("open").asLong()
                + s.path("deadLetterQueue").path("replaying").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(s.path("deadLetterQueue").path("oldestOpenAgeSeconds").isNumber()).isTrue();
        assertThat(s.path("deadLetterQueue").has("replayed")).isTrue();
        assertThat(s.path("deadLetterQueue").has("discarded")).isTrue();
        assertThat(status.body()).doesNotContain("secret-person@example.com");
        assertThat(registry.get(DeadLetterStatus.OPEN_GAUGE).gauge().value()).isGreaterThanOrEqualTo(1);
        assertThat(registry.get(DeadLetterStatus.OLDEST_GAUGE).gauge().value()).isGreaterThanOrEqualTo(0);

        HttpRequest.Builder anonymous = HttpRequest.newBuilder(uri("/api/dead-letters")).GET();
        assertThat(http.send(anonymous.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        HttpRequest anonymousReplay = HttpRequest.newBuilder(uri("/api/dead-letters/replay"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"ids\":[1]}")).build();
        assertThat(http.send(anonymousReplay, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        HttpRequest wrongPassword = HttpRequest.newBuilder(uri("/api/dead-letters/1")).header("Authorization", "Basic "
                + Base64.getEncoder().encodeToString("admin:nope".getBytes(StandardCharsets.UTF_8))).DELETE().build();
        assertThat(http.send(wrongPassword, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    }

    /** Sends a message the upstream refuses through the test's route: one dead letter, its id. */
    private long failOnce(String contactId, String body) {
        int before = store.listByRoute(routeId, 100).size();
        producer.sendBodyAndHeader("direct:" + routeId, body, "ContactId", contactId);
        List<DeadLetter> letters = store.listByRoute(routeId, 100);
        assertThat(letters).hasSize(before + 1);
        return letters.get(0).id();
    }

    private static void assertBadRequest(HttpResponse<String> r, String message) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("message").asText()).contains(message);
    }

    private JsonNode ok(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.header("Authorization", AUTH).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
