package io.contactsbridge.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.SandboxPeople;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.birdsend.BirdSendSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelSandbox;
import io.contactsbridge.simulator.highlevel.HighLevelWebhookPublisher;
import io.contactsbridge.simulator.sim.FaultConfig;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SIGTERM stops a busy bridge within 10 s, and nothing is lost.
 *
 * <p>The bridge runs as a child process in live mode (its default H2 file store) against simulators in this JVM,
 * with BirdSend answering slowly (150 ms a request), so that at the signal everything is in the middle of something:
 * the start-up backfill is part-way through, HighLevel webhooks of a burst of edits wait in the journal or are being
 * synced, and the pollers poll every second. The process must exit by itself (status 143: its shutdown hooks ran),
 * within 10 s, because each piece ended its current step; not because Camel's shutdown timeout forced it. After a
 * restart on the same store, the backfill resumes from its checkpoint at once (the stopped run released its lease)
 * and finishes, and every edit reaches BirdSend.
 */
class GracefulShutdownTest {

    private static final Duration STOP_LIMIT = Duration.ofSeconds(10);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final int EDITS = 12;
    /** Simulator rate limits run 10x faster (HighLevel 100 per 1 s, BirdSend 5 per 100 ms); budgets below match. */
    private static final double TIME_SCALE = 10;

    private static HighLevelSandbox highLevel;
    private static BirdSendSimulator birdSend;
    private static CrashTestBridge bridge;

    @BeforeAll
    static void startSimulatorsAndBridge() throws IOException {
        SimClock clock = SimClock.scaled(TIME_SCALE);
        highLevel = HighLevelSandbox.create(clock);
        birdSend = BirdSendSimulator.builder().clock(clock).build();
        String birdSendToken = birdSend.issuePersonalAccessToken();
        // 150 people on each side, 75 of them on both: the backfill pairs, creates and updates.
        SandboxPeople.seed(highLevel.simulator().state(), birdSend, 150, 150, 0.5, 7);
        highLevel.simulator().start(0);
        birdSend.faults().configure(FaultConfig.builder().latency(150, 0).build());
        birdSend.start(0);

        Path runDir = CrashTestBridge.freshRunDir(CrashTestBridge.buildDir().resolve("graceful-shutdown"));
        int port = CrashTestBridge.freePort();
        String adminPassword = UUID.randomUUID().toString();
        var webhookKeys = highLevel.webhooks().keys();

        Map<String, String> settings = CrashTestBridge.liveSettings("graceful-test", port, adminPassword,
                highLevel.simulator().baseUrl(), birdSend.apiBaseUrl(), birdSendToken, webhookKeys);
        settings.put("bridge.sync.enabled", "true");
        settings.put("bridge.sync.backfill.on-startup", "true");
        settings.put("bridge.sync.poll-interval-ms", "200");
        settings.put("bridge.capture.highlevel.enabled", "true");
        settings.put("bridge.capture.highlevel.interval-ms", "1000");
        settings.put("bridge.capture.birdsend.enabled", "true");
        settings.put("bridge.capture.birdsend.quick-interval-ms", "1000");
        settings.put("bridge.capture.birdsend.min-pass-interval", "3s");
        settings.put("bridge.outbound.birdsend.rate.windows.second.limit", "4");
        settings.put("bridge.outbound.birdsend.rate.windows.second.period", "100ms");
        settings.put("bridge.outbound.highlevel.rate.windows.burst.limit", "80");
        settings.put("bridge.outbound.highlevel.rate.windows.burst.period", "1s");
        // The shipped shutdown settings (application.properties) are what is tested; only the logs are quieter.
        settings.put("logging.level.root", "WARN");
        settings.put("logging.level.io.contactsbridge", "INFO");
        settings.put("logging.level.org.apache.camel.impl.engine.DefaultShutdownStrategy", "INFO");
        bridge = new CrashTestBridge(runDir, port, adminPassword, settings);
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
    void sigtermStopsABusyBridgeWithin10SecondsAndTheRestartFinishesEverything() throws Exception {
        try {
            runScenario();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\n" + bridge.logTail(80), e);
        }
    }

    private void runScenario() throws Exception {
        // ---- 1. busy: the backfill part-way, a burst of edits arriving by webhook ----------------------------
        bridge.start();
        bridge.awaitHealthy(START_TIMEOUT);
        await("the backfill is syncing", Duration.ofSeconds(60), () -> {
            JsonNode backfill = status().path("backfill");
            return "running".equals(backfill.path("state").asText()) && backfill.path("processed").asLong() >= 10;
        });
        // People only HighLevel has (so far): each edit must end up in BirdSend, whether the backfill or the edit's
        // event gets to them first, with no conflict policy involved (a person on both sides with differing values
        // is merged by update times, which would make this a test of the merge).
        List<HighLevelPerson> people = highLevelOnly();
        assertThat(people).hasSizeGreaterThanOrEqualTo(EDITS);
        List<HighLevelPerson> edited = people.subList(0, EDITS);
        Map<String, String> expected = new LinkedHashMap<>();
        String run = Long.toString(System.currentTimeMillis() % 100_000, 36);
        for (int i = 0; i < EDITS; i++) {
            HighLevelPerson p = edited.get(i);
            String lastName = "Stopped-" + run + "-" + i;
            expected.put(p.email(), lastName);
            highLevel.simulator().state().editContactAsUser(p.id(), SimJson.object().put("lastName", lastName));
        }
        await("the burst's webhooks were acknowledged", Duration.ofSeconds(60), () -> edited.stream()
                .allMatch(p -> highLevel.webhooks().deliveries().stream()
                        .anyMatch(d -> ("contact:" + p.id()).equals(d.orderingKey())
                                && d.state() == HighLevelWebhookPublisher.State.DELIVERED)));
        JsonNode before = status();
        assertThat(before.path("backfill").path("state").asText()).as("backfill at the signal").isEqualTo("running");

        // ---- 2. SIGTERM ---------------------------------------------------------------------------------------
        CrashTestBridge.Termination stop = bridge.terminate(Duration.ofSeconds(60));
        String log = Files.readString(bridge.logs().get(0), StandardCharsets.UTF_8);
        System.out.printf("GracefulShutdownTest: SIGTERM with the backfill at %s of %s and %s journal events pending;"
                        + " exit %d after %d ms%n", before.path("backfill").path("processed").asText(),
                before.path("backfill").path("total").asText(), before.path("journal").path("pending").asText(),
                stop.exitStatus(), stop.took().toMillis());
        assertThat(stop.exitStatus()).as("exit status: the JVM ran its shutdown hooks").isEqualTo(CrashTestBridge.SIGTERM_EXIT);
        assertThat(stop.took()).as("time from SIGTERM to exit").isLessThan(STOP_LIMIT);
        assertThat(log).contains("Stopping (the application context is closing)")
                .containsPattern("Backfill [0-9a-f-]+ interrupted")
                // Ended by each piece stopping, not by Camel giving up on exchanges still in flight.
                .doesNotContain("Timeout occurred during graceful shutdown");
        assertThat(errorLines(log)).as("ERROR lines while stopping").isEmpty();

        // ---- 3. restart: the work resumes and finishes --------------------------------------------------------
        bridge.start();
        bridge.awaitHealthy(START_TIMEOUT);
        // The stopped run released its lease: it resumes at once (a killed one would wait for the lease to expire).
        await("the resumed backfill finished", Duration.ofSeconds(90),
                () -> "done".equals(status().path("backfill").path("state").asText()));
        try {
            await("every edit reached BirdSend", Duration.ofSeconds(60), () -> missingEdits(expected).isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("edits not in BirdSend (email: BirdSend's last names): " + missingEdits(expected)
                    + "; status " + status(), e);
        }
        await("the journal is drained", Duration.ofSeconds(30),
                () -> status().path("journal").path("pending").asLong(-1) == 0);
        JsonNode after = status();
        assertThat(after.path("deadLetters").asLong()).as("dead letters").isZero();
        assertThat(duplicates(highLevel.simulator().state().contacts().stream().map(c -> c.path("email").asText(null))))
                .as("HighLevel emails held by two contacts").isEmpty();
        assertThat(duplicates(birdSend.contacts().stream().map(BirdSendContactView::email)))
                .as("BirdSend emails held by two contacts").isEmpty();
        // Everyone is on both sides and linked once: the interrupted run lost no contact.
        assertThat(emails(birdSend.contacts().stream().map(BirdSendContactView::email)))
                .isEqualTo(emails(highLevel.simulator().state().contacts().stream().map(c -> c.path("email").asText(null))));
        assertThat(after.path("links").asInt()).isEqualTo(birdSend.contacts().size());
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private record HighLevelPerson(String id, String email) {
    }

    /** HighLevel contacts with an email that no BirdSend contact has, by lower-case email. */
    private static List<HighLevelPerson> highLevelOnly() {
        Set<String> birdSendEmails = emails(birdSend.contacts().stream().map(BirdSendContactView::email));
        List<HighLevelPerson> people = new ArrayList<>();
        for (ObjectNode c : highLevel.simulator().state().contacts()) {
            String email = c.path("email").asText("").trim().toLowerCase(Locale.ROOT);
            if (!email.isEmpty() && !birdSendEmails.contains(email)) {
                people.add(new HighLevelPerson(c.path("id").asText(), email));
            }
        }
        return people;
    }

    /** The edits BirdSend does not show yet: email to the last names of BirdSend's contacts with that email. */
    private static Map<String, List<String>> missingEdits(Map<String, String> expected) {
        Map<String, List<String>> missing = new LinkedHashMap<>();
        expected.forEach((email, lastName) -> {
            List<String> seen = birdSend.contacts().stream().filter(c -> email.equalsIgnoreCase(c.email().trim()))
                    .map(BirdSendContactView::lastName).toList();
            if (!seen.equals(List.of(lastName))) {
                missing.put(email, seen);
            }
        });
        return missing;
    }

    private static List<String> errorLines(String log) {
        return log.lines().filter(l -> l.contains(" ERROR ")).toList();
    }

    private static List<String> duplicates(Stream<String> emails) {
        return emails.filter(e -> e != null && !e.isBlank()).collect(Collectors.groupingBy(e -> e.trim().toLowerCase(Locale.ROOT),
                Collectors.counting())).entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
    }

    private static java.util.SortedSet<String> emails(Stream<String> emails) {
        return emails.filter(e -> e != null && !e.isBlank()).map(e -> e.trim().toLowerCase(Locale.ROOT))
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    private JsonNode status() {
        try {
            return bridge.getJson("/api/status");
        } catch (IOException e) {
            throw new IllegalStateException("GET /api/status failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void await(String what, Duration timeout, java.util.concurrent.Callable<Boolean> condition) {
        org.awaitility.Awaitility.await(what).atMost(timeout).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions().until(condition);
    }
}
