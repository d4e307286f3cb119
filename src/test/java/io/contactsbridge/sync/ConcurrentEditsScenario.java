package io.contactsbridge.sync;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.mapping.Side;
import io.contactsbridge.simulator.birdsend.BirdSendContactEdit;
import io.contactsbridge.simulator.birdsend.BirdSendContactStatus;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import io.contactsbridge.simulator.birdsend.BirdSendSettings;
import io.contactsbridge.simulator.birdsend.BirdSendSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelSandbox;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import io.contactsbridge.simulator.highlevel.HighLevelWebhookPublisher;
import io.contactsbridge.simulator.sim.FaultConfig;
import io.contactsbridge.simulator.sim.FaultConfig.OutageMode;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.sync.ConcurrentEditsModel.Edit;
import io.contactsbridge.sync.ConcurrentEditsModel.Kind;
import io.contactsbridge.sync.ConcurrentEditsModel.Op;
import io.contactsbridge.sync.ConcurrentEditsModel.Person;
import io.contactsbridge.sync.ConcurrentEditsModel.SideContact;
import io.contactsbridge.sync.ConcurrentEditsModel.Violation;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Randomised people edit both sides before, during and after a backfill while the bridge runs in live mode as a child
 * process ({@link CrashTestBridge}) against simulators in this JVM (which therefore outlive its restart), HighLevel
 * delivering its webhooks late, twice and out of order; then {@link ConcurrentEditsModel} says what both sides must
 * hold. Shared by {@link ConcurrentEditsPropertyTest} (on the class path) and {@link LiveJarConcurrentEditsIT} (the
 * packaged jar).
 *
 * <h2>The run</h2>
 * <ol>
 *   <li>Each seed makes a population of people: some on both sides with the same email (same names, subscribed,
 *       different tags on each side), some on one side only (any names, tags, subscription). Seeded contacts are
 *       dated an hour back, as existing data is.</li>
 *   <li><b>Before</b> the bridge starts: edits, and a few deletes of one side of a both-sides person (that contact
 *       never existed as far as the bridge can tell: it is created again from the other side).</li>
 *   <li>The bridge starts; its start-up backfill runs while the HighLevel poll (which looks back a while at start)
 *       and the webhooks bring the live sync to the same people. <b>During</b> it: edits, paced.</li>
 *   <li>The bridge is stopped (SIGTERM) and started again on the same store once, at a seeded point of the live
 *       edits (during or after the backfill); a few edits are made while it is down (their webhooks fail: only the
 *       poll can find them).</li>
 *   <li><b>After</b> the backfill finished: edits on both sides of everyone, and a few deletes.</li>
 *   <li>Quiescence: every edit older than the conflict window W, no webhook in flight, the journal drained and both
 *       simulators unchanged for a while. The bridge is stopped, its link table read, and the model checked.</li>
 * </ol>
 * A person's edit: first or last name (a value naming the edit, {@code Ada-e57}), a tag added (a new name each time),
 * a tag removed (one the side holds at that moment), unsubscribe or resubscribe (HighLevel: DND on or off).
 *
 * <p><b>Until a both-sides person is linked</b> (until the backfill is done) they are edited on one side only, their
 * {@link Person#earlySide}. Two contacts linked for the first time have no record of what they agreed on, so where
 * they differ the sync can only keep the value of the contact updated last: an edit of a field on one side would lose
 * to an edit of any field on the other. That is the documented first-link rule, not a lost update; the model would
 * need to know the moment of the first link to tell one from the other. Deletes happen before the bridge starts
 * and after the backfill for the same reason: a contact deleted before it is linked leaves nothing behind to say it
 * existed.
 *
 * <p>Several seeds make several populations in the same run (their edits interleaved), so a fixed seed and a random
 * one share one bridge start. A seed fixes the people, which of them is edited on which side with which kind of edit,
 * and where the restart falls; which tag a remove picks and how the bridge's threads interleave with the edits are up
 * to timing, so a replay is similar, not identical.
 */
final class ConcurrentEditsScenario implements AutoCloseable {

    /**
     * How the run goes; per population unless said otherwise.
     *
     * @param seeds         one population per seed
     * @param editPause     pause between two edits (plus a random part up to the same again), wall time
     * @param timeScale     the simulators' time scale; the bridge's budgets, retries and breakers scale along
     * @param maxWebhookDelay longest hold-back of a late, reordered or duplicated webhook, wall time
     * @param latencyMs     both simulators answer after this long plus up to as much again (a service across the
     *                      internet): requests in flight overlap, and the backfill takes long enough to edit during it
     * @param restart       stop and start the bridge once, at a seeded point of the live edits
     * @param mappingResource a class-path mapping to run with (copied to the run folder); null: the default mapping
     * @param unlikeSandbox simulators set up unlike the sandbox: HighLevel without the favourite_colour custom field
     *                      and with phone first in its duplicate rules, BirdSend with only its built-in fields and
     *                      other answers to the behaviours the reference leaves open
     * @param packagedJar   run {@code java -jar} on the packaged jar instead of the class path
     * @param chaos         the services' faults and the process's crashes on top of the webhook chaos
     */
    record Settings(String name, List<Long> seeds, int bothSides, int highLevelOnly, int birdSendOnly,
                    int editsBefore, int editsDuring, int editsAfter, int editsWhileDown, int deletesBefore,
                    int deletesAfter, Duration editPause, double timeScale, double lateRate, double reorderRate,
                    double duplicateRate, Duration maxWebhookDelay, long latencyMs, boolean restart,
                    String mappingResource, boolean unlikeSandbox, boolean packagedJar, Chaos chaos) {

        Settings {
            if (seeds.isEmpty() || Set.copyOf(seeds).size() != seeds.size()) {
                throw new IllegalArgumentException("seeds must be given and distinct: " + seeds);
            }
        }

        Settings withSeeds(List<Long> newSeeds) {
            return new Settings(name, newSeeds, bothSides, highLevelOnly, birdSendOnly, editsBefore, editsDuring,
                    editsAfter, editsWhileDown, deletesBefore, deletesAfter, editPause, timeScale, lateRate, reorderRate,
                    duplicateRate, maxWebhookDelay, latencyMs, restart, mappingResource, unlikeSandbox, packagedJar, chaos);
        }

        /** Scales the people and edits by {@code factor} (the benchmark's long run). */
        Settings times(int factor) {
            return new Settings(name, seeds, bothSides * factor, highLevelOnly * factor, birdSendOnly * factor,
                    editsBefore * factor, editsDuring * factor, editsAfter * factor, editsWhileDown * factor,
                    deletesBefore * factor, deletesAfter * factor, editPause, timeScale, lateRate, reorderRate,
                    duplicateRate, maxWebhookDelay, latencyMs, restart, mappingResource, unlikeSandbox, packagedJar, chaos);
        }
    }

    /**
     * What goes wrong besides the webhooks (issue 15's reliability suite). The rates are per API request of either
     * service, from the bridge's start until the last edit; then the services answer well again, so that every dead
     * letter can be replayed.
     *
     * @param serverErrorRate a 500 or 503 (half each)
     * @param tooManyRate     a 429 with a Retry-After of one service second
     * @param resetRate       the connection dropped without an answer (the write not applied)
     * @param slowRate        an answer slower than the bridge's response timeout ({@link #SLOW_TIMEOUT_MS}): the write
     *                        <em>is</em> applied, the bridge does not know it and tries again
     * @param refusalRate     an update of a contact refused with 422 (a refusal the bridge does not retry: a dead
     *                        letter, replayed at the end)
     * @param outage          each service down this long (service time), HighLevel in the middle of the edits during
     *                        the backfill, BirdSend in the middle of the edits after it
     * @param kills           SIGKILLs of the bridge, each at a seeded live edit (the first during the backfill),
     *                        started again on the same store after the edits made while it is down
     * @param webhookCopies   how many more times a duplicated webhook ({@link Settings#duplicateRate()}) is delivered
     */
    record Chaos(double serverErrorRate, double tooManyRate, double resetRate, double slowRate, double refusalRate,
                 Duration outage, int kills, int webhookCopies) {
        static final Chaos NONE = new Chaos(0, 0, 0, 0, 0, Duration.ZERO, 0, 1);

        boolean servicesFail() {
            return serverErrorRate + tooManyRate + resetRate + slowRate + refusalRate > 0 || !outage.isZero();
        }
    }

    /** The bridge's response timeout in a run whose services answer too slowly now and then, wall time. */
    static final long SLOW_TIMEOUT_MS = 2000;

    /** What a run found: the violations, the full report, and a one-paragraph summary of what happened. */
    record Result(List<Violation> violations, String report, String summary, String reliability) {
    }

    /** Violations that mean a second contact or link where there should be one (the rest are lost or wrong data). */
    private static final Set<String> DUPLICATIONS = Set.of("duplicate contact", "linked twice");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration BACKFILL_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    /** Settling gives up when neither the journal nor the sides change for this long (the sync is held). */
    private static final Duration STALL = Duration.ofSeconds(20);
    /** Poll intervals of the bridge in the run (wall time, not scaled: they bound how fast changes travel). */
    private static final long HIGHLEVEL_POLL_MS = 500;
    private static final long BIRDSEND_QUICK_SCAN_MS = 500;
    private static final long BIRDSEND_FULL_SCAN_MS = 3000;
    /** Room for the sync's own queueing and calls on a busy machine, on top of the capture delays. */
    private static final long PROCESSING_MARGIN_MS = 2000;
    /** BirdSend's updated_at has whole seconds, so its "later" is up to a second late. */
    private static final long BIRDSEND_CLOCK_GRANULARITY_MS = 1000;

    private static final String[] FIRST_NAMES = {"Ada", "Bea", "Cai", "Dov", "Eun", "Fai", "Gus", "Hal", "Ira", "Jo",
            "Kit", "Lev", "Mo", "Nia", "Oli", "Pia", "Quy", "Rui", "Sol", "Tam", "Uma", "Vik", "Wen", "Xan", "Yui", "Zed"};

    private final Settings settings;
    private final long startNanos = System.nanoTime();
    /** The wall clock at the scenario's time 0, so the edits' times can be found in the bridge's log. */
    private final java.time.Instant startedAt = java.time.Instant.now();
    private final AtomicInteger editSeq = new AtomicInteger();
    private final ConcurrentEditsModel model;
    private final List<Population> populations = new ArrayList<>();
    private final Map<String, Long> timings = new LinkedHashMap<>();
    private final Map<String, Integer> editsByPhase = new TreeMap<>();
    private final List<String> notes = new ArrayList<>();
    /** Findings about the run as a whole (not about one person), reported with the model's. */
    private final List<Violation> runWide = new ArrayList<>();
    private long phaseStart = System.nanoTime();
    private long lastEditMs;
    private String phase = "before start";
    private boolean linked;
    private volatile String backfillState = "unknown";
    private volatile boolean closed;
    private HighLevelSandbox highLevel;
    private BirdSendSimulator birdSend;
    private CrashTestBridge bridge;
    private CrashTestStore store;
    /** The simulators' faults when nothing goes wrong: the latency of a service across the internet. */
    private FaultConfig baseFaults = FaultConfig.NONE;
    /** When the last outage ends, on the run's clock ({@link #nowMs()}). */
    private long outageEndsAtMs;

    ConcurrentEditsScenario(Settings settings) {
        this.settings = settings;
        this.model = new ConcurrentEditsModel(conflictWindowMs(settings));
    }

    /**
     * W: how long an edit may take to reach the other side, from the run's settings. HighLevel's edits travel by
     * webhook (held back up to the chaos's delay) or the reconciliation poll; BirdSend's are found by the quick scan or
     * at the latest the full scan. Add the sync's processing and BirdSend's whole-second clock.
     */
    static long conflictWindowMs(Settings s) {
        long highLevelToBirdSend = Math.min(s.maxWebhookDelay().toMillis(), HIGHLEVEL_POLL_MS);
        long birdSendToHighLevel = BIRDSEND_FULL_SCAN_MS + BIRDSEND_QUICK_SCAN_MS;
        return Math.max(highLevelToBirdSend, birdSendToHighLevel) + PROCESSING_MARGIN_MS + BIRDSEND_CLOCK_GRANULARITY_MS
                + chaosDelayMs(s);
    }

    /**
     * How much longer an edit may take when the services fail: an outage, the circuit breaker's open state after it,
     * the bridge's redeliveries (0.5 + 1 + 2 + 4 s, service time), one answer too slow to wait for, and the journal's
     * longest back-off before it tries a failed event again.
     */
    static long chaosDelayMs(Settings s) {
        if (!s.chaos().servicesFail()) {
            return 0;
        }
        long serviceMs = s.chaos().outage().toMillis() + 30_000 + 7_500;
        return Math.round(serviceMs / s.timeScale()) + SLOW_TIMEOUT_MS + STALL.toMillis() / 2;
    }

    // ---- the run ------------------------------------------------------------------------------------

    Result run() throws Exception {
        startSimulators();
        for (long seed : settings.seeds()) {
            populations.add(new Population(seed));
        }
        populations.forEach(Population::seed);
        startBridgeProcessHarness();
        phase("set-up");

        // Before: the bridge is not running.
        interleave(settings.editsBefore(), Population::deletesBefore);
        phase("edits before start");

        // During: the start-up backfill and the live sync on the same people.
        bridge.start();
        startWatchingBackfill();
        awaitBridgeUp();
        phase("first start");
        int live = settings.editsDuring() + settings.editsAfter();
        Random restartDraw = new Random(settings.seeds().hashCode());
        int restartAt = settings.restart() ? restartDraw.nextInt(Math.max(1, live)) : -1;
        Set<Integer> killAt = killPoints(restartDraw, restartAt);
        for (int i = 0; i < settings.editsDuring(); i++) {
            if (i == restartAt) {
                restart(false);
            } else if (killAt.contains(i)) {
                restart(true);
            }
            if (settings.chaos().servicesFail() && i == settings.editsDuring() / 2) {
                outage(Side.HIGHLEVEL);
            }
            phase = "done".equals(backfillState) ? "backfill done" : "backfill running";
            stepAll(null);
        }
        phase("edits during backfill");
        awaitBackfillDone();
        phase("rest of backfill");

        // After: everyone linked; both sides, deletes.
        linked = true;
        phase = "backfill done";
        for (int i = 0; i < settings.editsAfter(); i++) {
            if (settings.editsDuring() + i == restartAt || killAt.contains(settings.editsDuring() + i)) {
                restart(killAt.contains(settings.editsDuring() + i));
                phase = "backfill done";
            }
            if (settings.chaos().servicesFail() && i == settings.editsAfter() / 2) {
                outage(Side.BIRDSEND);
            }
            stepAll(Population::deletesAfter);
        }
        phase("edits after backfill");
        if (settings.chaos().servicesFail()) {
            // The services answer well again (once the last outage is over); what failed for good is in the dead
            // letters, replayed below.
            long outageLeftMs = outageEndsAtMs - nowMs();
            if (outageLeftMs > 0) {
                LockSupport.parkNanos(outageLeftMs * 1_000_000);
            }
            highLevel.simulator().server().faults().configure(baseFaults);
            birdSend.faults().configure(baseFaults);
        }

        String converged = awaitQuiescence();
        phase("settling");
        int deadLettered = openDeadLetters().size();
        int replayed = 0;
        if (deadLettered > 0 && converged == null) {
            replayed = replayDeadLetters();
            converged = awaitQuiescence();
            phase("replay and settling");
            List<String> stillOpen = openDeadLetters();
            if (!stillOpen.isEmpty()) {
                runWide.add(new Violation("dead letter not replayed", null, stillOpen.size() + " of " + deadLettered
                        + " dead letters still open after the replay: " + stillOpen));
            }
        }
        try {
            JsonNode status = bridge.getJson("/api/status");
            notes.add("at the end: sync " + status.path("sync") + ", journal " + status.path("journal") + ", dead letters "
                    + status.path("deadLetters"));
        } catch (IOException | AssertionError e) {
            notes.add("status unreadable at the end: " + e);
        }
        int exit = bridge.stop(STOP_TIMEOUT);
        phase("stop");
        List<Violation> violations = new ArrayList<>(model.check(snapshot(Side.HIGHLEVEL), snapshot(Side.BIRDSEND),
                store.links()));
        runWide.addAll(unjournaledWebhooks());
        if (converged != null) {
            runWide.add(new Violation("not settled", null, converged));
        }
        violations.addAll(0, runWide);
        String summary = summary(restartAt, exit);
        String report = model.report(violations, summary);
        long duplicated = violations.stream().filter(v -> DUPLICATIONS.contains(v.kind())).count();
        String reliability = String.format(Locale.ROOT,
                "reliability %s: events %d (%d people, %d edits), lost %d, duplicated %d, dead-lettered %d, replayed %d",
                settings.name(), model.people().size() + editSeq.get(), model.people().size(), editSeq.get(),
                violations.size() - duplicated, duplicated, deadLettered, replayed);
        return new Result(violations, report, summary, reliability);
    }

    /**
     * Webhooks the bridge acknowledged (2xx) that its journal does not hold: events lost after the answer. Read from
     * the store after the bridge stopped.
     */
    private List<Violation> unjournaledWebhooks() throws java.sql.SQLException {
        Set<String> acknowledged = highLevel.webhooks().deliveries().stream()
                .filter(d -> d.state() == HighLevelWebhookPublisher.State.DELIVERED)
                .map(HighLevelWebhookPublisher.Delivery::webhookId).collect(Collectors.toCollection(TreeSet::new));
        acknowledged.removeAll(store.eventIds("highlevel-webhook"));
        return acknowledged.isEmpty() ? List.of() : List.of(new Violation("acknowledged webhook not journaled", null,
                acknowledged.size() + " webhooks answered 2xx are not in the journal: " + acknowledged));
    }

    /**
     * The live edits before which the bridge is killed: the first during the backfill, the second after it, the others
     * anywhere; at least five edits apart (and from the restart), so each start gets some work done before the next.
     */
    private Set<Integer> killPoints(Random draw, int restartAt) {
        int during = Math.max(1, settings.editsDuring());
        int live = settings.editsDuring() + settings.editsAfter();
        Set<Integer> points = new TreeSet<>();
        for (int attempt = 0; points.size() < settings.chaos().kills() && attempt < 1000; attempt++) {
            int at = points.isEmpty() ? draw.nextInt(during)
                    : points.size() == 1 && live > during ? during + draw.nextInt(live - during)
                    : draw.nextInt(Math.max(1, live));
            boolean apart = Math.abs(at - restartAt) >= 5 && points.stream().allMatch(p -> Math.abs(p - at) >= 5);
            if (apart) {
                points.add(at);
            }
        }
        return points;
    }

    /** Takes one service down for {@link Chaos#outage()} (service time); the bridge counts as down meanwhile. */
    private void outage(Side side) {
        var faults = side == Side.HIGHLEVEL ? highLevel.simulator().server().faults() : birdSend.faults();
        faults.configure(faults.config().toBuilder().outageFor(settings.chaos().outage(), OutageMode.UNAVAILABLE).build());
        long from = nowMs();
        long wallMs = Math.round(settings.chaos().outage().toMillis() / settings.timeScale());
        outageEndsAtMs = Math.max(outageEndsAtMs, from + wallMs);
        notes.add(String.format(Locale.ROOT, "%s down from %.1fs for %d ms", label(side), from / 1000.0, wallMs));
    }

    private static String label(Side side) {
        return side == Side.HIGHLEVEL ? "HighLevel" : "BirdSend";
    }

    /** The ids and errors of the bridge's open dead letters (at most 500). */
    private List<String> openDeadLetters() {
        try {
            List<String> open = new ArrayList<>();
            bridge.getJson("/api/dead-letters?limit=500").path("deadLetters").forEach(l -> open.add(l.path("id").asText()
                    + " " + l.path("route").asText() + " " + l.path("operation").asText() + ": "
                    + l.path("errorMessage").asText()));
            return open;
        } catch (IOException | InterruptedException | AssertionError e) {
            runWide.add(new Violation("dead letters unreadable", null, e.toString()));
            return List.of();
        }
    }

    /**
     * Replays every open dead letter through the admin API, as a user would after an outage, 50 at a time; how many
     * went (handed to the sync or run through).
     */
    private int replayDeadLetters() throws IOException, InterruptedException {
        List<String> ids = openDeadLetters().stream().map(l -> l.substring(0, l.indexOf(' '))).toList();
        Map<String, Integer> counts = new TreeMap<>();
        int went = 0;
        for (int from = 0; from < ids.size(); from += 50) {
            String batch = String.join(", ", ids.subList(from, Math.min(ids.size(), from + 50)));
            JsonNode answer = bridge.postJson("/api/dead-letters/replay", "{\"ids\": [" + batch + "]}");
            for (JsonNode r : answer.path("results")) {
                String outcome = r.path("outcome").asText();
                counts.merge(outcome, 1, Integer::sum);
                if (outcome.equals("succeeded") || outcome.equals("queued")) {
                    went++;
                } else {
                    runWide.add(new Violation("dead letter not replayed", null, "letter " + r.path("id").asText() + ": "
                            + outcome + " " + r.path("detail").asText()));
                }
            }
        }
        notes.add("dead-letter replay: " + counts);
        return went;
    }

    /** One edit per population, in turn, {@code rounds} times. */
    private void interleave(int rounds, java.util.function.Function<Population, Set<Integer>> deletes) {
        for (int i = 0; i < rounds; i++) {
            stepAll(deletes);
        }
    }

    private void stepAll(java.util.function.Function<Population, Set<Integer>> deletes) {
        for (Population population : populations) {
            population.step(deletes == null ? Set.of() : deletes.apply(population));
            pace(population.random);
        }
    }

    /** Pacing between edits (not a wait for a condition): the pause plus a random part up to the same again. */
    private void pace(Random random) {
        long nanos = settings.editPause().toNanos();
        LockSupport.parkNanos(nanos + (long) (random.nextDouble() * nanos));
    }

    /** Stops the bridge (SIGTERM, or SIGKILL when {@code kill}), edits while it is down, and starts it again. */
    private void restart(boolean kill) throws Exception {
        String before = phase;
        long stopAt = nowMs();
        int exit = kill ? bridge.killHard() : bridge.stop(STOP_TIMEOUT);
        notes.add(String.format(Locale.ROOT, "%s at %.1fs (%s; stopped in %d ms, exit status %d)",
                kill ? "killed (SIGKILL)" : "restarted", stopAt / 1000.0, before, nowMs() - stopAt, exit));
        phase = "bridge down";
        for (int i = 0; i < settings.editsWhileDown(); i++) {
            stepAll(linked ? Population::deletesAfter : null);
        }
        backfillState = "unknown";
        bridge.start();
        awaitBridgeUp();
        phase = before;
        model.bridgeDown(stopAt, nowMs());
        notes.add(String.format(Locale.ROOT, "up again at %.1fs", nowMs() / 1000.0));
    }

    /** The backfill's state as {@code GET /api/backfill} says, every 200 ms, for labelling edits without a call each. */
    private void startWatchingBackfill() {
        Thread watcher = new Thread(() -> {
            while (!closed) {
                backfillState = readBackfillState();
                LockSupport.parkNanos(200_000_000L);
            }
        }, "concurrent-edits-backfill-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Waits until the bridge answers {@code /api/backfill}: it is up and its start-up backfill began (or is done). */
    private void awaitBridgeUp() {
        Awaitility.await("the bridge answers").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    if (!bridge.isAlive()) {
                        throw new AssertionError("the bridge exited while starting\n" + bridge.logTail(60));
                    }
                    return Set.of("running", "done", "interrupted", "failed").contains(readBackfillState());
                });
    }

    private String readBackfillState() {
        try {
            return bridge.getJson("/api/backfill").path("state").asText();
        } catch (IOException | InterruptedException | AssertionError | RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * Waits until the backfill is done (or failed). One that stays interrupted (a restart cut it short and it did
     * not resume) for {@link #STALL} is not waited for any longer: that is a finding of its own.
     */
    private void awaitBackfillDone() {
        long[] idleSince = {0};
        try {
            Awaitility.await("the backfill finished").atMost(BACKFILL_TIMEOUT).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        String state = readBackfillState();
                        boolean idle = !state.equals("running") && !state.equals("unknown");
                        if (!idle) {
                            idleSince[0] = 0;
                        } else if (idleSince[0] == 0) {
                            idleSince[0] = System.nanoTime();
                        }
                        return Set.of("done", "failed").contains(state)
                                || (idle && System.nanoTime() - idleSince[0] > STALL.toNanos());
                    });
        } catch (ConditionTimeoutException e) {
            notes.add("the backfill did not finish within " + BACKFILL_TIMEOUT);
        }
        try {
            JsonNode progress = bridge.getJson("/api/backfill");
            String state = progress.path("state").asText();
            notes.add("backfill " + state + ": " + progress.path("counts")
                    + (progress.path("error").isTextual() ? " error: " + progress.path("error").asText() : ""));
            if (!state.equals("done")) {
                runWide.add(new Violation("backfill not finished", null, "the backfill ended " + state + " ("
                        + progress.path("processed").asText() + " of " + progress.path("total").asText() + " contacts)"
                        + (progress.path("error").isTextual() ? ": " + progress.path("error").asText() : "")
                        + (state.equals("interrupted") ? "; a run cut short by a restart is to resume at the next start" : "")
                        + ". Both-sides people it did not link were edited on both sides afterwards, so some of their"
                        + " findings may be first-link outcomes"));
            }
        } catch (IOException | InterruptedException e) {
            notes.add("backfill progress unreadable: " + e);
        }
    }

    /**
     * Waits until the last edit is older than W, no webhook is in flight, the journal is drained and both sides have
     * not changed for one BirdSend full scan plus a HighLevel poll. Null when that happened, else what did not: the
     * time ran out, or nothing moved for {@link #STALL} while the journal still had events (a held sync).
     */
    private String awaitQuiescence() {
        long windowEnds = lastEditMs + model.conflictWindowMs();
        long quietMs = BIRDSEND_FULL_SCAN_MS + HIGHLEVEL_POLL_MS + 1000;
        long[] stableSince = {System.nanoTime()};
        long[] movedAt = {System.nanoTime()};
        long[] printed = {0};
        int[] fingerprint = {0};
        String[] pendingBefore = {""};
        String[] last = {""};
        boolean[] stalled = {false};
        try {
            Awaitility.await("both sides settled").atMost(SETTLE_TIMEOUT).pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        int current = (snapshot(Side.HIGHLEVEL).toString() + snapshot(Side.BIRDSEND)).hashCode();
                        if (current != fingerprint[0]) {
                            fingerprint[0] = current;
                            stableSince[0] = System.nanoTime();
                            movedAt[0] = stableSince[0];
                        }
                        String pending = pendingEvents();
                        if (Thread.currentThread().isInterrupted()) {
                            return false; // Awaitility gave up while we asked; keep the last state read in full
                        }
                        if (!pending.equals(pendingBefore[0])) {
                            movedAt[0] = System.nanoTime();
                            pendingBefore[0] = pending;
                        }
                        int webhooks = highLevel.webhooks().unfinished();
                        long stableMs = (System.nanoTime() - stableSince[0]) / 1_000_000;
                        last[0] = "journal pending " + pending + ", webhooks in flight " + webhooks + ", sides unchanged for "
                                + stableMs + " ms";
                        if (System.nanoTime() - printed[0] > 3_000_000_000L) {
                            System.out.printf(Locale.ROOT, "%s: %.1fs settling: %s%n", settings.name(), nowMs() / 1000.0, last[0]);
                            printed[0] = System.nanoTime();
                        }
                        stalled[0] = !pending.equals("0") && System.nanoTime() - movedAt[0] > STALL.toNanos();
                        return stalled[0] || (nowMs() >= windowEnds && pending.equals("0") && webhooks == 0 && stableMs >= quietMs);
                    });
            return stalled[0] ? "stalled: nothing moved for " + STALL.toSeconds() + " s with events left in the journal: "
                    + last[0] : null;
        } catch (ConditionTimeoutException e) {
            return "not settled within " + SETTLE_TIMEOUT + " after the last edit: " + last[0];
        }
    }

    /** The journal's pending events as {@code /api/status} says (or why it could not be read). */
    private String pendingEvents() {
        try {
            JsonNode pending = bridge.getJson("/api/status").path("journal").path("pending");
            return pending.isIntegralNumber() ? pending.asText() : "unreadable (" + pending + ")";
        } catch (IOException | InterruptedException | AssertionError | RuntimeException e) {
            return "unreadable (" + e + ")";
        }
    }

    private String summary(int restartAt, int exit) {
        long duplicates = highLevel.webhooks().deliveries().stream().filter(HighLevelWebhookPublisher.Delivery::duplicate).count();
        Map<String, Long> deliveryStates = highLevel.webhooks().deliveries().stream()
                .collect(Collectors.groupingBy(d -> d.state().name(), TreeMap::new, Collectors.counting()));
        return String.format(Locale.ROOT, "%s: time 0 at " + startedAt + "; seeds %s; %d people; %d edits %s; W = %d ms; webhooks %s (%d duplicates) with"
                        + " late %.2f, reordered %.2f, duplicated %.2f up to %d ms; %s; restart %s; final stop exit %d;"
                        + " timings (ms) %s; run folder %s",
                settings.name(), settings.seeds(), model.people().size(), editSeq.get(), editsByPhase,
                model.conflictWindowMs(), deliveryStates, duplicates, settings.lateRate(), settings.reorderRate(),
                settings.duplicateRate(), settings.maxWebhookDelay().toMillis(), String.join("; ", notes),
                restartAt < 0 ? "none" : "before live edit " + restartAt, exit, timings, bridge.logs());
    }

    // ---- simulators and bridge ------------------------------------------------------------------------

    private void startSimulators() {
        SimClock clock = SimClock.scaled(settings.timeScale());
        highLevel = HighLevelSandbox.create(clock);
        BirdSendSettings bs = BirdSendSettings.DEFAULTS;
        if (settings.unlikeSandbox()) {
            // The answers the reference leaves open, the other way round from the simulator's defaults.
            bs = bs.toBuilder().defaultSort("asc").partialEmailMatch(false).includeUnsetFields(true)
                    .bumpUpdatedAtOnTagChange(false).createStatus(200).deleteStatus(200).rateLimitSlidingWindow(true)
                    .build();
            HighLevelState state = highLevel.simulator().state();
            state.removeCustomField(HighLevelState.DEMO_LOCATION_ID, "favourite_colour");
            state.updateSettings(HighLevelState.DEMO_LOCATION_ID,
                    state.settings(HighLevelState.DEMO_LOCATION_ID).withDuplicateMatchOrder(List.of("phone", "email")));
        }
        birdSend = BirdSendSimulator.builder().clock(clock).settings(bs).build();
        highLevel.simulator().start(0);
        birdSend.start(0);
        highLevel.webhooks().setDeliveryChaos(new HighLevelWebhookPublisher.DeliveryChaos(settings.lateRate(),
                settings.reorderRate(), settings.duplicateRate(), settings.chaos().webhookCopies(),
                // The chaos counts in service time, like the retry interval.
                Duration.ofNanos((long) (settings.maxWebhookDelay().toNanos() * settings.timeScale())),
                settings.seeds().get(0)));
        highLevel.webhooks().setHistoryLimit(100_000);
        // HighLevel retries a 429 ten minutes later; here 1.5 s of wall time, so a refusal while the bridge starts or
        // stops costs seconds, not minutes, of the run.
        highLevel.webhooks().setRetryInterval(Duration.ofMillis((long) (1500 * settings.timeScale())));
        baseFaults = FaultConfig.builder().latency(settings.latencyMs(), settings.latencyMs()).build();
        Chaos chaos = settings.chaos();
        FaultConfig.Builder faults = baseFaults.toBuilder();
        if (chaos.servicesFail()) {
            faults.seed(settings.seeds().get(0)).errorRate(500, chaos.serverErrorRate() / 2)
                    .errorRate(503, chaos.serverErrorRate() / 2).errorRate(429, chaos.tooManyRate()).retryAfterSeconds(1)
                    .resetRate(chaos.resetRate())
                    .operationErrorRate("update-contact", 422, chaos.refusalRate())
                    // One pause longer than the response timeout before the whole answer.
                    .slowDrip(chaos.slowRate(), 1 << 20, SLOW_TIMEOUT_MS + 500);
        }
        highLevel.simulator().server().faults().configure(faults.build());
        birdSend.faults().configure(faults.build());
    }

    private void startBridgeProcessHarness() throws IOException {
        Path runDir = CrashTestBridge.freshRunDir(CrashTestBridge.buildDir().resolve(settings.name()));
        int port = CrashTestBridge.freePort();
        String adminPassword = UUID.randomUUID().toString();
        var webhookKeys = highLevel.webhooks().keys();
        double scale = settings.timeScale();

        Map<String, String> s = CrashTestBridge.liveSettings(settings.name(), port, adminPassword,
                highLevel.simulator().baseUrl(), birdSend.apiBaseUrl(), birdSend.issuePersonalAccessToken(), webhookKeys);
        if (settings.mappingResource() != null) {
            Path mapping = runDir.resolve("contacts.yaml");
            try (InputStream in = ConcurrentEditsScenario.class.getResourceAsStream("/" + settings.mappingResource())) {
                Files.copy(Objects.requireNonNull(in, settings.mappingResource() + " is not on the class path"), mapping);
            }
            s.put("bridge.sync.mapping", "file:" + mapping.toAbsolutePath());
        }
        s.put("bridge.sync.enabled", "true");
        s.put("bridge.sync.backfill.on-startup", "true");
        s.put("bridge.sync.backfill.progress-interval", "1s");
        s.put("bridge.sync.poll-interval-ms", "200");
        s.put("bridge.capture.highlevel.enabled", "true");
        s.put("bridge.capture.highlevel.interval-ms", Long.toString(HIGHLEVEL_POLL_MS));
        s.put("bridge.capture.birdsend.enabled", "true");
        s.put("bridge.capture.birdsend.quick-interval-ms", Long.toString(BIRDSEND_QUICK_SCAN_MS));
        s.put("bridge.capture.birdsend.full-interval-ms", Long.toString(BIRDSEND_FULL_SCAN_MS));
        // A stopped process's leases (journal partitions, pollers, backfill) must not hold up the restarted one long.
        s.put("bridge.journal.lease-duration", "5s");
        s.put("bridge.capture.lease-duration", "5s");
        s.put("bridge.sync.backfill.lease-duration", "5s");
        s.put("bridge.sync.backfill.startup-check-interval-ms", "1000");
        s.put("bridge.capture.lease-wait", "5s");
        // Budgets under the simulators' scaled limits (BirdSend 5 per second, HighLevel 100 per 10 s), retries and
        // circuit breakers scaled from the live defaults.
        s.put("bridge.outbound.birdsend.rate.windows.second.limit", "4");
        s.put("bridge.outbound.birdsend.rate.windows.second.period", Math.round(1000 / scale) + "ms");
        s.put("bridge.outbound.birdsend.rate.safety-margin", Math.max(1, Math.round(30 / scale)) + "ms");
        s.put("bridge.outbound.highlevel.rate.windows.burst.limit", "80");
        s.put("bridge.outbound.highlevel.rate.windows.burst.period", Math.round(10_000 / scale) + "ms");
        s.put("bridge.outbound.highlevel.rate.safety-margin", Math.max(1, Math.round(200 / scale)) + "ms");
        s.put("bridge.outbound.retry.initial-delay", Math.round(500 / scale) + "ms");
        s.put("bridge.outbound.retry.maximum-delay", Math.round(30_000 / scale) + "ms");
        s.put("camel.resilience4j.configurations.highlevel.wait-duration-in-open-state", Long.toString(Math.max(1, Math.round(30 / scale))));
        s.put("camel.resilience4j.configurations.birdsend.wait-duration-in-open-state", Long.toString(Math.max(1, Math.round(30 / scale))));
        if (settings.chaos().servicesFail()) {
            s.put("bridge.outbound.highlevel.response-timeout", SLOW_TIMEOUT_MS + "ms");
            s.put("bridge.outbound.birdsend.response-timeout", SLOW_TIMEOUT_MS + "ms");
            // The journal's back-off for events that failed (1 s doubling to 5 min live), scaled; its cap also held
            // under the settling's stall limit, so a retry waiting its turn is not taken for a held sync.
            s.put("bridge.journal.retry-initial-delay", Math.round(1000 / scale) + "ms");
            s.put("bridge.journal.retry-max-delay", Math.min(Math.round(300_000 / scale), STALL.toMillis() / 2) + "ms");
        }
        // A restart should not wait the production grace periods.
        s.put("spring.lifecycle.timeout-per-shutdown-phase", "5s");
        s.put("camel.main.shutdown-timeout", "5");
        s.put("logging.level.root", "WARN");
        s.put("logging.level.io.contactsbridge", "INFO");
        // -Dproptest.sync-log=DEBUG: every merge's inputs and writes in the bridge's log, to find a wrong one.
        s.put("logging.level.io.contactsbridge.sync", System.getProperty("proptest.sync-log", "INFO"));
        bridge = settings.packagedJar()
                ? CrashTestBridge.packagedJar(CrashTestBridge.packagedJarInBuildDir(), runDir, port, adminPassword, s)
                : new CrashTestBridge(runDir, port, adminPassword, s);
        store = new CrashTestStore(runDir);
        highLevel.webhooks().setTargetUrl(bridge.baseUrl() + "/webhooks/highlevel");
    }

    String logTail(int lines) {
        return bridge == null ? "(no bridge)" : bridge.logTail(lines);
    }

    @Override
    public void close() {
        closed = true;
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

    // ---- the sides as they are ------------------------------------------------------------------------

    /** Every contact of a side, by lower-case email, in the mapping's terms. */
    private Map<String, List<SideContact>> snapshot(Side side) {
        Map<String, List<SideContact>> out = new TreeMap<>();
        if (side == Side.HIGHLEVEL) {
            for (ObjectNode c : highLevel.simulator().state().contacts()) {
                String email = c.path("email").asText("").toLowerCase(Locale.ROOT);
                Set<String> tags = new TreeSet<>();
                c.path("tags").forEach(t -> tags.add(t.asText().toLowerCase(Locale.ROOT)));
                out.computeIfAbsent(email, e -> new ArrayList<>()).add(new SideContact(c.path("id").asText(), email,
                        c.path("firstName").asText(null), c.path("lastName").asText(null), c.path("dnd").asBoolean(false), tags));
            }
        } else {
            for (BirdSendContactView c : birdSend.contacts()) {
                String email = c.email().toLowerCase(Locale.ROOT);
                Set<String> tags = new TreeSet<>();
                c.tagNames().forEach(t -> tags.add(t.toLowerCase(Locale.ROOT)));
                out.computeIfAbsent(email, e -> new ArrayList<>()).add(new SideContact(Long.toString(c.contactId()), email,
                        c.firstName(), c.lastName(), c.isUnsubscribed(), tags));
            }
        }
        return out;
    }

    private ObjectNode highLevelContact(String email) {
        return highLevel.simulator().state().contacts().stream()
                .filter(c -> email.equalsIgnoreCase(c.path("email").asText(""))).findFirst().orElse(null);
    }

    private BirdSendContactView birdSendContact(String email) {
        List<BirdSendContactView> found = birdSend.findContactsByEmail(birdSend.defaultAccountId(), email);
        return found.isEmpty() ? null : found.get(0);
    }

    private boolean exists(Person p, Side side) {
        return side == Side.HIGHLEVEL ? highLevelContact(p.email) != null : birdSendContact(p.email) != null;
    }

    private Set<String> tagsOn(Person p, Side side) {
        Set<String> tags = new TreeSet<>();
        if (side == Side.HIGHLEVEL) {
            ObjectNode c = highLevelContact(p.email);
            if (c != null) {
                c.path("tags").forEach(t -> tags.add(t.asText().toLowerCase(Locale.ROOT)));
            }
        } else {
            BirdSendContactView c = birdSendContact(p.email);
            if (c != null) {
                c.tagNames().forEach(t -> tags.add(t.toLowerCase(Locale.ROOT)));
            }
        }
        return tags;
    }

    private long nowMs() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private void phase(String name) {
        long now = System.nanoTime();
        timings.merge(name, (now - phaseStart) / 1_000_000, Long::sum);
        phaseStart = now;
    }

    // ---- a population of people ------------------------------------------------------------------------

    /** The people of one seed and the random sequence that drives them. */
    private final class Population {
        final long seed;
        final String tag;
        final Random random;
        final List<Person> people = new ArrayList<>();
        /** The indexes of this population's before/after edits that are deletes, drawn up front from the seed. */
        final Set<Integer> deleteBefore;
        final Set<Integer> deleteAfter;
        int steps;
        int stepsAfter;
        int tagCounter;

        Population(long seed) {
            this.seed = seed;
            this.tag = Long.toString(seed & 0xFFFFFFFFFFL, 36);
            this.random = new Random(seed);
            this.deleteBefore = draw(settings.deletesBefore(), settings.editsBefore());
            this.deleteAfter = draw(settings.deletesAfter(), settings.editsAfter());
        }

        private Set<Integer> draw(int count, int of) {
            Set<Integer> picked = new TreeSet<>();
            while (picked.size() < Math.min(count, of)) {
                picked.add(random.nextInt(of));
            }
            return picked;
        }

        Set<Integer> deletesBefore() {
            return deleteBefore;
        }

        Set<Integer> deletesAfter() {
            return deleteAfter;
        }

        /** Creates the people in the simulators, dated an hour back. */
        void seed() {
            Instant created = Instant.now().minus(Duration.ofHours(1));
            List<JsonNode> highLevelEntries = new ArrayList<>();
            int total = settings.bothSides() + settings.highLevelOnly() + settings.birdSendOnly();
            for (int i = 0; i < total; i++) {
                Kind kind = i < settings.bothSides() ? Kind.BOTH
                        : i < settings.bothSides() + settings.highLevelOnly() ? Kind.HIGHLEVEL_ONLY : Kind.BIRDSEND_ONLY;
                String first = FIRST_NAMES[random.nextInt(FIRST_NAMES.length)];
                String email = String.format(Locale.ROOT, "%s.%s.%02d@example.org", first.toLowerCase(Locale.ROOT), tag, i);
                Person p = new Person("seed " + seed, email, kind, random.nextBoolean() ? Side.HIGHLEVEL : Side.BIRDSEND);
                p.initial.put("firstName", first);
                p.initial.put("lastName", "Prop" + tag + i);
                // Both-sides people start subscribed on both: a first link keeps an unsubscribe from either side.
                p.initial.put("unsubscribed", kind != Kind.BOTH && random.nextInt(4) == 0);
                for (Side side : Side.values()) {
                    if (p.startedOn(side)) {
                        int n = 1 + random.nextInt(2);
                        for (int t = 0; t < n; t++) {
                            p.initialTags.get(side).add((side == Side.HIGHLEVEL ? "hl-" : "bs-") + tag + "-" + i + "-" + t);
                        }
                    }
                }
                if (p.startedOn(Side.HIGHLEVEL)) {
                    ObjectNode entry = SimJson.object().put("email", email).put("firstName", first)
                            .put("lastName", (String) p.initial.get("lastName")).put("dnd", (Boolean) p.initial.get("unsubscribed"))
                            .put("dateAdded", created.toString()).put("dateUpdated", created.toString());
                    ArrayNode tags = entry.putArray("tags");
                    p.initialTags.get(Side.HIGHLEVEL).forEach(tags::add);
                    highLevelEntries.add(entry);
                }
                if (p.startedOn(Side.BIRDSEND)) {
                    BirdSendNewContact c = BirdSendNewContact.of(email, first, (String) p.initial.get("lastName"))
                            .withTags(p.initialTags.get(Side.BIRDSEND).toArray(String[]::new)).withCreatedAt(created);
                    birdSend.seedContact(Boolean.TRUE.equals(p.initial.get("unsubscribed")) ? c.unsubscribed() : c);
                }
                people.add(p);
                model.add(p);
            }
            highLevel.simulator().state().seedContacts(HighLevelState.DEMO_LOCATION_ID, highLevelEntries);
        }

        /** One edit by one person (a delete if this step's index is among {@code deletes}). */
        void step(Set<Integer> deletes) {
            int index = linked ? stepsAfter++ : phase.equals("before start") ? steps++ : -1;
            boolean delete = index >= 0 && deletes.contains(index);
            for (int attempt = 0; attempt < 20; attempt++) {
                Person p = people.get(random.nextInt(people.size()));
                if (delete ? tryDelete(p) : tryEdit(p)) {
                    return;
                }
            }
        }

        private boolean tryDelete(Person p) {
            if (p.deletedAnywhere()) {
                return false;
            }
            Side side;
            if (!linked) {
                // Before the start: a both-sides person's other side (their early side lives on and is edited).
                if (p.kind != Kind.BOTH) {
                    return false;
                }
                side = p.earlySide.other();
            } else {
                if (!exists(p, Side.HIGHLEVEL) || !exists(p, Side.BIRDSEND)) {
                    return false;
                }
                side = random.nextBoolean() ? Side.HIGHLEVEL : Side.BIRDSEND;
            }
            long at = nowMs();
            if (side == Side.HIGHLEVEL) {
                highLevel.simulator().state().deleteContactAsUser(highLevelContact(p.email).path("id").asText());
            } else {
                birdSend.deleteContact(birdSendContact(p.email).contactId());
            }
            (linked || !phase.equals("before start") ? p.deletedLive : p.deletedBeforeStart).put(side, at);
            record(p, new Edit(editSeq.incrementAndGet(), at, side, Op.DELETE, null, null, null, phase));
            return true;
        }

        private boolean tryEdit(Person p) {
            List<Side> sides = new ArrayList<>();
            for (Side side : Side.values()) {
                boolean allowed = linked || p.kind != Kind.BOTH || side == p.earlySide
                        || p.deletedBeforeStart.containsKey(p.earlySide.other());
                if (allowed && !p.deletedLive.containsKey(side) && exists(p, side)) {
                    sides.add(side);
                }
            }
            if (sides.isEmpty()) {
                return false;
            }
            Side side = sides.get(random.nextInt(sides.size()));
            int roll = random.nextInt(100);
            int seq = editSeq.incrementAndGet();
            long at = nowMs();
            Edit edit;
            if (roll < 20) {
                edit = setField(p, side, seq, at, "firstName", p.initial.get("firstName") + "-e" + seq);
            } else if (roll < 40) {
                edit = setField(p, side, seq, at, "lastName", "Prop" + tag + "-e" + seq);
            } else if (roll < 52) {
                edit = setField(p, side, seq, at, "unsubscribed", !unsubscribed(p, side));
            } else {
                Set<String> removable = tagsOn(p, side);
                removable.retainAll(p.knownTags());
                // The pick is drawn whatever happens, so the random sequence does not depend on what the side holds.
                int pick = random.nextInt(1000);
                boolean remove = roll >= 78 && !removable.isEmpty();
                String tagName = remove ? new ArrayList<>(removable).get(pick % removable.size())
                        : "t-" + tag + "-" + people.indexOf(p) + "-" + (++tagCounter);
                edit = new Edit(seq, at, side, remove ? Op.REMOVE_TAG : Op.ADD_TAG, null, null, tagName, phase);
                if (side == Side.HIGHLEVEL) {
                    highLevel.simulator().state().editContactAsUser(highLevelContact(p.email).path("id").asText(),
                            SimJson.object().set(remove ? "removeTags" : "addTags", SimJson.array().add(tagName)));
                } else {
                    BirdSendContactEdit change = remove ? BirdSendContactEdit.change().removeTags(tagName)
                            : BirdSendContactEdit.change().addTags(tagName);
                    birdSend.editContact(birdSendContact(p.email).contactId(), change);
                }
            }
            record(p, edit);
            return true;
        }

        private boolean unsubscribed(Person p, Side side) {
            return side == Side.HIGHLEVEL ? highLevelContact(p.email).path("dnd").asBoolean(false)
                    : birdSendContact(p.email).isUnsubscribed();
        }

        private Edit setField(Person p, Side side, int seq, long at, String field, Object value) {
            if (side == Side.HIGHLEVEL) {
                String id = highLevelContact(p.email).path("id").asText();
                ObjectNode change = field.equals("unsubscribed") ? SimJson.object().put("dnd", (Boolean) value)
                        : SimJson.object().put(field, (String) value);
                highLevel.simulator().state().editContactAsUser(id, change);
            } else {
                long id = birdSendContact(p.email).contactId();
                if (field.equals("unsubscribed")) {
                    if ((Boolean) value) {
                        birdSend.unsubscribeContact(id);
                    } else {
                        birdSend.editContact(id, BirdSendContactEdit.change().status(BirdSendContactStatus.ACTIVE));
                    }
                } else {
                    birdSend.editContact(id, BirdSendContactEdit.change()
                            .field(field.equals("firstName") ? "first_name" : "last_name", (String) value));
                }
            }
            return new Edit(seq, at, side, Op.SET_FIELD, field, value, null, phase);
        }

        private void record(Person p, Edit edit) {
            p.history.add(edit);
            lastEditMs = Math.max(lastEditMs, edit.atMs());
            editsByPhase.merge(edit.phase(), 1, Integer::sum);
        }
    }
}
