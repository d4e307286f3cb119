package io.contactsbridge.sync;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.SandboxPeople;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.birdsend.BirdSendOperations;
import io.contactsbridge.simulator.birdsend.BirdSendSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelSandbox;
import io.contactsbridge.simulator.highlevel.HighLevelWebhookPublisher;
import io.contactsbridge.simulator.sim.RecordedRequest;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.support.Waits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge survives {@code kill -9} in the middle of a burst of changes with nothing lost and nothing applied twice.
 *
 * <p>The HighLevel and BirdSend simulators run in this JVM; the bridge runs as a child process in live mode with its
 * default store (an H2 file under {@code ./data}, here the run's folder) and the connections and webhook keys given as
 * settings, so it can really be killed with SIGKILL. The scenario:
 * <ol>
 *   <li>the backfill at start-up links both simulators' contacts;</li>
 *   <li>a burst of HighLevel edits, one distinct last name per linked contact, reaches the bridge by signed webhook;
 *       the bridge is killed early in the burst, at a moment BirdSend has applied one of the resulting updates but
 *       holds back its answer ({@link CrashTestWriteGate}), so most of the burst is still in the journal and one
 *       write's outcome was never seen by the bridge;</li>
 *   <li>a few more edits are made just before the kill: their webhooks are acknowledged, so the bridge has
 *       promised to have stored them (checked in the store file while the bridge is dead);</li>
 *   <li>while the bridge is dead, more contacts are edited: their webhooks fail (HighLevel retries only 429s), so
 *       only the reconciliation poll can bring them;</li>
 *   <li>the bridge restarts on the same store and port and must deliver every change to BirdSend exactly once,
 *       create nothing, and write nothing back to HighLevel.</li>
 * </ol>
 * One child start costs 10-30 s, so the whole scenario is one test.
 */
class CrashRecoveryTest {

    /** Edits sent while the bridge runs (it is killed part-way through them)... */
    private static final int EDITS_BEFORE_KILL = 28;
    /** ...then while it is blocked on a write, their webhooks acknowledged moments before the kill... */
    private static final int EDITS_JUST_BEFORE_KILL = 4;
    /** ...and while it is dead. */
    private static final int EDITS_WHILE_DEAD = 8;
    /**
     * The bridge is killed while this BirdSend update (counted from the burst's start) is in flight: applied by
     * BirdSend, its answer not yet received. Early, so most of the burst is still in the journal at the kill.
     */
    private static final int KILL_DURING_WRITE = 5;
    /** Simulator rate limits run 10x faster (HighLevel 100 per 1 s, BirdSend 5 per 100 ms); budgets below match. */
    private static final double TIME_SCALE = 10;
    /** After the last change arrived: time for echoes (BirdSend poll every second) to come back, if they would. */
    private static final Duration ECHO_WINDOW = Duration.ofSeconds(3);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private static HighLevelSandbox highLevel;
    private static BirdSendSimulator birdSend;
    private static CrashTestBridge bridge;
    private static CrashTestWriteGate writeGate;
    private static CrashTestStore store;

    private final Map<String, Long> timings = new LinkedHashMap<>();
    private long phaseStart = System.nanoTime();

    @BeforeAll
    static void startSimulatorsAndBridge() throws IOException {
        SimClock clock = SimClock.scaled(TIME_SCALE);
        highLevel = HighLevelSandbox.create(clock);
        birdSend = BirdSendSimulator.builder().clock(clock).build();
        String birdSendToken = birdSend.issuePersonalAccessToken();
        // The sandbox's people: 50 in HighLevel, 40 in BirdSend, 32 of those on both sides.
        SandboxPeople.seed(highLevel.simulator().state(), birdSend, 50, 40, 0.8, 42);
        highLevel.simulator().start(0);
        writeGate = new CrashTestWriteGate(BirdSendOperations.UPDATE_CONTACT, KILL_DURING_WRITE);
        birdSend.server().filter(writeGate);
        birdSend.start(0);
        // Every request of the scenario is kept, so writes can be counted per contact.
        highLevel.simulator().server().calls().setCapacity(20_000);
        birdSend.server().calls().setCapacity(20_000);

        Path runDir = CrashTestBridge.freshRunDir(CrashTestBridge.buildDir().resolve("crash-recovery"));
        int port = CrashTestBridge.freePort();
        String adminPassword = UUID.randomUUID().toString();
        var webhookKeys = highLevel.webhooks().keys();

        // No spring.datasource.url: the store under test is the live default, an H2 file under the working directory.
        Map<String, String> settings = CrashTestBridge.liveSettings("crash-test", port, adminPassword,
                highLevel.simulator().baseUrl(), birdSend.apiBaseUrl(), birdSendToken, webhookKeys);
        // The backfill at start-up: the first start links both sides; the restart must find that run finished and not
        // repeat it.
        CrashTestBridge.putLiveSyncSettings(settings, 1000);
        CrashTestBridge.putRestartSettings(settings);
        bridge = new CrashTestBridge(runDir, port, adminPassword, settings);
        store = new CrashTestStore(runDir);
        highLevel.webhooks().setTargetUrl(bridge.baseUrl() + "/webhooks/highlevel");
    }

    @AfterAll
    static void stopEverything() {
        if (writeGate != null) {
            writeGate.release();
        }
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
    void aKilledBridgeRestartsAndAppliesEveryChangeExactlyOnce() throws Exception {
        try {
            runScenario();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\n" + bridge.logTail(60), e);
        } finally {
            System.out.println("CrashRecoveryTest timings (ms): " + timings + "; logs: " + bridge.logs());
        }
    }

    private void runScenario() throws Exception {
        // ---- 1. a running bridge with linked contacts ---------------------------------------------------------
        bridge.start();
        bridge.awaitHealthy(START_TIMEOUT);
        phase("first start");
        Waits.until("the backfill finished", Duration.ofSeconds(60), () -> "done".equals(
                getJson("/api/status").path("backfill").path("state").asText()));
        List<Pair> pairs = pairsByEmail();
        Waits.until("every pair is linked", Duration.ofSeconds(20), () -> getJson("/api/status").path("links").asInt() == pairs.size());
        awaitQuiet(Duration.ofSeconds(2), Duration.ofSeconds(30));
        phase("backfill");
        int edits = EDITS_BEFORE_KILL + EDITS_JUST_BEFORE_KILL + EDITS_WHILE_DEAD;
        assertThat(pairs).hasSizeGreaterThanOrEqualTo(edits);
        int highLevelContacts = highLevel.simulator().state().contactCount();
        int birdSendContacts = birdSend.contacts().size();

        List<Pair> targets = pairs.subList(0, edits);
        List<Pair> beforeKill = targets.subList(0, EDITS_BEFORE_KILL);
        List<Pair> justBeforeKill = targets.subList(EDITS_BEFORE_KILL, EDITS_BEFORE_KILL + EDITS_JUST_BEFORE_KILL);
        List<Pair> whileDead = targets.subList(EDITS_BEFORE_KILL + EDITS_JUST_BEFORE_KILL, edits);
        Map<Long, String> expected = new LinkedHashMap<>();
        String run = Long.toString(System.currentTimeMillis() % 100_000, 36);
        for (int i = 0; i < targets.size(); i++) {
            expected.put(targets.get(i).birdSendId(), "Recovered-" + run + "-" + i);
        }
        birdSend.server().calls().reset();
        highLevel.simulator().server().calls().reset();
        highLevel.webhooks().clearDeliveries();
        writeGate.arm();

        // ---- 2. a burst of edits; SIGKILL while BirdSend holds the answer to one of the resulting writes ---------
        for (Pair p : beforeKill) {
            editLastName(p, expected.get(p.birdSendId()));
        }
        assertThat(writeGate.awaitHeld(Duration.ofSeconds(30))).as("BirdSend update no. %d arrived", KILL_DURING_WRITE).isTrue();
        for (Pair p : justBeforeKill) {
            editLastName(p, expected.get(p.birdSendId()));
        }
        Waits.until("the last webhooks before the kill were acknowledged", Duration.ofSeconds(10),
                () -> justBeforeKill.stream().allMatch(p -> !deliveries(p).isEmpty() && deliveries(p).stream()
                        .allMatch(d -> d.state() == HighLevelWebhookPublisher.State.DELIVERED)), Duration.ofMillis(1));
        int answeredAtKill = updatedContacts().size();
        long pid = bridge.pid();
        int exit = bridge.killHard();
        writeGate.release();
        long inFlightContact = contactId(writeGate.heldPath());
        phase("burst until kill");
        // Every webhook answered 2xx was promised to be stored: look in the dead bridge's store file.
        Set<String> acknowledged = highLevel.webhooks().deliveries().stream()
                .filter(d -> d.state() == HighLevelWebhookPublisher.State.DELIVERED)
                .map(HighLevelWebhookPublisher.Delivery::webhookId).collect(Collectors.toCollection(TreeSet::new));
        Set<String> lostAfterAcknowledging = new TreeSet<>(acknowledged);
        lostAfterAcknowledging.removeAll(store.eventIds("highlevel-webhook"));
        assertThat(exit).as("exit status of pid %d: killed by SIGKILL", pid).isEqualTo(CrashTestBridge.SIGKILL_EXIT);
        assertThat(answeredAtKill).as("updates answered before the kill (it must land mid-burst)").isLessThan(EDITS_BEFORE_KILL - 1);
        Waits.until("the held update is recorded", Duration.ofSeconds(5), () -> updatedContacts().contains(inFlightContact));

        // ---- 3. edits while the bridge is dead: their webhooks fail ---------------------------------------------
        for (Pair p : whileDead) {
            editLastName(p, expected.get(p.birdSendId()));
        }
        assertThat(highLevel.webhooks().awaitIdle(Duration.ofSeconds(30))).as("webhook deliveries finished").isTrue();
        for (Pair p : whileDead) {
            assertThat(deliveries(p)).as("webhooks for %s sent while the bridge was dead", p.highLevelId())
                    .isNotEmpty().allMatch(d -> d.state() == HighLevelWebhookPublisher.State.FAILED);
        }
        long failedWebhooks = highLevel.webhooks().deliveries().stream()
                .filter(d -> d.state() == HighLevelWebhookPublisher.State.FAILED).count();

        // ---- 4. restart on the same store: every change arrives --------------------------------------------------
        bridge.start();
        bridge.awaitHealthy(START_TIMEOUT);
        phase("restart");
        Waits.until("every change reached BirdSend", Duration.ofSeconds(60), () -> expected.entrySet().stream().allMatch(
                e -> e.getValue().equals(birdSend.contact(e.getKey()).map(BirdSendContactView::lastName).orElse(null))));
        phase("recovery");
        Waits.until("the journal is drained", Duration.ofSeconds(20),
                () -> getJson("/api/status").path("journal").path("pending").asLong(-1) == 0);
        awaitQuiet(ECHO_WINDOW, ECHO_WINDOW.multipliedBy(4)); // an echo, if one were coming, would come in this time
        phase("echo window");

        // ---- 5. nothing applied twice, nothing created, nothing echoed -------------------------------------------
        List<RecordedRequest> birdSendWrites = writes(birdSend.server().calls().recent());
        Map<Long, List<RecordedRequest>> appliedUpdates = successfulUpdatesByContact(birdSendWrites);
        System.out.printf("CrashRecoveryTest: killed pid %d with %d of %d updates answered and the update of BirdSend"
                        + " contact %d in flight; %d of %d acknowledged webhooks not in the store after the kill; %d webhooks"
                        + " failed while it was down; BirdSend calls %s; HighLevel calls %s%n",
                pid, answeredAtKill, EDITS_BEFORE_KILL + EDITS_JUST_BEFORE_KILL, inFlightContact,
                lostAfterAcknowledging.size(), acknowledged.size(), failedWebhooks,
                birdSend.server().calls().countsByStatus(), highLevel.simulator().server().calls().countsByStatus());
        // At-least-once redelivers the event whose write was in flight; reading both sides first finds it done.
        assertThat(appliedUpdates.get(inFlightContact)).as("updates of BirdSend contact %d, in flight at the kill",
                inFlightContact).hasSize(1);
        for (Map.Entry<Long, String> e : expected.entrySet()) {
            List<RecordedRequest> updates = appliedUpdates.getOrDefault(e.getKey(), List.of());
            assertThat(updates).as("successful BirdSend updates of contact %d", e.getKey()).hasSize(1);
            assertThat(updates.get(0).body()).contains(e.getValue());
        }
        assertThat(birdSendWrites).as("BirdSend writes other than the %d updates", expected.size())
                .filteredOn(r -> !isSuccessfulUpdate(r) && !(isUpdate(r) && r.status() == 429))
                .isEmpty();
        assertThat(writes(highLevel.simulator().server().calls().recent())).as("writes to HighLevel (echoes)").isEmpty();
        assertThat(highLevel.simulator().state().contactCount()).as("HighLevel contacts").isEqualTo(highLevelContacts);
        assertThat(birdSend.contacts()).as("BirdSend contacts").hasSize(birdSendContacts);
        assertThat(duplicates(highLevel.simulator().state().contacts().stream().map(c -> c.path("email").asText(null))))
                .as("HighLevel emails held by two contacts").isEmpty();
        assertThat(duplicates(birdSend.contacts().stream().map(BirdSendContactView::email)))
                .as("BirdSend emails held by two contacts").isEmpty();
        JsonNode status = getJson("/api/status");
        assertThat(status.path("links").asInt()).as("links").isEqualTo(pairs.size());
        assertThat(status.path("deadLetters").asLong()).as("dead letters").isZero();
        // Last, since the reconciliation poll makes up for it above: an acknowledged webhook must survive the kill.
        assertThat(lostAfterAcknowledging).as("of %d webhooks acknowledged with 2xx before the kill, those missing from"
                + " the store afterwards (commits lost with the process)", acknowledged.size()).isEmpty();
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

    private static void editLastName(Pair pair, String lastName) {
        highLevel.simulator().state().editContactAsUser(pair.highLevelId(), SimJson.object().put("lastName", lastName));
    }

    private static List<HighLevelWebhookPublisher.Delivery> deliveries(Pair pair) {
        return highLevel.webhooks().deliveries().stream()
                .filter(d -> ("contact:" + pair.highLevelId()).equals(d.orderingKey())).toList();
    }

    /** BirdSend contacts that got a successful update since the scenario began. */
    private static Set<Long> updatedContacts() {
        return successfulUpdatesByContact(birdSend.server().calls().recent(BirdSendOperations.UPDATE_CONTACT)).keySet();
    }

    private static Map<Long, List<RecordedRequest>> successfulUpdatesByContact(List<RecordedRequest> requests) {
        return requests.stream().filter(CrashRecoveryTest::isSuccessfulUpdate).collect(Collectors.groupingBy(
                r -> contactId(r.path()), LinkedHashMap::new, Collectors.toList()));
    }

    /** The id in {@code /v1/contacts/{id}}. */
    private static long contactId(String path) {
        return Long.parseLong(path.substring(path.lastIndexOf('/') + 1));
    }

    private static boolean isUpdate(RecordedRequest r) {
        return BirdSendOperations.UPDATE_CONTACT.equals(r.operation());
    }

    private static boolean isSuccessfulUpdate(RecordedRequest r) {
        return isUpdate(r) && r.status() >= 200 && r.status() < 300;
    }

    /** Requests that change something: anything but GET, except HighLevel's searches (POST, but reads). */
    private static List<RecordedRequest> writes(List<RecordedRequest> requests) {
        return requests.stream()
                .filter(r -> !"GET".equals(r.method()) && !r.operation().startsWith("search")).toList();
    }

    private static List<String> duplicates(Stream<String> emails) {
        return emails.filter(e -> e != null && !e.isBlank()).collect(Collectors.groupingBy(e -> e.trim().toLowerCase(Locale.ROOT),
                Collectors.counting())).entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
    }

    /** Waits until neither simulator has received a write for {@code quiet}: the backfill's echoes have settled. */
    private static void awaitQuiet(Duration quiet, Duration timeout) {
        java.util.concurrent.atomic.AtomicLong lastCount = new java.util.concurrent.atomic.AtomicLong(-1);
        Waits.holds("no write reaches either simulator for " + quiet, quiet, timeout, () -> {
            long count = writes(birdSend.server().calls().recent()).size()
                    + writes(highLevel.simulator().server().calls().recent()).size();
            return lastCount.getAndSet(count) == count;
        });
    }

    private JsonNode getJson(String path) {
        try {
            return bridge.getJson(path);
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void phase(String name) {
        long now = System.nanoTime();
        timings.put(name, (now - phaseStart) / 1_000_000);
        phaseStart = now;
    }


}
