package io.contactsbridge.sync;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.SandboxPeople;
import io.contactsbridge.simulator.birdsend.BirdSendOperations;
import io.contactsbridge.simulator.birdsend.BirdSendSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelSandbox;
import io.contactsbridge.simulator.highlevel.StaticTokenAuthority;
import io.contactsbridge.simulator.sim.FaultConfig;
import io.contactsbridge.simulator.sim.RecordedRequest;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.support.Waits;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An automation's effects happen exactly once when the bridge process is killed with SIGKILL in the middle of the
 * automation and started again on the same store (issue 13: "check its effect exactly once across a replay and a
 * restart"; {@code AutomationEndToEndTest} covers the replay, in one process).
 *
 * <p>The bridge runs as a child process in live mode ({@link CrashTestBridge}, H2 file store, simulators in this JVM)
 * with only the shipped automation {@code task-done} on: a HighLevel TaskComplete webhook tags the linked BirdSend
 * contact ({@code add-tag}) and then adds a HighLevel note ({@code add-note}), each guarded by
 * {@code automation.once}/{@code done}. The scenario:
 * <ol>
 *   <li>the backfill links the contacts; HighLevel answers every note call with 503 (a retryable fault, which the
 *       outbound layer keeps retrying);</li>
 *   <li>a task of a linked person is completed: the bridge tags the BirdSend contact, then its note call fails and
 *       is retried; the bridge is killed while that happens, so the store has add-tag done and add-note claimed,
 *       and the journal event is not committed;</li>
 *   <li>the fault is removed and the bridge restarts on the same store and port, under a new instance id (as on
 *       another host), so the dead process's claim on the note is taken over once it is older than
 *       {@code bridge.automations.claim-timeout} (2 s here), as it is at the restart;</li>
 *   <li>the redelivered event must skip the tag and add the note: one tag call and one note in all; a second task
 *       completed after the restart runs the automation normally.</li>
 * </ol>
 * Which case this covers: the kill lands while the note call is <em>failing</em>, so HighLevel never applied it. If
 * the killed process's call had reached the service and been applied (answer lost with the process), the takeover
 * would add the note a second time: the limit documented on {@code AutomationEffectStore.claim}, not tested here
 * because it is accepted behaviour, not a guarantee.
 */
class AutomationCrashRecoveryTest {

    private static final String AUTOMATION = "automation-task-done";
    private static final String TAG = "task-done";
    /** Simulator rate limits run 10x faster, as in {@link CrashRecoveryTest}; budgets below match. */
    private static final double TIME_SCALE = 10;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration ARRIVAL = Duration.ofSeconds(30);
    /** After the last effect: time for a repeated tag or note to show, if one were coming. */
    private static final Duration QUIET = Duration.ofSeconds(3);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static HighLevelSandbox highLevel;
    private static BirdSendSimulator birdSend;
    private static CrashTestBridge bridge;
    private static CrashTestStore store;

    @BeforeAll
    static void startSimulatorsAndBridge() throws IOException {
        SimClock clock = SimClock.scaled(TIME_SCALE);
        highLevel = HighLevelSandbox.create(clock);
        birdSend = BirdSendSimulator.builder().clock(clock).build();
        String birdSendToken = birdSend.issuePersonalAccessToken();
        // A few people on both sides are enough: two of them complete a task.
        SandboxPeople.seed(highLevel.simulator().state(), birdSend, 12, 10, 0.8, 42);
        highLevel.simulator().start(0);
        birdSend.start(0);
        highLevel.simulator().server().calls().setCapacity(20_000);
        birdSend.server().calls().setCapacity(20_000);

        Path runDir = CrashTestBridge.freshRunDir(CrashTestBridge.buildDir().resolve("automation-crash-recovery"));
        int port = CrashTestBridge.freePort();
        String adminPassword = UUID.randomUUID().toString();
        Map<String, String> settings = CrashTestBridge.liveSettings("automation-crash-1", port, adminPassword,
                highLevel.simulator().baseUrl(), birdSend.apiBaseUrl(), birdSendToken, highLevel.webhooks().keys());
        settings.put("bridge.sync.enabled", "true");
        settings.put("bridge.sync.backfill.on-startup", "true");
        settings.put("bridge.sync.poll-interval-ms", "200");
        settings.put("bridge.automations.task-done.enabled", "true");
        // The restarted process (another instance id) takes the dead one's claim over once it is this old.
        settings.put("bridge.automations.claim-timeout", "PT2S");
        // The note call is retried for ~30 s (200-400 ms apart) before it would become a dead letter: the kill lands
        // well within that, while the event is still the automation's, uncommitted.
        settings.put("bridge.outbound.retry.maximum-redeliveries", "100");
        settings.put("bridge.outbound.retry.initial-delay", "200ms");
        settings.put("bridge.outbound.retry.maximum-delay", "400ms");
        CrashTestBridge.putRestartSettings(settings);
        bridge = new CrashTestBridge(runDir, port, adminPassword, settings);
        store = new CrashTestStore(runDir);
        highLevel.webhooks().setTargetUrl(bridge.baseUrl() + "/webhooks/highlevel");
    }

    @AfterAll
    static void stopEverything() {
        if (bridge != null) {
            bridge.close();
        }
        if (highLevel != null) {
            highLevel.close();
        }
        if (birdSend != null) {
            birdSend.stop();
        }
    }

    @Test
    void anAutomationKilledMidRouteDoesEachEffectExactlyOnceAfterTheRestart() throws Exception {
        try {
            runScenario();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\n" + bridge.logTail(60), e);
        } finally {
            System.out.println("AutomationCrashRecoveryTest: logs " + bridge.logs() + "; BirdSend calls "
                    + birdSend.server().calls().countsByStatus() + "; HighLevel calls "
                    + highLevel.simulator().server().calls().countsByStatus());
        }
    }

    private void runScenario() throws Exception {
        // ---- 1. linked contacts; HighLevel refuses notes with a retryable 503 ----------------------------------
        bridge.start();
        bridge.awaitHealthy(START_TIMEOUT);
        Waits.until("the backfill finished", Duration.ofSeconds(60),
                () -> "done".equals(status().path("backfill").path("state").asText()));
        List<Pair> pairs = pairsByEmail();
        assertThat(pairs).as("linked people").hasSizeGreaterThanOrEqualTo(2);
        Waits.until("every pair is linked", Duration.ofSeconds(20), () -> status().path("links").asInt() == pairs.size());
        Pair killed = pairs.get(0);
        Pair afterRestart = pairs.get(1);
        highLevel.simulator().server().faults().configure(FaultConfig.builder()
                .operations("create-note").errorRate(503, 1.0).build());

        // ---- 2. a task completed; SIGKILL while the note call is being retried, after the tag was done ----------
        completeTask(killed, "Send the quote");
        Waits.until("BirdSend contact tagged " + TAG, ARRIVAL, () -> tagCalls(killed, true) == 1);
        Waits.until("the note call failing and retried", ARRIVAL, () -> noteCalls(killed, 503) >= 2);
        long pid = bridge.pid();
        int exit = bridge.killHard();
        assertThat(exit).as("exit status of pid %d: killed by SIGKILL", pid).isEqualTo(CrashTestBridge.SIGKILL_EXIT);
        highLevel.simulator().server().faults().clear();
        // What the dead process left: the tag recorded done, the note claimed by it and not done.
        List<CrashTestStore.EffectRow> atKill = store.automationEffects(AUTOMATION);
        assertThat(atKill).as("effect rows at the kill").extracting(CrashTestStore.EffectRow::effect,
                CrashTestStore.EffectRow::state).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("add-tag", "done"),
                org.assertj.core.groups.Tuple.tuple("add-note", "claimed"));
        assertThat(notes(killed, "Task completed: Send the quote")).as("notes at the kill").isZero();
        assertThat(noteCalls(killed, 201)).as("note calls HighLevel applied before the kill").isZero();

        // ---- 3. restart on the same store and port, as another instance -----------------------------------------
        bridge.changeSetting("bridge.instance.id", "automation-crash-2");
        bridge.start();
        bridge.awaitHealthy(START_TIMEOUT);
        Waits.until("the note added after the restart", Duration.ofSeconds(45),
                () -> notes(killed, "Task completed: Send the quote") >= 1);

        // ---- 4. a second event after the restart runs the automation normally ----------------------------------
        completeTask(afterRestart, "Book the venue");
        Waits.until("second BirdSend contact tagged " + TAG, ARRIVAL, () -> tagCalls(afterRestart, true) == 1);
        Waits.until("second note added", ARRIVAL, () -> notes(afterRestart, "Task completed: Book the venue") == 1);

        // ---- 5. each effect exactly once -------------------------------------------------------------------------
        Map<String, Long> once = new LinkedHashMap<>();
        once.put("tag calls, killed", 1L);
        once.put("notes, killed", 1L);
        once.put("tag calls, after the restart", 1L);
        once.put("notes, after the restart", 1L);
        try {
            Waits.holds("one tag call and one note for each person", QUIET, ARRIVAL,
                    () -> effects(killed, afterRestart).equals(once));
        } catch (ConditionTimeoutException e) {
            assertThat(effects(killed, afterRestart)).as("BirdSend tag calls and HighLevel notes per person").isEqualTo(once);
            throw e;
        }
        assertThat(noteCalls(killed, 201)).as("note calls HighLevel applied for the killed automation").isEqualTo(1);
        assertThat(noteCalls(afterRestart, 201)).as("note calls HighLevel applied for the second task").isEqualTo(1);
        assertThat(status().path("deadLetters").asLong()).as("dead letters").isZero();
        // The store can be read only while no bridge runs on it: stop it the way a redeploy does.
        bridge.stop(Duration.ofSeconds(30));
        List<CrashTestStore.EffectRow> rows = store.automationEffects(AUTOMATION);
        assertThat(rows).as("effect rows after the restart").hasSize(4)
                .allMatch(r -> "done".equals(r.state()), "done");
        // Owners are <instance>/<process>: which instance did each.
        assertThat(rows).extracting(r -> r.claimedBy().substring(0, r.claimedBy().lastIndexOf('/'))).as("who did them")
                .containsExactlyInAnyOrder("automation-crash-1", "automation-crash-2", "automation-crash-2",
                        "automation-crash-2");
    }

    // ---- scenario steps -------------------------------------------------------------------------------------

    /** A contact on both sides (the same email), as the backfill links them. */
    private record Pair(String highLevelId, long birdSendId) {
    }

    private static List<Pair> pairsByEmail() {
        Map<String, Long> birdSendByEmail = new HashMap<>();
        birdSend.contacts().forEach(c -> birdSendByEmail.put(c.email().trim().toLowerCase(Locale.ROOT), c.contactId()));
        List<Pair> pairs = new ArrayList<>();
        for (ObjectNode c : highLevel.simulator().state().contacts()) {
            String email = c.path("email").asText("").trim().toLowerCase(Locale.ROOT);
            Long birdSendId = birdSendByEmail.get(email);
            if (!email.isEmpty() && birdSendId != null) {
                pairs.add(new Pair(c.path("id").asText(), birdSendId));
            }
        }
        pairs.sort(Comparator.comparing(Pair::highLevelId));
        return pairs;
    }

    /** Creates a task over HighLevel's API and ticks it off as a person in the app would: a TaskComplete webhook. */
    private static void completeTask(Pair pair, String title) throws Exception {
        JsonNode created = highLevelCall("POST", "/contacts/" + pair.highLevelId() + "/tasks", "{\"title\":\"" + title
                + "\",\"body\":\"after the crash test\",\"dueDate\":\"2026-12-11T10:00:00Z\",\"completed\":false}", true);
        String taskId = created.path("task").path("id").asText(created.path("id").asText());
        highLevelCall("POST", "/__admin/contacts/" + pair.highLevelId() + "/tasks/" + taskId + "/complete", null, false);
    }

    /** Each person's BirdSend tag calls (any answer) and HighLevel notes with the automation's text. */
    private static Map<String, Long> effects(Pair killed, Pair afterRestart) {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("tag calls, killed", tagCalls(killed, false));
        counts.put("notes, killed", notes(killed, "Task completed: Send the quote"));
        counts.put("tag calls, after the restart", tagCalls(afterRestart, false));
        counts.put("notes, after the restart", notes(afterRestart, "Task completed: Book the venue"));
        return counts;
    }

    /** BirdSend add-tags calls for the contact that name the tag (only the successful ones, if asked). */
    private static long tagCalls(Pair pair, boolean successfulOnly) {
        return birdSend.server().calls().recent(BirdSendOperations.ADD_CONTACT_TAGS).stream()
                .filter(r -> r.path().endsWith("/contacts/" + pair.birdSendId() + "/tags"))
                .filter(r -> r.body() != null && r.body().contains(TAG))
                .filter(r -> !successfulOnly || isSuccess(r)).count();
    }

    /** HighLevel create-note calls for the contact answered with {@code status}. */
    private static long noteCalls(Pair pair, int status) {
        return highLevel.simulator().server().calls().recent("create-note").stream()
                .filter(r -> r.path().endsWith("/contacts/" + pair.highLevelId() + "/notes"))
                .filter(r -> r.status() == status).count();
    }

    private static boolean isSuccess(RecordedRequest r) {
        return r.status() >= 200 && r.status() < 300;
    }

    /** The HighLevel contact's notes with exactly this text. */
    private static long notes(Pair pair, String text) {
        try {
            long n = 0;
            for (JsonNode note : highLevelCall("GET", "/contacts/" + pair.highLevelId() + "/notes", null, true).path("notes")) {
                if (text.equals(note.path("body").asText())) {
                    n++;
                }
            }
            return n;
        } catch (Exception e) {
            throw new IllegalStateException("reading the notes of " + pair.highLevelId() + " failed: " + e, e);
        }
    }

    /** HighLevel's API (with the token the bridge uses) or, without it, its admin paths. */
    private static JsonNode highLevelCall(String method, String path, String body, boolean api) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(highLevel.simulator().baseUrl() + path))
                .timeout(Duration.ofSeconds(10)).header("Version", "2021-07-28").header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (api) {
            request.header("Authorization", "Bearer " + StaticTokenAuthority.DEMO_TOKEN);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isLessThan(300);
        return response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
    }

    private static JsonNode status() {
        try {
            return bridge.getJson("/api/status");
        } catch (IOException e) {
            throw new IllegalStateException("GET /api/status failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
