package io.contactsbridge.sync;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.mapping.Side;
import io.contactsbridge.outbound.UpstreamApiException;
import io.contactsbridge.outbound.contacts.HighLevelContactApi;
import io.contactsbridge.sandbox.SandboxSimulators;
import io.contactsbridge.simulator.birdsend.BirdSendContactEdit;
import io.contactsbridge.simulator.birdsend.BirdSendOperations;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import io.contactsbridge.simulator.sim.FaultConfig;
import io.contactsbridge.simulator.sim.FaultInjector;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.support.Waits;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backfill end to end, over the bridge's HTTP API, against the sandbox simulators seeded with 500 contacts
 * each, 60 % of the BirdSend people also in HighLevel (same email in other letter case, realistic differences).
 * The simulators run 50 times faster than the real services (HighLevel 100 requests per 200 ms, BirdSend 5 per
 * 20 ms) and the bridge's budgets sit below those limits. The live sync is on (HighLevel's webhooks of the
 * backfill's own writes come back as echoes); pollers are off, so only the backfill finds unsynced people.
 *
 * <p>The tests run in order on one context: a dry run, the real run (progress, 409, figures), the converged result,
 * a second run that writes nothing, a run during which HighLevel fails (its contacts handed to the live sync), a run
 * stopped part-way and resumed from its checkpoint, and bad parameters.
 */
@CamelSpringBootTest
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS) // its pollers and sync stop with it
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        // Its own in-memory database: other test contexts in the same JVM share the default one, links included.
        "spring.datasource.url=jdbc:h2:mem:backfill-e2e" + SyncBenchmark.H2_OPTIONS,
        "bridge.sync.enabled=true",
        "bridge.sync.backfill.on-startup=false",
        "bridge.sync.backfill.workers=8",
        "bridge.sync.poll-interval-ms=200",
        "bridge.sandbox.highlevel.contacts=500",
        "bridge.sandbox.birdsend.contacts=500",
        "bridge.sandbox.overlap=0.6",
        "bridge.sandbox.time-scale=50",
        // HighLevel allows 100 per 200 ms at this scale: 80 per 200 ms, each window lengthened by a 50 ms margin.
        "bridge.outbound.highlevel.rate.windows.burst.limit=80",
        "bridge.outbound.highlevel.rate.windows.burst.period=200ms",
        "bridge.outbound.highlevel.rate.safety-margin=50ms",
        // BirdSend allows 5 per 20 ms. A busy test machine delays requests between their slot and their arrival by
        // tens of milliseconds, so bursts of 4 from consecutive windows arrived together and drew 429s (each pausing
        // BirdSend for its 1 s Retry-After): 2 per 20 ms plus a 30 ms margin (40/s) needs three bunched windows for one.
        "bridge.outbound.birdsend.rate.windows.second.limit=2",
        "bridge.outbound.birdsend.rate.windows.second.period=20ms",
        "bridge.outbound.birdsend.rate.safety-margin=30ms",
        // The breakers as in production (config/outbound.properties), not the test profile's hair-trigger ones:
        // a stray 429 under load must not stop a 1,000-contact run (500 per side here).
        "camel.resilience4j.configurations.highlevel.sliding-window-size=20",
        "camel.resilience4j.configurations.highlevel.minimum-number-of-calls=10",
        "camel.resilience4j.configurations.birdsend.sliding-window-size=20",
        "camel.resilience4j.configurations.birdsend.minimum-number-of-calls=10",
        // What a backfill hands to the live sync while HighLevel fails is retried at most 2 s apart, not 5 minutes.
        "bridge.journal.retry-max-delay=2s",
})
@ActiveProfiles({"test", "sandbox"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackfillEndToEndTest {

    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);
    private static final String UNSYNCED_LAST_NAME = "Checkpointvale";

    // Carried from one ordered test to the next (JUnit makes an instance per test).
    private static Map<String, Long> dryRunCounts;
    private static Map<String, Long> realRunCounts;
    private static String interruptedRunId;
    private static String interruptedCheckpoint;
    private static final List<Long> newBirdSendIds = new ArrayList<>();
    private static final List<String> newHighLevelEmails = new ArrayList<>();

    @Autowired
    SandboxSimulators sims;
    @Autowired
    LinkStore links;
    @Autowired
    SyncProperties props;
    @Autowired
    SyncMetrics metrics;
    @Autowired
    BackfillStore backfillStore;
    @Autowired
    JournalStore journal;
    @Autowired
    io.contactsbridge.outbound.contacts.BirdSendContactApi birdSendApi;
    @LocalServerPort
    int port;
    @Value("${bridge.admin.username}")
    String adminUser;
    @Value("${bridge.admin.password}")
    String adminPassword;
    @Value("${bridge.sync.consumer}")
    String syncConsumer;
    @Value("${bridge.outbound.highlevel.rate.windows.burst.limit}")
    int highLevelLimit;
    @Value("${bridge.outbound.highlevel.rate.windows.burst.period}")
    Duration highLevelPeriod;
    @Value("${bridge.outbound.birdsend.rate.windows.second.limit}")
    int birdSendLimit;
    @Value("${bridge.outbound.birdsend.rate.windows.second.period}")
    Duration birdSendPeriod;
    @Value("${bridge.outbound.highlevel.rate.safety-margin}")
    Duration highLevelMargin;
    @Value("${bridge.outbound.birdsend.rate.safety-margin}")
    Duration birdSendMargin;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    private BackfillTestSides sides() {
        return new BackfillTestSides(sims);
    }

    // ---- 1. dry run ----------------------------------------------------------------------------------

    @Test
    @Order(1)
    void dryRunReportsWhatItWouldDoAndWritesNothing() throws Exception {
        BackfillTestSides sides = sides();
        int highLevelBefore = sides.highLevelContacts().size();
        int birdSendBefore = sides.birdSendContacts().size();
        long writeCallsBefore = sides.writeCalls();

        Response started = call("POST", "/api/backfill?dryRun=true", true);
        assertThat(started.status()).as(started.text()).isEqualTo(202);
        assertThat(started.body().path("dryRun").asBoolean()).isTrue();
        JsonNode end = awaitBackfillEnd();
        assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("done");
        assertThat(end.path("dryRun").asBoolean()).isTrue();

        Map<String, Long> counts = counts(end);
        long highLevelWithoutEmail = sides.highLevelWithoutEmail();
        long linked = counts.getOrDefault("linked", 0L);
        // Every seeded shared person pairs by email; a coincidental phone match could only add pairs.
        assertThat(linked).isGreaterThanOrEqualTo(sims.seededOnBothSides()).isPositive();
        assertThat(counts.getOrDefault("created_highlevel", 0L)).isPositive();
        assertThat(counts.getOrDefault("created_birdsend", 0L)).isPositive();
        // Every BirdSend contact pairs or would be created in HighLevel; every HighLevel one pairs, would be
        // created in BirdSend, or is skipped for having no email (BirdSend requires one).
        assertThat(linked + counts.getOrDefault("created_highlevel", 0L)).isEqualTo(birdSendBefore);
        assertThat(linked + counts.getOrDefault("created_birdsend", 0L) + counts.getOrDefault("skipped", 0L))
                .isEqualTo(highLevelBefore);
        assertThat(counts.getOrDefault("skipped", 0L)).isEqualTo(highLevelWithoutEmail).isPositive();
        // No pair is linked yet, so what differs within a pair is counted under linked, never as updated.
        assertThat(counts).doesNotContainKeys("failed", "unlinked", "updated", "unchanged");
        assertThat(end.path("total").asLong()).isEqualTo(birdSendBefore + highLevelBefore - linked);
        assertThat(end.path("processed").asLong()).isEqualTo(end.path("total").asLong());

        // Nothing written anywhere: not a contact, not a link, not even the run's progress row.
        assertThat(sides.highLevelContacts()).hasSize(highLevelBefore);
        assertThat(sides.birdSendContacts()).hasSize(birdSendBefore);
        assertThat(sides.writeCalls()).isEqualTo(writeCallsBefore);
        assertThat(links.count(props.pair())).isZero();
        assertThat(metrics.writes(Side.HIGHLEVEL)).isZero();
        assertThat(metrics.writes(Side.BIRDSEND)).isZero();
        assertThat(backfillStore.find(props.pair())).isEmpty();
        dryRunCounts = counts;
        System.out.printf("[backfill e2e] dry run: %s, total %d, %d list requests%n", counts, end.path("total").asInt(),
                end.path("listRequests").asInt());
    }

    // ---- 2. real run ---------------------------------------------------------------------------------

    @Test
    @Order(2)
    void realRunShowsProgressRefusesASecondRunAndFinishes() throws Exception {
        BackfillTestSides sides = sides();
        long highLevelCallsBefore = sides.highLevelCalls();
        long birdSendCallsBefore = sides.birdSendCalls();
        long birdSendReadsBefore = sims.birdSend().server().calls().count(BirdSendOperations.GET_CONTACT);
        long startedAt = System.nanoTime();

        Response started = call("POST", "/api/backfill", true);
        assertThat(started.status()).as(started.text()).isEqualTo(202);
        assertThat(started.body().path("dryRun").asBoolean()).isFalse();
        assertThat(started.body().path("state").asText()).isEqualTo("running");

        Response second = call("POST", "/api/backfill", true);
        assertThat(second.status()).as(second.text()).isEqualTo(409);
        assertThat(second.body().path("error").asText()).isEqualTo("backfill_running");
        assertThat(second.body().path("message").asText()).contains("already running");

        // Progress while it runs: /api/status (open in sandbox mode) and the gauge.
        boolean[] statusShowedProgress = {false};
        boolean[] metricShowedProgress = {false};
        double[] lastPercent = {0};
        // Twice the run's time, as the sampling and the wait for its end each had before.
        Waits.until("the backfill to end (its progress sampled meanwhile)", RUN_TIMEOUT.multipliedBy(2), () -> {
            JsonNode backfill = callQuietly("GET", "/api/status", false).body().path("backfill");
            if (!"running".equals(backfill.path("state").asText())) {
                return true;
            }
            double percent = backfill.path("percent").asDouble();
            assertThat(percent).as("percent never goes back").isGreaterThanOrEqualTo(lastPercent[0]);
            lastPercent[0] = percent;
            if (backfill.path("processed").asInt() > 0 && percent > 0 && percent < 100 && backfill.path("rate").asDouble() > 0
                    && backfill.path("etaSeconds").isNumber() && backfill.path("total").asInt() > 0) {
                statusShowedProgress[0] = true;
            }
            JsonNode metric = callQuietly("GET", "/actuator/metrics/" + Backfill.PROGRESS_METRIC, true).body();
            double fraction = metric.path("measurements").path(0).path("value").asDouble(-1);
            if (fraction > 0 && fraction < 1) {
                metricShowedProgress[0] = true;
            }
            return false;
        });
        JsonNode end = awaitBackfillEnd();
        double seconds = (System.nanoTime() - startedAt) / 1e9;
        long highLevelCalls = sides.highLevelCalls() - highLevelCallsBefore;
        long birdSendCalls = sides.birdSendCalls() - birdSendCallsBefore;
        realRunCounts = counts(end);
        printFigures(end, seconds, highLevelCalls, birdSendCalls);
        assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("done");
        assertThat(end.path("dryRun").asBoolean()).isFalse();
        assertThat(statusShowedProgress[0]).as("/api/status showed backfill.percent, rate and etaSeconds while running").isTrue();
        assertThat(metricShowedProgress[0]).as(Backfill.PROGRESS_METRIC + " between 0 and 1 while running").isTrue();
        assertThat(backfillStore.find(props.pair())).hasValueSatisfying(row -> {
            assertThat(row.state()).isEqualTo("done");
            assertThat(row.processed()).isEqualTo(row.total());
        });

        // The dry run predicted this run, except for pairs the live sync got to first: HighLevel's webhook of the
        // backfill's own write can reach the sync before the backfill records the link, and the sync then links the
        // pair itself; the backfill's retry finds the link and counts the pair unchanged (or updated).
        assertThat(dryRunCounts).as("set by the dry run").isNotNull();
        // Items handed to the live sync (a call that failed after the outbound retries) are the live sync's to do too.
        long caughtByLiveSync = realRunCounts.getOrDefault("unchanged", 0L) + realRunCounts.getOrDefault("updated", 0L)
                + realRunCounts.getOrDefault(Backfill.DEFERRED, 0L);
        long shortfall = 0;
        for (String outcome : List.of("linked", "created_highlevel", "created_birdsend")) {
            long predicted = dryRunCounts.getOrDefault(outcome, 0L);
            long real = realRunCounts.getOrDefault(outcome, 0L);
            assertThat(real).as(outcome + " (dry run said " + dryRunCounts + ", real " + realRunCounts + ")")
                    .isLessThanOrEqualTo(predicted);
            shortfall += predicted - real;
        }
        assertThat(shortfall).as("outcomes the dry run predicted that the live sync did first").isEqualTo(caughtByLiveSync);
        assertThat(realRunCounts.get("skipped")).isEqualTo(dryRunCounts.get("skipped"));
        assertThat(realRunCounts).doesNotContainKeys("failed", "unlinked");
        // A BirdSend contact with no partner gets it created from the listed copy, without reading it again: BirdSend
        // reads only for the other items (and the live sync's handling of HighLevel's echoes).
        long birdSendReads = sims.birdSend().server().calls().count(BirdSendOperations.GET_CONTACT) - birdSendReadsBefore;
        assertThat(realRunCounts.get("created_highlevel")).as("created in HighLevel").isPositive();
        assertThat(birdSendReads).as("BirdSend reads (outcomes " + realRunCounts + ")")
                .isLessThanOrEqualTo(end.path("total").asLong() - realRunCounts.get("created_highlevel"));

        awaitQuiet();
        System.out.printf("[backfill e2e] after the live sync handled the echoes: HighLevel %d calls, BirdSend %d calls since the"
                        + " run started; writes counted by the sync: HighLevel %d, BirdSend %d%n",
                sides.highLevelCalls() - highLevelCallsBefore, sides.birdSendCalls() - birdSendCallsBefore,
                metrics.writes(Side.HIGHLEVEL), metrics.writes(Side.BIRDSEND));
    }

    /** The closing note's figures: speed, calls per contact, and the share of the configured rate budgets used. */
    private void printFigures(JsonNode end, double seconds, long highLevelCalls, long birdSendCalls) {
        int contacts = Math.max(1, end.path("total").asInt());
        // What the windows allow as configured, and with the margin that lengthens each window.
        double highLevelBudget = highLevelLimit / (highLevelPeriod.toMillis() / 1000.0);
        double birdSendBudget = birdSendLimit / (birdSendPeriod.toMillis() / 1000.0);
        double highLevelEffective = highLevelLimit / (highLevelPeriod.plus(highLevelMargin).toMillis() / 1000.0);
        double birdSendEffective = birdSendLimit / (birdSendPeriod.plus(birdSendMargin).toMillis() / 1000.0);
        System.out.printf("[backfill e2e] real run %s: %d contacts in %.1f s = %.1f contacts/s (the bridge's own figure,"
                        + " after listing: %.1f/s); %s%n", end.path("state").asText(), end.path("processed").asInt(),
                seconds, end.path("processed").asInt() / seconds, end.path("rate").asDouble(), realRunCounts);
        System.out.printf("[backfill e2e] HighLevel: %d calls = %.2f per contact; %.1f calls/s = %.1f %% of the configured"
                        + " %.0f/s (%.1f %% of %.0f/s with the safety margin)%n", highLevelCalls, (double) highLevelCalls / contacts,
                highLevelCalls / seconds, 100 * highLevelCalls / seconds / highLevelBudget, highLevelBudget,
                100 * highLevelCalls / seconds / highLevelEffective, highLevelEffective);
        System.out.printf("[backfill e2e] BirdSend: %d calls = %.2f per contact; %.1f calls/s = %.1f %% of the configured"
                        + " %.0f/s (%.1f %% of %.0f/s with the safety margin)%n", birdSendCalls, (double) birdSendCalls / contacts,
                birdSendCalls / seconds, 100 * birdSendCalls / seconds / birdSendBudget, birdSendBudget,
                100 * birdSendCalls / seconds / birdSendEffective, birdSendEffective);
        System.out.printf("[backfill e2e] simulator calls by operation and status: HighLevel %s; BirdSend %s%n",
                sims.highLevel().server().calls().countsByStatus(), sims.birdSend().server().calls().countsByStatus());
    }

    // ---- 3. converged, no duplicates -------------------------------------------------------------------

    @Test
    @Order(3)
    void bothSidesHoldTheSamePeopleOnceWithTheSameMappedFields() throws Exception {
        awaitQuiet();
        assertConverged();
        assertThat(realRunCounts).as("set by the real run").isNotNull();
        assertThat(realRunCounts.get("skipped")).as("HighLevel contacts without email are skipped, not lost")
                .isEqualTo(sides().highLevelWithoutEmail());
    }

    // ---- 4. idempotent -----------------------------------------------------------------------------------

    @Test
    @Order(4)
    void aSecondRunWritesNothing() throws Exception {
        awaitQuiet();
        BackfillTestSides sides = sides();
        long highLevelWrites = metrics.writes(Side.HIGHLEVEL);
        long birdSendWrites = metrics.writes(Side.BIRDSEND);
        long writeCalls = sides.writeCalls();
        long calls = sides.highLevelCalls() + sides.birdSendCalls();

        Response started = call("POST", "/api/backfill?restart=true", true);
        assertThat(started.status()).as(started.text()).isEqualTo(202);
        JsonNode end = awaitBackfillEnd();
        assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("done");
        awaitQuiet();

        Map<String, Long> counts = counts(end);
        assertThat(counts.keySet()).as(counts.toString()).isSubsetOf(Set.of("unchanged", "skipped"));
        assertThat(counts.get("unchanged")).isEqualTo(links.count(props.pair()));
        assertThat(counts.get("skipped")).isEqualTo(sides.highLevelWithoutEmail());
        assertThat(metrics.writes(Side.HIGHLEVEL) - highLevelWrites).isZero();
        assertThat(metrics.writes(Side.BIRDSEND) - birdSendWrites).isZero();
        assertThat(sides.writeCalls() - writeCalls).isZero();
        // Pairs that agree cost nothing: the only calls were the lists of both sides.
        assertThat(sides.highLevelCalls() + sides.birdSendCalls() - calls).isEqualTo(end.path("listRequests").asLong());
    }

    // ---- 5. a service failing during a run -------------------------------------------------------------

    /**
     * People the bridge never heard about are added on both sides; HighLevel then answers every create with 500. The
     * backfill does not stop and does not retry: each BirdSend-only person (whose HighLevel create fails after the
     * outbound retries) is handed to the live sync through the journal and counted as deferred, and the run ends as
     * done. Once HighLevel works again the journal's retries sync every one of them, once.
     */
    @Test
    @Order(5)
    void aRunDuringWhichHighLevelFailsHandsItsContactsToTheLiveSyncWhichSyncsThemOnceHighLevelIsBack() throws Exception {
        awaitQuiet();
        List<Long> birdSendOnly = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            birdSendOnly.add(sims.birdSend().seedContact(BirdSendNewContact.of(
                    "outage.birdsend." + i + "@example.com", "Olga", "Outage" + (char) ('a' + i))).contactId());
        }
        List<ObjectNode> entries = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            entries.add(SimJson.object().put("firstName", "Otto").put("lastName", "Outage" + (char) ('a' + i))
                    .put("email", "outage.highlevel." + i + "@example.com"));
        }
        sims.highLevel().state().seedContacts(sims.highLevelLocationId(), entries);
        long handedOverBefore = journal.events(List.of(JournalSources.BACKFILL), 0, 100_000).size();

        FaultInjector faults = sims.highLevel().server().faults();
        faults.configure(FaultConfig.builder().operations("create-contact").errorRate(500, 1.0).build());
        JsonNode end;
        try {
            Response started = call("POST", "/api/backfill?restart=true", true);
            assertThat(started.status()).as(started.text()).isEqualTo(202);
            end = awaitBackfillEnd();
            // Still failing: what was handed over waits in the journal, nothing is created in HighLevel.
            for (long id : birdSendOnly) {
                assertThat(sides().highLevelByEmail(sims.birdSend().contact(id).orElseThrow().email())).isEmpty();
            }
        } finally {
            faults.clear();
        }
        Map<String, Long> counts = counts(end);
        System.out.printf("[backfill e2e] run while HighLevel refused creates with 500: %s%n", counts);
        assertThat(end.path("state").asText()).as("not stopped by the failing service: %s", end).isEqualTo("done");
        assertThat(end.path("processed").asInt()).isEqualTo(end.path("total").asInt());
        // Every BirdSend-only person needed a HighLevel create; others may have met the open circuit breaker.
        assertThat(counts.getOrDefault(Backfill.DEFERRED, 0L)).as(counts.toString()).isGreaterThanOrEqualTo(birdSendOnly.size());
        assertThat(counts).as("a 500 is no refusal: no dead letter").doesNotContainKey("failed");
        assertThat(journal.events(List.of(JournalSources.BACKFILL), 0, 100_000).size() - handedOverBefore)
                .as("one journal event per deferred item").isEqualTo(counts.get(Backfill.DEFERRED));

        // HighLevel works again: the journal's retries let the live sync create and link every one of them.
        Waits.until("the live sync has synced every BirdSend-only person handed over", RUN_TIMEOUT, () -> birdSendOnly.stream()
                .allMatch(id -> links.byBirdSend(props.pair(), Long.toString(id)).isPresent()));
        awaitQuiet();
        BackfillTestSides sides = sides();
        for (long id : birdSendOnly) {
            assertThat(sides.highLevelByEmail(sims.birdSend().contact(id).orElseThrow().email())).isPresent();
        }
        for (int i = 1; i <= 4; i++) {
            assertThat(sides.birdSendByEmail("outage.highlevel." + i + "@example.com")).isPresent();
        }
        assertConverged();
    }

    // ---- 6-8. interrupted, resumed, restarted ---------------------------------------------------------

    /**
     * People the bridge never heard about (as if their webhooks were lost) are added on both sides; HighLevel answers
     * creates slowly, and the run is stopped once it is under way. Whatever the checkpoint covers must be finished,
     * since a resumed run skips it.
     */
    @Test
    @Order(6)
    void aRunStoppedPartWayCheckpointsOnlyWhatItFinished() throws Exception {
        awaitQuiet();
        for (int i = 1; i <= 12; i++) {
            newBirdSendIds.add(sims.birdSend().seedContact(BirdSendNewContact.of(
                    "resume.birdsend." + i + "@example.com", "Rosa", "Birdsend" + (char) ('a' + i))).contactId());
        }
        List<ObjectNode> entries = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            String email = "resume.highlevel." + i + "@example.com";
            entries.add(SimJson.object().put("firstName", "Hugo").put("lastName", "Highlevel" + (char) ('a' + i)).put("email", email));
            newHighLevelEmails.add(email);
        }
        sims.highLevel().state().seedContacts(sims.highLevelLocationId(), entries);

        // Each HighLevel create takes a second (under the 2 s response timeout): the 12 BirdSend-only people keep the
        // 8 workers busy for at least two seconds, so the stop comes before the last of them is started.
        FaultInjector faults = sims.highLevel().server().faults();
        faults.configure(FaultConfig.builder().operations("create-contact").latency(1_000, 0).build());
        JsonNode end;
        try {
            Response started = call("POST", "/api/backfill?restart=true", true);
            assertThat(started.status()).as(started.text()).isEqualTo(202);
            Waits.until("the run has done some items", RUN_TIMEOUT, () -> {
                JsonNode progress = callQuietly("GET", "/api/backfill", true).body();
                return progress.path("processed").asInt() >= 50 || !"running".equals(progress.path("state").asText());
            }, Duration.ofMillis(10));
            Response stopped = call("DELETE", "/api/backfill", true);
            assertThat(stopped.status()).as(stopped.text()).isEqualTo(202);
            end = awaitBackfillEnd();
        } finally {
            faults.clear();
        }
        assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("interrupted");
        BackfillStore.Row row = backfillStore.find(props.pair()).orElseThrow();
        assertThat(row.state()).isEqualTo("interrupted");
        assertThat(row.checkpoint()).isNotNull();
        interruptedRunId = row.runId();
        interruptedCheckpoint = row.checkpoint();
        System.out.printf("[backfill e2e] stopped run: checkpoint %s, processed %d of %d%n", row.checkpoint(),
                row.processed(), row.total());

        BackfillTestSides sides = sides();
        // Everything up to the checkpoint is done: no new person at or before it lacks a partner. Not every
        // BirdSend-only one was started, so at least one of them is after it.
        List<String> checkpointedButNotSynced = new ArrayList<>();
        int afterCheckpoint = 0;
        for (long id : newBirdSendIds) {
            String email = sims.birdSend().contact(id).orElseThrow().email();
            boolean covered = birdSendOrder(id).compareTo(interruptedCheckpoint) <= 0;
            afterCheckpoint += covered ? 0 : 1;
            if (covered && sides.highLevelByEmail(email).isEmpty()) {
                checkpointedButNotSynced.add(birdSendOrder(id) + " " + email);
            }
        }
        assertThat(afterCheckpoint).as("new BirdSend people after checkpoint %s", interruptedCheckpoint).isPositive();
        for (String email : newHighLevelEmails) {
            String key = "h:" + sides.highLevelByEmail(email).orElseThrow().path("id").asText();
            if (Backfill.orderKey(key).compareTo(interruptedCheckpoint) <= 0 && sides.birdSendByEmail(email).isEmpty()) {
                checkpointedButNotSynced.add(key + " " + email);
            }
        }
        assertThat(checkpointedButNotSynced)
                .as("work items at or before checkpoint %s that were never synced: a resumed run would skip them", interruptedCheckpoint)
                .isEmpty();
    }

    @Test
    @Order(7)
    void resumingSkipsWhatTheCheckpointCoversAndDoesTheRest() throws Exception {
        assertThat(interruptedCheckpoint).as("set by the interrupted run").isNotNull();
        // An item the checkpoint covers, changed since: if the resumed run redid it, HighLevel would get the change.
        ContactLink covered = links.all(props.pair()).values().stream()
                .min(Comparator.comparing(l -> birdSendOrder(Long.parseLong(l.birdsendId())))).orElseThrow();
        assertThat(birdSendOrder(Long.parseLong(covered.birdsendId()))).isLessThanOrEqualTo(interruptedCheckpoint);
        String lastNameBefore = sims.highLevel().state().contact(covered.highlevelId()).orElseThrow().path("lastName").asText(null);
        sims.birdSend().editContact(Long.parseLong(covered.birdsendId()),
                BirdSendContactEdit.change().field("last_name", UNSYNCED_LAST_NAME));

        Response started = call("POST", "/api/backfill", true);
        assertThat(started.status()).as(started.text()).isEqualTo(202);
        assertThat(started.body().path("runId").asText()).as("resumes the interrupted run").isEqualTo(interruptedRunId);
        JsonNode end = awaitBackfillEnd();
        assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("done");
        assertThat(end.path("processed").asInt()).isEqualTo(end.path("total").asInt());
        awaitQuiet();

        BackfillTestSides sides = sides();
        assertThat(sims.highLevel().state().contact(covered.highlevelId()).orElseThrow().path("lastName").asText(null))
                .as("an item at or before the checkpoint is not redone").isEqualTo(lastNameBefore);
        for (String email : newHighLevelEmails) {
            Optional<BirdSendContactView> created = sides.birdSendByEmail(email);
            assertThat(created).as("HighLevel-only %s created in BirdSend by the resumed run", email).isPresent();
            assertThat(links.byBirdSend(props.pair(), Long.toString(created.get().contactId()))).isPresent();
        }
        for (long id : newBirdSendIds) {
            String email = sims.birdSend().contact(id).orElseThrow().email();
            if (birdSendOrder(id).compareTo(interruptedCheckpoint) > 0) {
                assertThat(sides.highLevelByEmail(email)).as("%s (after the checkpoint) created in HighLevel", email).isPresent();
                assertThat(links.byBirdSend(props.pair(), Long.toString(id))).isPresent();
            }
        }
    }

    @Test
    @Order(8)
    void aRestartedRunCatchesUpAndEverythingConverges() throws Exception {
        awaitQuiet();
        Response started = call("POST", "/api/backfill?restart=true", true);
        assertThat(started.status()).as(started.text()).isEqualTo(202);
        assertThat(started.body().path("runId").asText()).isNotEqualTo(interruptedRunId);
        JsonNode end = awaitBackfillEnd();
        assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("done");
        awaitQuiet();

        assertThat(links.all(props.pair()).values().stream()
                .map(l -> sims.highLevel().state().contact(l.highlevelId()).orElseThrow().path("lastName").asText(""))
                .filter(UNSYNCED_LAST_NAME::equals).count()).as("the change the resumed run skipped arrives now").isEqualTo(1);
        BackfillTestSides sides = sides();
        for (long id : newBirdSendIds) {
            assertThat(sides.highLevelByEmail(sims.birdSend().contact(id).orElseThrow().email())).isPresent();
        }
        assertConverged();
    }

    // ---- 9. bad requests -----------------------------------------------------------------------------

    @Test
    @Order(9)
    void badParametersAndMissingLoginAreRefused() throws Exception {
        Response maybe = call("POST", "/api/backfill?dryRun=maybe", true);
        assertThat(maybe.status()).as(maybe.text()).isEqualTo(400);
        assertThat(maybe.body().path("error").asText()).isEqualTo("bad_parameter");
        assertThat(maybe.body().path("message").asText()).contains("dryRun");
        Response restart = call("POST", "/api/backfill?restart=perhaps", true);
        assertThat(restart.status()).as(restart.text()).isEqualTo(400);
        Response anonymous = call("POST", "/api/backfill", false);
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(call("GET", "/api/backfill", true).body().path("state").asText()).isNotEqualTo("running");
    }

    // ---- 10. stopping a run ----------------------------------------------------------------------------

    @Test
    @Order(10)
    void aRunningBackfillCanBeStoppedAndThenResumes() throws Exception {
        Response nothing = call("DELETE", "/api/backfill", true);
        assertThat(nothing.status()).as(nothing.text()).isEqualTo(409);
        assertThat(nothing.body().path("error").asText()).isEqualTo("backfill_not_running");

        Response started = call("POST", "/api/backfill?restart=true", true);
        assertThat(started.status()).as(started.text()).isEqualTo(202);
        Response stopped = call("DELETE", "/api/backfill", true);
        assertThat(stopped.status()).as(stopped.text()).isEqualTo(202);
        JsonNode end = awaitBackfillEnd();
        assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("interrupted");

        Response resumed = call("POST", "/api/backfill", true);
        assertThat(resumed.status()).as(resumed.text()).isEqualTo(202);
        assertThat(resumed.body().path("runId").asText()).isEqualTo(started.body().path("runId").asText());
        assertThat(awaitBackfillEnd().path("state").asText()).isEqualTo("done");
    }

    // ---- 11. people edit while a run works --------------------------------------------------------------

    /**
     * Issue 10's lost updates. Links of the 300 pairs that come last in the run's order are dropped, so the run has to
     * link them again; once it has listed both sides, people add a tag in HighLevel to 30 of them before the run
     * reaches them (its webhook makes the live sync link the pair at once). Each of them also has a tag only BirdSend
     * holds. A run acting on its listing met the live sync's new link ("unique index violation"), retried with that
     * link's shadow against its old listing and removed both tags from both sides; working in each person's turn
     * from fresh reads, it keeps every edit and every link.
     */
    @Test
    @Order(11)
    void editsMadeWhileARunWorksAreKept() throws Exception {
        awaitQuiet();
        List<ContactLink> lastInOrder = links.all(props.pair()).values().stream()
                .sorted(Comparator.comparing((ContactLink l) -> birdSendOrder(Long.parseLong(l.birdsendId()))).reversed())
                .limit(300).toList();
        List<ContactLink> edited = lastInOrder.subList(0, 30);
        for (int i = 0; i < edited.size(); i++) {
            sims.birdSend().editContact(Long.parseLong(edited.get(i).birdsendId()),
                    BirdSendContactEdit.change().addTags("bs-own-" + i));
        }
        lastInOrder.forEach(links::delete);

        Response started = call("POST", "/api/backfill?restart=true", true);
        assertThat(started.status()).as(started.text()).isEqualTo(202);
        Waits.until("the run has listed both sides", RUN_TIMEOUT, () -> !"listing".equals(phase()));
        for (int i = 0; i < edited.size(); i++) {
            ContactLink l = edited.get(i);
            sims.highLevel().state().editContactAsUser(l.highlevelId(),
                    SimJson.object().set("addTags", SimJson.array().add("hl-during-run-" + i)));
        }
        JsonNode end = awaitBackfillEnd();
        assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("done");
        assertThat(end.path("processed").asInt()).as("items done after the edits").isPositive();
        awaitQuiet();

        List<String> lost = new ArrayList<>();
        for (int i = 0; i < edited.size(); i++) {
            ContactLink l = edited.get(i);
            BirdSendContactView bs = sims.birdSend().contact(Long.parseLong(l.birdsendId())).orElseThrow();
            JsonNode hl = sims.highLevel().state().contact(l.highlevelId()).orElseThrow();
            List<String> hlTags = new ArrayList<>();
            hl.path("tags").forEach(t -> hlTags.add(t.asText()));
            for (String tag : List.of("hl-during-run-" + i, "bs-own-" + i)) {
                if (!bs.hasTag(tag)) {
                    lost.add(bs.email() + ": tag " + tag + " missing in BirdSend");
                }
                if (!hlTags.contains(tag)) {
                    lost.add(bs.email() + ": tag " + tag + " missing in HighLevel");
                }
            }
            Optional<ContactLink> link = links.byBirdSend(props.pair(), l.birdsendId());
            if (link.isEmpty() || !link.get().isLive()) {
                lost.add(bs.email() + ": link " + (link.isEmpty() ? "missing" : "marked deleted (" + link.get().unlinkedSide() + ")"));
            }
        }
        assertThat(lost).as("edits lost while the backfill ran").isEmpty();
        assertConverged();
    }

    /**
     * BirdSend contacts with no partner, edited in BirdSend once the run has listed them (the edits perhaps before
     * their items, perhaps after: a partner created from the listed copy then lacks them), and heard of by the poll
     * after the run: HighLevel ends with the edits, nothing created twice.
     */
    @Test
    @Order(12)
    void birdSendContactsEditedAfterTheListingEndWithTheirEditsInHighLevel() throws Exception {
        awaitQuiet();
        List<Long> added = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            added.add(sims.birdSend().seedContact(BirdSendNewContact.of("late-edit-" + i + "@example.org", "Late", "Lister"))
                    .contactId());
        }
        Response started = call("POST", "/api/backfill?restart=true", true);
        assertThat(started.status()).as(started.text()).isEqualTo(202);
        Waits.until("the run has listed both sides", RUN_TIMEOUT, () -> !"listing".equals(phase()));
        for (int i = 0; i < added.size(); i++) {
            sims.birdSend().editContact(added.get(i), BirdSendContactEdit.change().field("first_name", "Edited" + i)
                    .addTags("late-tag-" + i));
        }
        JsonNode end = awaitBackfillEnd();
        assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("done");
        for (long id : added) {
            // What the BirdSend poll journals when it finds the contact changed.
            journal.append(JournalSources.BIRDSEND_POLL, "ContactChanged", "late-edit-" + id + "-" + System.nanoTime(),
                    io.contactsbridge.journal.ContactKeys.birdSend(Long.toString(id)),
                    json.writeValueAsString(birdSendApi.get(props.birdsendConnection(), Long.toString(id)).orElseThrow()));
        }
        awaitQuiet();

        BackfillTestSides sides = sides();
        for (int i = 0; i < added.size(); i++) {
            String email = "late-edit-" + i + "@example.org";
            assertThat(sides.highLevelEmails().get(email)).as(email + " in HighLevel").isEqualTo(1);
            ObjectNode hl = sides.highLevelByEmail(email).orElseThrow();
            assertThat(hl.path("firstName").asText()).as(email).isEqualTo("Edited" + i);
            assertThat(hl.path("tags").toString()).as(email).contains("late-tag-" + i);
        }
        assertConverged();
    }

    // ---- helpers ------------------------------------------------------------------------------------

    /** Every email once per side (ignoring case), the same set on both, one link per BirdSend contact, pairs equal. */
    private void assertConverged() {
        BackfillTestSides sides = sides();
        Map<String, Integer> highLevelEmails = sides.highLevelEmails();
        Map<String, Integer> birdSendEmails = sides.birdSendEmails();
        assertThat(new TreeMap<>(highLevelEmails).entrySet().stream().filter(e -> e.getValue() > 1).toList())
                .as("emails on more than one HighLevel contact").isEmpty();
        assertThat(new TreeMap<>(birdSendEmails).entrySet().stream().filter(e -> e.getValue() > 1).toList())
                .as("emails on more than one BirdSend contact").isEmpty();
        assertThat(birdSendEmails.keySet()).containsExactlyInAnyOrderElementsOf(highLevelEmails.keySet());
        assertThat(links.count(props.pair())).isEqualTo(sides.birdSendContacts().size());
        List<String> differences = new ArrayList<>();
        links.all(props.pair()).values().forEach(link -> differences.addAll(sides.differences(link)));
        assertThat(differences).as("linked pairs whose mapped fields differ (%d)", differences.size()).isEmpty();
    }

    /** Where the backfill puts a BirdSend contact's work item (it orders and checkpoints by this). */
    private static String birdSendOrder(long id) {
        return Backfill.orderKey(String.format("b:%020d", id));
    }

    private static Map<String, Long> counts(JsonNode progress) {
        Map<String, Long> out = new TreeMap<>();
        progress.path("counts").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asLong()));
        return out;
    }

    private String phase() {
        try {
            return call("GET", "/api/backfill", true).body().path("phase").asText("listing");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode awaitBackfillEnd() {
        return Waits.value("the backfill to end", RUN_TIMEOUT, () -> {
            Response r = callQuietly("GET", "/api/backfill", true);
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            return "running".equals(r.body().path("state").asText()) ? Optional.empty() : Optional.of(r.body());
        });
    }

    private Response callQuietly(String method, String pathAndQuery, boolean authenticated) {
        try {
            return call(method, pathAndQuery, authenticated);
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + pathAndQuery + " failed", e);
        }
    }

    /**
     * Until HighLevel's webhooks of the bridge's writes are delivered and the live sync has handled them all, twice in a
     * row (handling an echo could write, and so send another).
     */
    private void awaitQuiet() throws InterruptedException {
        int[] quietChecks = {0};
        Waits.until("webhooks delivered and the sync's journal consumer caught up", Duration.ofSeconds(30), () -> {
            boolean quiet = sims.highLevelWebhooks().unfinished() == 0 && journal.pending(syncConsumer) == 0;
            quietChecks[0] = quiet ? quietChecks[0] + 1 : 0;
            return quietChecks[0] >= 3;
        });
    }

    private record Response(int status, String text, JsonNode body) {
    }

    private Response call(String method, String pathAndQuery, boolean authenticated) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(10))
                .header("Accept", "application/json")
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authenticated) {
            String login = adminUser + ":" + adminPassword;
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(login.getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        String text = response.body();
        JsonNode body;
        try {
            body = text == null || text.isBlank() ? MissingNode.getInstance() : json.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            body = MissingNode.getInstance();
        }
        return new Response(response.statusCode(), text, body);
    }
}
