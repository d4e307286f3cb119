package io.contactsbridge.sync;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.SandboxPeople;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.birdsend.BirdSendSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelSandbox;
import io.contactsbridge.simulator.sim.SimClock;

/**
 * One large backfill, measured: the simulators in this JVM (seeded as sandbox mode seeds them, time-scaled), the bridge
 * in a child JVM with a small heap ({@code -Xmx}, serial GC, exit on {@code OutOfMemoryError}) in live mode with the
 * sandbox mapping, its H2 file store and every live part on (the sync of HighLevel's webhooks of the backfill's own
 * writes, both pollers), its budgets and schedules scaled as {@link SyncBackfillBenchmark} scales them.
 *
 * <p>The bridge's live heap is measured from outside: every {@code heapSampleEvery} a full GC is asked for over
 * Jolokia ({@code java.lang:type=Memory} {@code gc}) and the heap in use right after it read; the peak of those is
 * the largest live heap seen. The simulators' own heap (this JVM's, after a GC) is reported apart.
 */
final class LargeBackfillRun {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Raised for the measurement: at about 1.4 HighLevel calls per work item, 100,000 per side needs more than a day's 200,000. */
    static final int LIFTED_DAILY_LIMIT = 10_000_000;

    /**
     * @param contacts        contacts seeded on each side
     * @param xmx             the bridge's maximum heap ({@code -Xmx} value)
     * @param scale           time scale of the simulators; the bridge's budgets and schedules are scaled to match
     * @param dryRun          a dry run (lists, pairs and plans every item, without a write), else the real backfill
     * @param timeout         the longest the backfill may run
     * @param heapSampleEvery how often the bridge's live heap is measured (a full GC each time)
     */
    record Config(int contacts, String xmx, int scale, double overlap, boolean dryRun, Duration timeout,
                  Duration heapSampleEvery, long seed, String runName) {
    }

    /** A heap measurement: when, how far the backfill was, and the heap in use after a full GC. */
    record HeapSample(double seconds, String phase, int processed, long usedAfterGc) {
    }

    record Result(Config config, boolean completed, String state, String error, double seconds, double listingSeconds,
                  double syncingSeconds, int items, double itemsPerSecond, String bindingService, double bindingShare,
                  double highLevelShare, double birdSendShare, double highLevelCallsPerItem, double birdSendCallsPerItem,
                  long peakHeapAfterGcBytes, long baselineHeapAfterGcBytes, long deadLetters, long links,
                  int birdSendContacts, int highLevelContacts, List<String> problems, Map<String, Long> counts,
                  double seedSeconds, long simulatorHeapAfterGcBytes, List<HeapSample> heap, Path bridgeLog,
                  Map<String, Long> highLevelCalls, Map<String, Long> birdSendCalls) {

        ObjectNode toJson() {
            ObjectNode out = JSON.createObjectNode();
            out.put("contactsPerSide", config.contacts());
            out.put("xmx", config.xmx());
            out.put("completed", completed);
            out.put("seconds", round(seconds));
            out.put("itemsPerSecond", round(itemsPerSecond));
            out.put("bindingShare", round(bindingShare));
            out.put("peakHeapAfterGcBytes", peakHeapAfterGcBytes);
            out.put("deadLetters", deadLetters);
            out.put("state", state);
            out.put("error", error);
            out.put("dryRun", config.dryRun());
            out.put("timeScale", config.scale());
            out.put("overlap", config.overlap());
            out.put("items", items);
            out.put("links", links);
            out.put("birdSendContacts", birdSendContacts);
            out.put("highLevelContacts", highLevelContacts);
            out.put("listingSeconds", round(listingSeconds));
            out.put("syncingSeconds", round(syncingSeconds));
            out.put("bindingService", bindingService);
            out.put("highLevelShare", round(highLevelShare));
            out.put("birdSendShare", round(birdSendShare));
            out.put("highLevelCallsPerItem", round(highLevelCallsPerItem));
            out.put("birdSendCallsPerItem", round(birdSendCallsPerItem));
            // Where the calls per item come from: each service's calls during the run by operation and status.
            out.set("highLevelCalls", JSON.valueToTree(highLevelCalls));
            out.set("birdSendCalls", JSON.valueToTree(birdSendCalls));
            out.put("baselineHeapAfterGcBytes", baselineHeapAfterGcBytes);
            out.put("simulatorHeapAfterGcBytes", simulatorHeapAfterGcBytes);
            out.put("seedSeconds", round(seedSeconds));
            out.set("counts", JSON.valueToTree(counts));
            out.set("problems", JSON.valueToTree(problems));
            var samples = out.putArray("heapAfterGc");
            heap.forEach(h -> samples.addObject().put("seconds", round(h.seconds())).put("phase", h.phase())
                    .put("processed", h.processed()).put("bytes", h.usedAfterGc()));
            return out;
        }

        void write(Path file) throws IOException {
            Files.createDirectories(file.getParent());
            JSON.writeValue(file.toFile(), toJson());
        }

        String describe() {
            return String.format(Locale.ROOT, "%s%,d per side in -Xmx%s: %s (%s%s) in %.0f s (listing %.0f s, syncing %.0f s), "
                            + "%d items, %.1f items/s; binding %s at %.1f %% (HighLevel %.1f %%, BirdSend %.1f %%); calls per item "
                            + "HighLevel %.3f, BirdSend %.3f; peak live heap %.1f MiB (%.1f MiB before the run); dead letters %d; "
                            + "links %d of %d BirdSend contacts; problems %s; simulators' heap %.0f MiB; seeding %.0f s",
                    config.dryRun() ? "dry run, " : "", config.contacts(), config.xmx(), completed ? "completed" : "NOT completed",
                    state, error == null ? "" : ": " + error, seconds, listingSeconds, syncingSeconds, items, itemsPerSecond,
                    bindingService, bindingShare, highLevelShare, birdSendShare, highLevelCallsPerItem, birdSendCallsPerItem,
                    peakHeapAfterGcBytes / 1048576.0, baselineHeapAfterGcBytes / 1048576.0, deadLetters, links,
                    birdSendContacts, problems, simulatorHeapAfterGcBytes / 1048576.0, seedSeconds);
        }
    }

    private final Config config;
    private HighLevelSandbox highLevel;
    private BirdSendSimulator birdSend;
    private CrashTestBridge bridge;

    private LargeBackfillRun(Config config) {
        this.config = config;
    }

    static Result run(Config config) throws Exception {
        LargeBackfillRun run = new LargeBackfillRun(config);
        try {
            return run.measure();
        } finally {
            run.close();
        }
    }

    private Result measure() throws Exception {
        int scale = config.scale();
        SimClock clock = SimClock.scaled(scale);
        highLevel = HighLevelSandbox.create(clock);
        highLevel.rateLimits().configure(100, Duration.ofSeconds(10), LIFTED_DAILY_LIMIT);
        birdSend = BirdSendSimulator.builder().clock(clock).build();
        String birdSendToken = birdSend.issuePersonalAccessToken();
        long seedStart = System.nanoTime();
        SandboxPeople.seed(highLevel.simulator().state(), birdSend, config.contacts(), config.contacts(), config.overlap(),
                config.seed());
        double seedSeconds = (System.nanoTime() - seedStart) / 1e9;
        highLevel.simulator().start(0);
        birdSend.start(0);

        Path runDir = CrashTestBridge.freshRunDir(CrashTestBridge.buildDir().resolve(config.runName()));
        int port = CrashTestBridge.freePort();
        String adminPassword = UUID.randomUUID().toString();
        Map<String, String> s = CrashTestBridge.liveSettings("large-backfill", port, adminPassword,
                highLevel.simulator().baseUrl(), birdSend.apiBaseUrl(), birdSendToken, highLevel.webhooks().keys());
        s.putAll(scaledSettings(scale));
        // -Dbench.bridge.<setting>=<value> passes a setting to the bridge (e.g. bridge.sync.backfill.workers).
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.bridge."))
                .forEach(k -> s.put(k.substring("bench.bridge.".length()), System.getProperty(k)));
        List<String> jvmArgs = new ArrayList<>(List.of("-Xmx" + config.xmx(), "-XX:+UseSerialGC",
                "-XX:+ExitOnOutOfMemoryError", "-Xlog:gc:file=" + runDir.resolve("gc.log")));
        // -Dbench.bridgeJvmArgs="..." adds options to the bridge's JVM, for looking into a run (a flight recording:
        // -XX:StartFlightRecording=delay=330s,duration=240s,settings=profile,filename=/tmp/bridge.jfr).
        String extraJvmArgs = System.getProperty("bench.bridgeJvmArgs", "").trim();
        if (!extraJvmArgs.isEmpty()) {
            jvmArgs.addAll(List.of(extraJvmArgs.split("\\s+")));
        }
        bridge = CrashTestBridge.launchedBy(io.contactsbridge.ContactsBridgeApplication.class.getName(), List.of(),
                jvmArgs, runDir, port, adminPassword, s);
        highLevel.webhooks().setTargetUrl(bridge.baseUrl() + "/webhooks/highlevel");
        bridge.start();
        bridge.awaitHealthy(Duration.ofMinutes(3));
        // As SyncBackfillBenchmark: the backfill starts once the BirdSend poller has recorded what exists.
        long baselineDeadline = System.nanoTime() + Duration.ofSeconds(60).plusMillis(config.contacts() * 20L / scale).toNanos();
        while (status().path("capture").path("birdsend-poll").path("lastFullScan").isNull()
                || status().path("capture").path("birdsend-poll").path("lastFullScan").isMissingNode()) {
            if (System.nanoTime() > baselineDeadline || !bridge.isAlive()) {
                throw new AssertionError("no BirdSend poller baseline: " + status().path("capture") + "\n" + bridge.logTail(40));
            }
            Thread.sleep(500);
        }
        long baselineHeap = bridge.heapAfterGc();

        List<HeapSample> heap = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong peak = new AtomicLong(baselineHeap);
        long start = System.nanoTime();
        Map<String, Long> hlStart = SyncBenchmark.snapshot(highLevel.simulator().server().calls());
        Map<String, Long> bsStart = SyncBenchmark.snapshot(birdSend.server().calls());
        bridge.postJson("/api/backfill" + (config.dryRun() ? "?dryRun=true" : ""), "");
        long syncingAt = 0;
        Map<String, Long> hlSyncing = null;
        Map<String, Long> bsSyncing = null;
        long nextHeap = System.nanoTime();
        JsonNode progress = bridge.getJson("/api/backfill");
        long deadline = start + config.timeout().toNanos();
        while (true) {
            if (!bridge.isAlive()) {
                break;
            }
            try {
                progress = bridge.getJson("/api/backfill");
            } catch (IOException e) {
                // A bridge that ran out of memory exits (ExitOnOutOfMemoryError); anything else is retried.
                Thread.sleep(500);
                continue;
            }
            String phase = progress.path("phase").asText("");
            if (syncingAt == 0 && "syncing".equals(phase)) {
                syncingAt = System.nanoTime();
                hlSyncing = SyncBenchmark.snapshot(highLevel.simulator().server().calls());
                bsSyncing = SyncBenchmark.snapshot(birdSend.server().calls());
            }
            if (!"running".equals(progress.path("state").asText())) {
                break;
            }
            if (System.nanoTime() >= nextHeap) {
                long used = bridge.heapAfterGc();
                if (Boolean.getBoolean("bench.histograms")) {
                    // What the live heap holds, for looking into it: jcmd's class histogram (a full GC first).
                    new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                            Long.toString(bridge.pid()), "GC.class_histogram")
                            .redirectOutput(runDir.resolve("histogram-" + heap.size() + "-" + phase + "-" + used + ".txt").toFile())
                            .start().waitFor();
                }
                peak.accumulateAndGet(used, Math::max);
                heap.add(new HeapSample((System.nanoTime() - start) / 1e9, phase, progress.path("processed").asInt(), used));
                nextHeap = System.nanoTime() + config.heapSampleEvery().toNanos();
            }
            if (System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(200);
        }
        long end = System.nanoTime();
        Map<String, Long> hlEnd = SyncBenchmark.snapshot(highLevel.simulator().server().calls());
        Map<String, Long> bsEnd = SyncBenchmark.snapshot(birdSend.server().calls());
        boolean alive = bridge.isAlive();
        String state = alive ? progress.path("state").asText() : "bridge exited";
        String error = alive ? progress.path("error").asText(null) : lastLines(bridge.logTail(400), "OutOfMemoryError", "Terminating");
        if (alive) {
            long used = bridge.heapAfterGc();
            peak.accumulateAndGet(used, Math::max);
            heap.add(new HeapSample((System.nanoTime() - start) / 1e9, "end", progress.path("processed").asInt(), used));
        }

        List<String> problems = new ArrayList<>();
        long deadLetters = -1;
        long links = -1;
        if (alive && "done".equals(state) && !config.dryRun()) {
            awaitQuiet();
            problems.addAll(convergenceProblems());
        }
        if (alive) {
            JsonNode status = status();
            deadLetters = status.path("deadLetters").asLong(-1);
            links = status.path("links").asLong(-1);
            if (!config.dryRun() && links != birdSend.contactCount()) {
                problems.add("links " + links + " for " + birdSend.contactCount() + " BirdSend contacts");
            }
        }
        System.gc();
        long simulatorHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();

        int items = progress.path("total").asInt();
        double seconds = (end - start) / 1e9;
        double syncSeconds = syncingAt == 0 ? 0 : (end - syncingAt) / 1e9;
        double hlAllowed = 100.0 * scale / 10;
        double bsAllowed = 5.0 * scale;
        double hlShare = syncingAt == 0 ? 0 : 100 * SyncBenchmark.answered(SyncBenchmark.diff(hlSyncing, hlEnd)) / syncSeconds / hlAllowed;
        double bsShare = syncingAt == 0 ? 0 : 100 * SyncBenchmark.answered(SyncBenchmark.diff(bsSyncing, bsEnd)) / syncSeconds / bsAllowed;
        Map<String, Long> counts = new LinkedHashMap<>();
        progress.path("counts").fields().forEachRemaining(e -> counts.put(e.getKey(), e.getValue().asLong()));
        boolean completed = alive && "done".equals(state) && problems.isEmpty();
        return new Result(config, completed, state, error, seconds, syncingAt == 0 ? seconds : (syncingAt - start) / 1e9,
                syncSeconds, items, items / Math.max(0.001, seconds), bsShare >= hlShare ? "BirdSend" : "HighLevel",
                Math.max(hlShare, bsShare), hlShare, bsShare,
                SyncBenchmark.answered(SyncBenchmark.diff(hlStart, hlEnd)) / (double) Math.max(1, items),
                SyncBenchmark.answered(SyncBenchmark.diff(bsStart, bsEnd)) / (double) Math.max(1, items),
                peak.get(), baselineHeap, deadLetters, links, birdSend.contactCount(),
                highLevel.simulator().state().contacts().size(), problems, counts, seedSeconds, simulatorHeap,
                List.copyOf(heap), bridge.logs().get(0), SyncBenchmark.diff(hlStart, hlEnd), SyncBenchmark.diff(bsStart, bsEnd));
    }

    /** The bridge's settings, scaled from the live defaults as {@link SyncBackfillBenchmark} scales them. */
    static Map<String, String> scaledSettings(int scale) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("bridge.sync.enabled", "true");
        s.put("bridge.sync.backfill.on-startup", "false");
        s.put("bridge.sync.mapping", "classpath:mapping/contacts-sandbox.yaml");
        s.put("bridge.outbound.highlevel.rate.windows.burst.limit", "100");
        s.put("bridge.outbound.highlevel.rate.windows.burst.period", 10_000 / scale + "ms");
        s.put("bridge.outbound.highlevel.rate.windows.daily.limit", Integer.toString(LIFTED_DAILY_LIMIT));
        s.put("bridge.outbound.highlevel.rate.safety-margin", 200 / scale + "ms");
        s.put("bridge.outbound.birdsend.rate.windows.second.limit", "5");
        s.put("bridge.outbound.birdsend.rate.windows.second.period", 1_000 / scale + "ms");
        s.put("bridge.outbound.birdsend.rate.safety-margin", 30 / scale + "ms");
        s.put("bridge.outbound.retry.maximum-redeliveries", "4");
        s.put("bridge.outbound.retry.initial-delay", 500 / scale + "ms");
        s.put("bridge.outbound.retry.maximum-delay", 30_000 / scale + "ms");
        s.put("camel.resilience4j.configurations.highlevel.wait-duration-in-open-state", Integer.toString(Math.max(1, 30 / scale)));
        s.put("camel.resilience4j.configurations.birdsend.wait-duration-in-open-state", Integer.toString(Math.max(1, 30 / scale)));
        s.put("bridge.sync.poll-interval-ms", Integer.toString(Math.max(10, 1_000 / scale)));
        s.put("bridge.capture.highlevel.enabled", "true");
        s.put("bridge.capture.highlevel.interval-ms", Integer.toString(60_000 / scale));
        s.put("bridge.capture.birdsend.enabled", "true");
        s.put("bridge.capture.birdsend.quick-interval-ms", Integer.toString(30_000 / scale));
        s.put("bridge.capture.birdsend.rolling-interval-ms", Integer.toString(Math.max(10, 1_000 / scale)));
        s.put("bridge.capture.birdsend.rolling-slice", 10_000 / scale + "ms");
        s.put("bridge.capture.birdsend.min-pass-interval", 10_000 / scale + "ms");
        s.put("bridge.capture.birdsend.order-probe-interval", Math.max(1, 3_600 / scale) + "s");
        s.put("bridge.sync.backfill.progress-interval", "30s");
        s.put("logging.level.root", "WARN");
        s.put("logging.level.io.contactsbridge", "INFO");
        return s;
    }

    private JsonNode status() throws IOException, InterruptedException {
        return bridge.getJson("/api/status");
    }

    /** Until HighLevel's webhooks of the backfill's writes are delivered and the sync has handled them, three times in a row. */
    private void awaitQuiet() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        int quiet = 0;
        while (quiet < 3 && System.nanoTime() < deadline) {
            boolean now = highLevel.webhooks().unfinished() == 0 && status().path("journal").path("pending").asLong(-1) == 0;
            quiet = now ? quiet + 1 : 0;
            Thread.sleep(1000);
        }
    }

    /** Everyone once per side, the same people on both (HighLevel contacts without an email stay there only). */
    private List<String> convergenceProblems() {
        List<String> problems = new ArrayList<>();
        Map<String, Integer> hl = count(highLevel.simulator().state().contacts().stream().map(c -> c.path("email").asText(null)));
        Map<String, Integer> bs = count(birdSend.contacts().stream().map(BirdSendContactView::email));
        long hlDuplicates = hl.values().stream().filter(n -> n > 1).count();
        long bsDuplicates = bs.values().stream().filter(n -> n > 1).count();
        if (hlDuplicates > 0) {
            problems.add(hlDuplicates + " emails on more than one HighLevel contact");
        }
        if (bsDuplicates > 0) {
            problems.add(bsDuplicates + " emails on more than one BirdSend contact");
        }
        Set<String> onlyHl = new HashSet<>(hl.keySet());
        onlyHl.removeAll(bs.keySet());
        Set<String> onlyBs = new HashSet<>(bs.keySet());
        onlyBs.removeAll(hl.keySet());
        if (!onlyHl.isEmpty() || !onlyBs.isEmpty()) {
            problems.add(onlyHl.size() + " people only in HighLevel, " + onlyBs.size() + " only in BirdSend");
        }
        return problems;
    }

    private static Map<String, Integer> count(Stream<String> emails) {
        Map<String, Integer> out = new HashMap<>();
        emails.filter(e -> e != null && !e.isBlank()).map(e -> e.trim().toLowerCase(Locale.ROOT)).forEach(e -> out.merge(e, 1, Integer::sum));
        return out;
    }

    private static String lastLines(String log, String... markers) {
        List<String> hits = log.lines().filter(l -> Stream.of(markers).anyMatch(l::contains)).toList();
        return hits.isEmpty() ? "the bridge exited" : String.join(" | ", hits.subList(Math.max(0, hits.size() - 3), hits.size()));
    }

    private void close() {
        if (bridge != null) {
            try {
                if (bridge.isAlive()) {
                    bridge.stop(Duration.ofSeconds(30));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            bridge.close();
        }
        if (highLevel != null) {
            highLevel.close();
        }
        if (birdSend != null) {
            birdSend.stop();
        }
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
