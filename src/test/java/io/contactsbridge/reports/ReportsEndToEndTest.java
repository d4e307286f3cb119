package io.contactsbridge.reports;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.sandbox.SandboxSimulators;
import io.contactsbridge.simulator.birdsend.BirdSendContactEdit;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.support.Waits;
import io.contactsbridge.sync.Backfill;
import io.contactsbridge.sync.ContactLink;
import io.contactsbridge.sync.LinkStore;
import io.contactsbridge.sync.SyncProperties;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reports end to end over real HTTP: people create and edit contacts in the simulated apps, the live sync creates
 * and updates their twins on the other side, and {@code /api/reports} shows each write once, in its direction and in
 * the hour it happened, with the API calls spent; the CSV holds the same rows; bad parameters are answered 400 and a
 * caller without the admin login 401. The sandbox's seeded contacts are synced too (by the backfill), so every count
 * is a difference from before the test's own changes.
 */
@CamelSpringBootTest
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS) // its pollers and sync stop with it
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:reports-e2e;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;"
                + "DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE",
        "bridge.reports.flush-interval=200ms",
})
@ActiveProfiles({"test", "sandbox"})
@TestPropertySource(locations = "classpath:live-sync-test.properties", properties = "bridge.admin.password=test-admin-password")
class ReportsEndToEndTest {

    private static final Duration ARRIVAL = Duration.ofSeconds(20);
    private static final Duration SETTLE = Duration.ofMillis(1500);
    private static final String RUN = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AUTH = "Basic " + Base64.getEncoder()
            .encodeToString("admin:test-admin-password".getBytes(StandardCharsets.UTF_8));
    private static final String TO_BIRDSEND = ReportCounters.HIGHLEVEL_TO_BIRDSEND;
    private static final String TO_HIGHLEVEL = ReportCounters.BIRDSEND_TO_HIGHLEVEL;

    @Autowired
    SandboxSimulators sims;
    @Autowired
    Backfill backfill;
    @Autowired
    LinkStore links;
    @Autowired
    SyncProperties props;
    @Autowired
    JournalStore journal;
    @LocalServerPort
    int port;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void quiet() {
        Waits.until("backfill done", Duration.ofSeconds(90), () -> "done".equals(backfill.snapshot().state()));
        Waits.until("the journal drained", ARRIVAL, () -> journal.pendingTotal(Instant.now().minus(Duration.ofMinutes(1))) == 0);
    }

    @Test
    void createsAndUpdatesAreCountedPerDirectionInTheirHour() throws Exception {
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        Map<String, Long> before = totals(report(""));

        // HighLevel -> BirdSend: a person creates a contact with a tag in HighLevel; the bridge creates its twin.
        String hlEmail = ("reports.hl." + RUN + "@example.org").toLowerCase(Locale.ROOT);
        String hlId = sims.highLevel().state().createContactAsUser(sims.highLevelLocationId(), SimJson.object()
                .put("email", hlEmail).put("firstName", "Hilda").put("lastName", "Report").put("source", "reports test")
                .set("tags", SimJson.array().add("report-vip"))).get("id").asText();
        ContactLink fromHighLevel = Waits.value("a link for " + hlEmail, ARRIVAL, () -> links.byHighLevel(props.pair(), hlId));
        // BirdSend -> HighLevel: a contact appears in BirdSend; the bridge creates it in HighLevel.
        long bsId = sims.birdSend().seedContact(BirdSendNewContact.of(("reports.bs." + RUN + "@example.org")
                .toLowerCase(Locale.ROOT), "Bert", "Report")).contactId();
        Waits.value("a link for BirdSend contact " + bsId, ARRIVAL, () -> links.byBirdSend(props.pair(), Long.toString(bsId)));
        // An edit in BirdSend updates HighLevel; then an edit in HighLevel updates BirdSend.
        sims.birdSend().editContact(Long.parseLong(fromHighLevel.birdsendId()),
                BirdSendContactEdit.change().field("first_name", "Hildegard"));
        Waits.until("HighLevel has BirdSend's name", ARRIVAL, () -> "Hildegard".equals(
                sims.highLevel().state().contact(hlId).orElseThrow().path("firstName").asText()));
        Waits.until("the report counts BirdSend's edit", ARRIVAL,
                () -> delta(before, totals(report("")), "sync.updated", TO_HIGHLEVEL) >= 1);
        sims.highLevel().state().editContactAsUser(hlId, SimJson.object().put("lastName", "Reported"));
        Waits.until("BirdSend has HighLevel's name", ARRIVAL, () -> "Reported".equals(
                sims.birdSend().contact(Long.parseLong(fromHighLevel.birdsendId())).orElseThrow().field("last_name")));

        Map<String, Long> expected = new TreeMap<>(Map.of(
                "sync.created " + TO_BIRDSEND, 1L, "sync.created " + TO_HIGHLEVEL, 1L,
                "sync.updated " + TO_HIGHLEVEL, 1L, "sync.updated " + TO_BIRDSEND, 1L,
                "tags.added birdsend", 1L, "sync.failed " + TO_BIRDSEND, 0L, "sync.failed " + TO_HIGHLEVEL, 0L));
        // At least these: the buckets count every contact of the pair, and in a full build other test classes'
        // leftovers (retries, replays) can reach the same pair's counts meanwhile (seen once in CI). Run alone, the
        // figures are exact; making this exact in a full build needs a pair of its own (left for the next change).
        Waits.until("the report shows each write", ARRIVAL, () -> atLeast(deltas(before, totals(report("")), expected), expected));
        JsonNode after = report("");
        assertThat(delta(before, totals(after), "sync.outcomes", "created_birdsend")).isGreaterThanOrEqualTo(1);
        assertThat(delta(before, totals(after), "sync.outcomes", "created_highlevel")).isGreaterThanOrEqualTo(1);

        JsonNode pair = after.path("pairs").get(0);
        assertThat(pair.path("highlevelConnection").asText()).isEqualTo(props.pair().highlevelConnection());
        assertThat(pair.path("linkedContacts").asLong()).isEqualTo(links.count(props.pair()));
        assertThat(after.path("granularity").asText()).isEqualTo("hour");
        assertThat(after.path("buckets")).hasSize(24);
        JsonNode calls = pair.path("apiCalls").path("highlevel:" + props.pair().highlevelConnection());
        assertThat(calls.findValues("metric")).isNotEmpty();
        assertThat(series(calls, "api.calls", "2xx").path("total").asLong()).as("HighLevel requests answered 2xx").isPositive();

        if (Instant.now().truncatedTo(ChronoUnit.HOURS).equals(hour)) {
            // Still the hour the test began in (the usual case): its bucket, the last, holds the test's writes.
            int last = after.path("buckets").size() - 1;
            assertThat(after.path("buckets").get(last).asText()).isEqualTo(hour.toString());
            long inHour = series(pair.path("series"), "sync.created", TO_BIRDSEND).path("counts").get(last).asLong();
            assertThat(inHour).as("created towards BirdSend in " + hour).isGreaterThanOrEqualTo(1);
        }

        // Days add the hours up: today's day bucket equals today's 24 hours.
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        String range = "from=" + today + "&to=" + today.plusDays(1);
        Map<String, Long> hours = totals(report("?granularity=hour&" + range));
        JsonNode days = report("?granularity=day&" + range);
        assertThat(days.path("buckets")).hasSize(1);
        assertThat(totals(days)).isEqualTo(hours);

        // The CSV: a header, then a row per bucket, scope, metric and dimension, the same figures.
        HttpResponse<String> csv = get("/api/reports.csv?" + range, AUTH);
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        assertThat(csv.headers().firstValue("Content-Disposition").orElse("")).startsWith("attachment; filename=");
        List<String> lines = csv.body().lines().toList();
        assertThat(lines.get(0)).isEqualTo("bucket_start,granularity,scope,metric,dimension,count");
        String scope = ReportCounters.pairScope(props.pair().highlevelConnection(), props.pair().birdsendConnection());
        long createdTowardsBirdSend = lines.stream().skip(1).map(l -> l.split(","))
                .peek(cells -> assertThat(cells).hasSize(6))
                .filter(c -> c[2].equals(scope) && c[3].equals("sync.created") && c[4].equals(TO_BIRDSEND))
                .mapToLong(c -> Long.parseLong(c[5])).sum();
        assertThat(createdTowardsBirdSend).isEqualTo(hours.get("sync.created " + TO_BIRDSEND));
        // The same export by parameter. Its figures are read a moment later, and the sandbox's pollers and automations
        // go on calling meanwhile, so only the header and the created counts (this test's own, finished) must match.
        List<String> byParameter = get("/api/reports?format=csv&" + range, AUTH).body().lines().toList();
        assertThat(byParameter.get(0)).isEqualTo(lines.get(0));
        assertThat(byParameter.stream().filter(l -> l.contains(",sync.created,")).toList())
                .isEqualTo(lines.stream().filter(l -> l.contains(",sync.created,")).toList());
    }

    /**
     * Dana's new phone in BirdSend is Eli's in HighLevel: HighLevel refuses the write by its duplicate rule, once
     * (later events are not sent again). Eli unsubscribes in BirdSend: DND is set in HighLevel.
     */
    @Test
    void aRefusedWriteCountsAsFailedAndAnUnsubscribeInTheirDirection() throws Exception {
        long n = System.currentTimeMillis() % 5000;
        String danaPhone = String.format("+1303556%04d", n);
        String eliPhone = String.format("+1303556%04d", n + 5000);
        ContactLink dana = highLevelPerson("Dana", danaPhone);
        ContactLink eli = highLevelPerson("Eli", eliPhone);
        Map<String, Long> before = settled();

        sims.birdSend().editContact(Long.parseLong(dana.birdsendId()), BirdSendContactEdit.change().field("phone", eliPhone));
        sims.birdSend().unsubscribeContact(Long.parseLong(eli.birdsendId()));
        Waits.until("HighLevel has DND on for Eli", ARRIVAL, () -> sims.highLevel().state().contact(eli.highlevelId())
                .orElseThrow().path("dnd").asBoolean(false));

        Map<String, Long> expected = new TreeMap<>(Map.of(
                "sync.failed " + TO_HIGHLEVEL, 1L, "sync.failed " + TO_BIRDSEND, 0L,
                "unsubscribes " + TO_HIGHLEVEL, 1L, "unsubscribes " + TO_BIRDSEND, 0L,
                "sync.updated " + TO_HIGHLEVEL, 1L, "sync.updated " + TO_BIRDSEND, 0L));
        Waits.holds("the report shows the refusal and the unsubscribe once", SETTLE, ARRIVAL,
                () -> deltas(before, totals(report("")), expected).equals(expected));
        assertThat(deltas(before, totals(report("")), expected)).isEqualTo(expected);
        assertThat(sims.highLevel().state().contact(dana.highlevelId()).orElseThrow().path("phone").asText())
                .as("Dana's HighLevel phone, the refused write not made").isEqualTo(danaPhone);
    }

    @Test
    void badParametersAre400AndNoLoginIs401() throws Exception {
        for (String query : List.of("?granularity=week", "?from=yesterday", "?from=2026-01-01&to=2025-01-01",
                "?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "?granularity=day&from=2020-01-01&to=2026-01-01",
                "?colour=blue", "?format=xml", "?from=2026-01-01&from=2026-01-02")) {
            HttpResponse<String> answer = get("/api/reports" + query, AUTH);
            assertThat(answer.statusCode()).as(query).isEqualTo(400);
            JsonNode body = JSON.readTree(answer.body());
            assertThat(body.path("error").asText()).isEqualTo("bad_request");
            assertThat(body.path("message").asText()).as(query).isNotBlank();
        }
        assertThat(JSON.readTree(get("/api/reports?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", AUTH).body())
                .path("message").asText()).contains("90 days").contains("granularity=day");
        assertThat(get("/api/reports", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/reports.csv", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/reports", "Basic " + Base64.getEncoder().encodeToString("admin:wrong".getBytes(StandardCharsets.UTF_8)))
                .statusCode()).isEqualTo(401);
        assertThat(get("/api/reports?granularity=day", AUTH).statusCode()).isEqualTo(200);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** A person created in HighLevel, once the bridge has created and linked their BirdSend twin. */
    private ContactLink highLevelPerson(String name, String phone) {
        String email = ("reports." + name + "." + RUN + "@example.org").toLowerCase(Locale.ROOT);
        String hlId = sims.highLevel().state().createContactAsUser(sims.highLevelLocationId(), SimJson.object()
                .put("email", email).put("firstName", name).put("lastName", "Report").put("phone", phone)
                .put("source", "reports test")).get("id").asText();
        return Waits.value("a link for " + email, ARRIVAL, () -> links.byHighLevel(props.pair(), hlId));
    }

    /** The pair's totals once they have stopped changing. */
    private Map<String, Long> settled() {
        AtomicReference<Map<String, Long>> last = new AtomicReference<>(totals(report("")));
        Waits.holds("the report settled", SETTLE, ARRIVAL, () -> {
            Map<String, Long> now = totals(report(""));
            return now.equals(last.getAndSet(now));
        });
        return last.get();
    }

    private JsonNode report(String query) {
        try {
            HttpResponse<String> answer = get("/api/reports" + query, AUTH);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            return JSON.readTree(answer.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** "metric dimension" -> total, of the sync's pair. */
    private Map<String, Long> totals(JsonNode report) {
        Map<String, Long> out = new TreeMap<>();
        for (JsonNode s : report.path("pairs").get(0).path("series")) {
            out.put(s.path("metric").asText() + " " + s.path("dimension").asText(), s.path("total").asLong());
        }
        return out;
    }

    private static long delta(Map<String, Long> before, Map<String, Long> after, String metric, String dimension) {
        String key = metric + " " + dimension;
        return after.getOrDefault(key, 0L) - before.getOrDefault(key, 0L);
    }

    private static Map<String, Long> deltas(Map<String, Long> before, Map<String, Long> after, Map<String, Long> keys) {
        Map<String, Long> out = new TreeMap<>();
        keys.keySet().forEach(k -> out.put(k, after.getOrDefault(k, 0L) - before.getOrDefault(k, 0L)));
        return out;
    }

    private static JsonNode series(JsonNode list, String metric, String dimension) {
        for (JsonNode s : list) {
            if (metric.equals(s.path("metric").asText()) && dimension.equals(s.path("dimension").asText())) {
                return s;
            }
        }
        throw new AssertionError("no series " + metric + " / " + dimension + " in " + list);
    }

    private HttpResponse<String> get(String path, String auth) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(20)).GET();
        if (auth != null) {
            request.header("Authorization", auth);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static boolean atLeast(Map<String, Long> actual, Map<String, Long> expected) {
        return expected.entrySet().stream().allMatch(e -> actual.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }
}
