package io.contactsbridge.sync;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.ContactsBridgeApplication;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import io.contactsbridge.simulator.birdsend.BirdSendSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelSandbox;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import io.contactsbridge.simulator.highlevel.StaticTokenAuthority;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimFilter;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a unit test: many connection pairs in one bridge (issue 14, the pairs half of {@code bench/run scale}). Target:
 * 200 pairs at once, each at 90 % or more of its own rate ceiling, the bridge's heap under 512 MiB.
 *
 * <pre>./mvnw -B test -Dtest=ScalePairsBenchmark -Dbenchmark=true -Dbench.pairs=200 -Dbench.contactsPerPair=100</pre>
 *
 * <p>One bridge in a child JVM ({@code -Xmx}{@code bench.xmx}, 512m, serial GC, exit on {@code OutOfMemoryError}) in
 * live mode with its H2 file store, serving {@code bench.pairs} pairs ({@code bridge.pairs.p<i>}): pair i is HighLevel
 * location i (its own Private Integration token) with BirdSend account i (its own personal access token). Each side of
 * a pair holds {@code bench.contactsPerPair} people, {@code bench.overlap} (40 %) of them on both sides, with emails
 * only that pair uses, so a person written into another pair's side shows. Every pair's backfill starts at start-up
 * ({@code bridge.sync.backfill.on-startup}; {@link Backfills} runs one per pair, each with its own coordinator and
 * workers, all at once), with the live sync and both pollers on, budgets and schedules scaled as
 * {@link LargeBackfillRun#scaledSettings} scales them (time scale {@code bench.scale}, 10). The default mapping.
 *
 * <p>The simulators: one HighLevel with a location per pair, and one BirdSend with an account per pair. Real BirdSend is
 * one API host and limits each account on its own (5 requests per second, 50 at time scale 10), as the simulator does;
 * one simulator with 200 accounts is that, at the cost of one HTTP server (32 threads) instead of 200 (16 threads and a
 * dispatcher each). Its contact ids are unique across accounts (TwoPairsTest covers two accounts with the same ids).
 *
 * <p>Measured per pair, from the simulators' side: the requests its BirdSend account and its HighLevel location
 * answered (a filter inside the services' authentication and rate limits, by token) within the pair's backfill run
 * (its {@code startedAt} to {@code finishedAt} as the bridge reports them, listing included), as a share of the
 * account's limit (5/s x scale) and the location's (100 per 10 s x scale); a pair's share is the larger, its binding
 * service's. The bridge's live heap after a full GC every {@code bench.heapSampleSeconds} (20), as
 * {@link LargeBackfillRun} measures it ({@link CrashTestBridge#heapAfterGc}); its threads and CPU time. After the runs
 * and the webhooks of their writes have settled: per pair, every person once per side and the same people on both, no
 * email of another pair; links in the bridge as many as BirdSend contacts.
 *
 * <p>Records its figures in {@code bench/results/scale.json} (section {@code ScalePairsBenchmark-<pairs>}) and the
 * details, per pair too, in {@code bench/results/scale-<pairs>.json}; {@code -Dbench.label=<name>} adds
 * {@code -<name>} to both, for a run with other settings ({@code -Dbench.bridge.<setting>=<value>} passes a setting to
 * the bridge). A run in which no pair moves on for {@code bench.stallMinutes} (3) ends there and reports how far it came.
 */
@Tag("benchmark")
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class ScalePairsBenchmark {

    static final double TARGET_SHARE = 90;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One pair's side of the simulators and what the bench saw of it. */
    private static final class Pair {
        final String id;
        final String locationId;
        final long accountId;
        final String highLevelToken;
        final String birdSendToken;
        final Set<String> emails = new HashSet<>();
        JsonNode progress;
        double birdSendShare;
        double highLevelShare;
        long birdSendRequests;
        long highLevelRequests;
        double seconds;
        final List<String> problems = new ArrayList<>();

        Pair(String id, String locationId, long accountId, String highLevelToken, String birdSendToken) {
            this.id = id;
            this.locationId = locationId;
            this.accountId = accountId;
            this.highLevelToken = highLevelToken;
            this.birdSendToken = birdSendToken;
        }

        /** Its run ended: done or failed. "never" (not started yet: the start-up check starts the pairs one by one) is not. */
        boolean finished() {
            String state = progress == null ? "" : progress.path("state").asText();
            return state.equals("done") || state.equals("failed");
        }

        double share() {
            return Math.max(birdSendShare, highLevelShare);
        }
    }

    /** When each token's requests were answered (epoch millis), for the requests that passed auth and rate limits. */
    private static final class AnsweredLog implements SimFilter {
        private final Map<String, long[][]> byToken = new ConcurrentHashMap<>();
        private final Map<String, int[]> sizes = new ConcurrentHashMap<>();

        void track(String token) {
            byToken.put(token, new long[][] {new long[1024]});
            sizes.put(token, new int[1]);
        }

        @Override
        public SimResponse filter(io.contactsbridge.simulator.sim.SimRequest request, Chain next) throws Exception {
            SimResponse response = next.proceed(request);
            String auth = request.header("Authorization");
            if (auth != null && !response.isAbort() && response.status() != 429) {
                String token = auth.startsWith("Bearer ") ? auth.substring(7).trim() : auth;
                long[][] log = byToken.get(token);
                if (log != null) {
                    long now = System.currentTimeMillis();
                    synchronized (log) {
                        int[] size = sizes.get(token);
                        if (size[0] == log[0].length) {
                            log[0] = Arrays.copyOf(log[0], log[0].length * 2);
                        }
                        log[0][size[0]++] = now;
                    }
                }
            }
            return response;
        }

        long between(String token, long fromMillis, long toMillis) {
            long[][] log = byToken.get(token);
            synchronized (log) {
                int n = sizes.get(token)[0];
                long count = 0;
                for (int i = 0; i < n; i++) {
                    if (log[0][i] >= fromMillis && log[0][i] <= toMillis) {
                        count++;
                    }
                }
                return count;
            }
        }

        long total() {
            return sizes.values().stream().mapToLong(s -> s[0]).sum();
        }
    }

    @Test
    void manyPairsInOneBridge() throws Exception {
        int pairCount = Integer.getInteger("bench.pairs", 200);
        int contacts = Integer.getInteger("bench.contactsPerPair", 100);
        double overlap = Double.parseDouble(System.getProperty("bench.overlap", "0.4"));
        int scale = Integer.getInteger("bench.scale", SyncBackfillBenchmark.SCALE);
        String xmx = System.getProperty("bench.xmx", "512m");
        Duration timeout = Duration.ofMinutes(Long.getLong("bench.timeoutMinutes", 20));
        Duration heapEvery = Duration.ofSeconds(Long.getLong("bench.heapSampleSeconds", 20));
        // A run in which no pair moves on for this long is over: the figures say how far it came.
        Duration stall = Duration.ofMinutes(Long.getLong("bench.stallMinutes", 3));

        SimClock clock = SimClock.scaled(scale);
        HighLevelSandbox highLevel = HighLevelSandbox.create(clock);
        highLevel.rateLimits().configure(100, Duration.ofSeconds(10), LargeBackfillRun.LIFTED_DAILY_LIMIT);
        BirdSendSimulator birdSend = BirdSendSimulator.builder().clock(clock).build();
        birdSend.server().threads(32);
        highLevel.simulator().server().threads(32);
        birdSend.server().calls().setCapacity(0);
        highLevel.simulator().server().calls().setCapacity(0);
        AnsweredLog birdSendLog = new AnsweredLog();
        AnsweredLog highLevelLog = new AnsweredLog();
        birdSend.server().filter(birdSendLog);
        highLevel.simulator().server().filter(highLevelLog);
        HighLevelState state = highLevel.simulator().state();

        long seedStart = System.nanoTime();
        List<Pair> pairs = new ArrayList<>();
        int shared = (int) Math.round(contacts * overlap);
        for (int i = 0; i < pairCount; i++) {
            String id = String.format(Locale.ROOT, "p%03d", i);
            String locationId = String.format(Locale.ROOT, "ScaleLoc%012d", i);
            state.ensureLocation(locationId);
            long account = i == 0 ? birdSend.defaultAccountId()
                    : birdSend.createAccount("owner@" + id + ".example.com", "Owner", id, id + " Ltd", "UTC");
            Pair pair = new Pair(id, locationId, account,
                    highLevel.oauth().issuePrivateIntegrationToken(locationId, StaticTokenAuthority.ALL_SCOPES),
                    birdSend.issuePersonalAccessToken(account));
            highLevelLog.track(pair.highLevelToken);
            birdSendLog.track(pair.birdSendToken);
            // People 0..shared-1 on both sides, then each side's own: contacts per side, 2 x contacts - shared people.
            List<ObjectNode> hl = new ArrayList<>();
            for (int k = 0; k < contacts; k++) {
                String email = email(id, k);
                pair.emails.add(email);
                hl.add(SimJson.object().put("firstName", "H" + k).put("lastName", id).put("email", email));
            }
            state.seedContacts(locationId, hl);
            for (int k = 0; k < contacts; k++) {
                int person = k < shared ? k : contacts + (k - shared);
                String email = email(id, person);
                pair.emails.add(email);
                birdSend.seedContact(account, BirdSendNewContact.of(email, "B" + person, id));
            }
            pairs.add(pair);
        }
        double seedSeconds = (System.nanoTime() - seedStart) / 1e9;
        highLevel.simulator().start(0);
        birdSend.start(0);

        Path runDir = CrashTestBridge.freshRunDir(CrashTestBridge.buildDir().resolve("scale-pairs"));
        int port = CrashTestBridge.freePort();
        String adminPassword = UUID.randomUUID().toString();
        Map<String, String> s = CrashTestBridge.liveSettings("scale-pairs", port, adminPassword,
                highLevel.simulator().baseUrl(), birdSend.apiBaseUrl(), pairs.get(0).birdSendToken, highLevel.webhooks().keys());
        s.keySet().removeIf(key -> key.startsWith("bridge.connections."));
        for (Pair p : pairs) {
            CrashTestBridge.putHighLevelConnection(s, "hl-" + p.id, highLevel.simulator().baseUrl(), p.locationId, p.highLevelToken);
            CrashTestBridge.putBirdSendConnection(s, "bs-" + p.id, birdSend.apiBaseUrl(), p.birdSendToken);
            s.put("bridge.pairs." + p.id + ".highlevel-connection", "hl-" + p.id);
            s.put("bridge.pairs." + p.id + ".birdsend-connection", "bs-" + p.id);
        }
        s.putAll(LargeBackfillRun.scaledSettings(scale));
        s.remove("bridge.sync.mapping");
        s.put("bridge.sync.backfill.on-startup", "true");
        s.put("bridge.sync.backfill.startup-check-interval-ms", "1000");
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.bridge."))
                .forEach(k -> s.put(k.substring("bench.bridge.".length()), System.getProperty(k)));
        List<String> jvmArgs = new ArrayList<>(List.of("-Xmx" + xmx, "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                "-Xlog:gc:file=" + runDir.resolve("gc.log")));
        String extraJvmArgs = System.getProperty("bench.bridgeJvmArgs", "").trim();
        if (!extraJvmArgs.isEmpty()) {
            jvmArgs.addAll(List.of(extraJvmArgs.split("\\s+")));
        }
        CrashTestBridge bridge = CrashTestBridge.launchedBy(ContactsBridgeApplication.class.getName(), List.of(), jvmArgs,
                runDir, port, adminPassword, s);
        highLevel.webhooks().setTargetUrl(bridge.baseUrl() + "/webhooks/highlevel");
        long ownCpuStart = ownCpuNanos();
        try {
            long launched = System.nanoTime();
            bridge.start();
            bridge.awaitHealthy(Duration.ofMinutes(5));
            double startSeconds = (System.nanoTime() - launched) / 1e9;

            long peakHeap = 0;
            List<long[]> heapSamples = new ArrayList<>();
            long nextHeap = System.nanoTime();
            long deadline = System.nanoTime() + timeout.toNanos();
            long lastMove = System.nanoTime();
            long lastProgress = -1;
            String stopped = "all pairs' backfills ended";
            while (true) {
                if (!bridge.isAlive()) {
                    stopped = "the bridge exited";
                    break;
                }
                if (System.nanoTime() > deadline) {
                    stopped = "timed out after " + timeout;
                    break;
                }
                int open = 0;
                for (Pair p : pairs) {
                    if (p.finished()) {
                        continue;
                    }
                    try {
                        p.progress = bridge.getJson("/api/backfill?pair=" + p.id);
                    } catch (IOException | AssertionError notYet) {
                        // Not started yet (404), or the bridge busy: asked again next round.
                    }
                    open += p.finished() ? 0 : 1;
                }
                if (System.nanoTime() >= nextHeap) {
                    long used = bridge.heapAfterGc();
                    peakHeap = Math.max(peakHeap, used);
                    heapSamples.add(new long[] {(System.nanoTime() - launched) / 1_000_000, used, pairs.size() - open});
                    nextHeap = System.nanoTime() + heapEvery.toNanos();
                }
                if (open == 0) {
                    break;
                }
                long progress = pairs.stream().mapToLong(p -> p.progress == null ? 0
                        : p.progress.path("processed").asLong() + (p.finished() ? 1_000_000 : 0)).sum();
                if (progress != lastProgress) {
                    lastProgress = progress;
                    lastMove = System.nanoTime();
                } else if (System.nanoTime() - lastMove > stall.toNanos()) {
                    stopped = "stalled: no pair moved on for " + stall;
                    break;
                }
                Thread.sleep(2000);
            }
            boolean alive = bridge.isAlive();
            JsonNode threads = null;
            if (alive) {
                try {
                    long used = bridge.heapAfterGc();
                    peakHeap = Math.max(peakHeap, used);
                    heapSamples.add(new long[] {(System.nanoTime() - launched) / 1_000_000, used, -1});
                    threads = bridge.getJson("/actuator/jolokia/read/java.lang:type=Threading");
                } catch (IOException | AssertionError e) {
                    // Reported without: the heap samples taken while it ran stand.
                }
            }
            double bridgeCpu = ProcessHandle.of(bridge.pid()).flatMap(h -> h.info().totalCpuDuration())
                    .map(d -> d.toNanos() / 1e9).orElse(-1.0);
            double ownCpu = (ownCpuNanos() - ownCpuStart) / 1e9;
            double wall = (System.nanoTime() - launched) / 1e9;

            // Per pair: its backfill's window and its requests within it.
            double birdSendLimit = 5.0 * scale;
            double highLevelLimit = 100.0 * scale / 10;
            Instant first = null;
            Instant last = null;
            for (Pair p : pairs) {
                Instant started = instant(p.progress, "startedAt");
                Instant finished = instant(p.progress, "finishedAt");
                if (started == null || finished == null) {
                    p.problems.add("backfill not finished: " + (p.progress == null ? "never seen" : p.progress.path("state")));
                    continue;
                }
                if (!"done".equals(p.progress.path("state").asText())) {
                    p.problems.add("backfill " + p.progress.path("state").asText() + ": " + p.progress.path("error").asText());
                }
                first = first == null || started.isBefore(first) ? started : first;
                last = last == null || finished.isAfter(last) ? finished : last;
                p.seconds = Math.max(0.001, Duration.between(started, finished).toMillis() / 1000.0);
                p.birdSendRequests = birdSendLog.between(p.birdSendToken, started.toEpochMilli(), finished.toEpochMilli());
                p.highLevelRequests = highLevelLog.between(p.highLevelToken, started.toEpochMilli(), finished.toEpochMilli());
                p.birdSendShare = 100 * p.birdSendRequests / p.seconds / birdSendLimit;
                p.highLevelShare = 100 * p.highLevelRequests / p.seconds / highLevelLimit;
            }
            double runSeconds = first == null ? wall : Duration.between(first, last).toMillis() / 1000.0;

            // Convergence, once the webhooks of the backfills' writes are handled.
            List<String> problems = new ArrayList<>();
            long links = -1;
            long deadLetters = -1;
            if (alive) {
                if (pairs.stream().allMatch(p -> p.finished())) {
                    try {
                        awaitQuiet(bridge, highLevel);
                    } catch (IOException | AssertionError e) {
                        problems.add("never quiet: " + e.getMessage().lines().findFirst().orElse(""));
                    }
                }
                for (Pair p : pairs) {
                    p.problems.addAll(convergence(p, state.contacts(p.locationId).stream().map(c -> c.path("email").asText(null)),
                            birdSend.contacts(p.accountId).stream().map(BirdSendContactView::email)));
                }
                try {
                    JsonNode status = bridge.getJson("/api/status");
                    links = status.path("links").asLong(-1);
                    deadLetters = status.path("deadLetters").asLong(-1);
                } catch (IOException | AssertionError e) {
                    problems.add("no status: " + e.getMessage().lines().findFirst().orElse(""));
                }
                long birdSendContacts = pairs.stream().mapToLong(p -> birdSend.contacts(p.accountId).size()).sum();
                if (links != birdSendContacts) {
                    problems.add("links " + links + " for " + birdSendContacts + " BirdSend contacts");
                }
            } else {
                problems.add("the bridge exited: " + bridge.logTail(20));
            }
            pairs.stream().filter(p -> !p.problems.isEmpty()).limit(10).forEach(p -> problems.add(p.id + ": " + p.problems));
            long pairsWithProblems = pairs.stream().filter(p -> !p.problems.isEmpty()).count();

            Map<String, Long> states = new java.util.TreeMap<>();
            pairs.forEach(p -> states.merge(p.progress == null ? "not started" : p.progress.path("state").asText(), 1L, Long::sum));
            long poolTimeouts = logLines(bridge, "Connection is not available, request timed out");
            long storeClosed = logLines(bridge, "The database has been closed");
            double[] shares = pairs.stream().mapToDouble(Pair::share).sorted().toArray();
            double[] bsShares = pairs.stream().mapToDouble(p -> p.birdSendShare).sorted().toArray();
            double[] hlShares = pairs.stream().mapToDouble(p -> p.highLevelShare).sorted().toArray();
            long atTarget = Arrays.stream(shares).filter(v -> v >= TARGET_SHARE).count();
            long bsTotal = birdSendLog.total();
            long hlTotal = highLevelLog.total();
            long bindingBirdSend = pairs.stream().filter(p -> p.birdSendShare >= p.highLevelShare).count();
            double[] pairSeconds = pairs.stream().mapToDouble(p -> p.seconds).sorted().toArray();
            long items = pairs.stream().mapToLong(p -> p.progress == null ? 0 : p.progress.path("total").asLong()).sum();
            long threadCount = threads == null ? -1 : threads.path("value").path("ThreadCount").asLong();
            long peakThreads = threads == null ? -1 : threads.path("value").path("PeakThreadCount").asLong();
            System.gc();
            long simulatorHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();

            List<String> lines = new ArrayList<>();
            lines.add(String.format(Locale.ROOT, "%d pairs, %d contacts per side per pair (%d shared), time scale %d, bridge -Xmx%s, %d cores",
                    pairCount, contacts, shared, scale, xmx, Runtime.getRuntime().availableProcessors()));
            lines.add(String.format(Locale.ROOT, "backfills finished and converged: %d of %d pairs (%d with problems); %d items in %.0f s "
                            + "(first start to last finish; %.1f items/s); a pair's run %.1f s median, %.1f s max; bridge start %.0f s",
                    pairs.size() - pairsWithProblems, pairs.size(), pairsWithProblems, items, runSeconds, items / Math.max(0.001, runSeconds),
                    percentile(pairSeconds, 50), pairSeconds.length == 0 ? 0 : pairSeconds[pairSeconds.length - 1], startSeconds));
            lines.add(String.format(Locale.ROOT, "per pair, binding share of its limit over its backfill: min %.1f %%, p10 %.1f %%, median %.1f %%, "
                            + "max %.1f %%; %d of %d pairs at >= %.0f %% (%s); binding service BirdSend for %d pairs",
                    percentile(shares, 0), percentile(shares, 10), percentile(shares, 50), percentile(shares, 100), atTarget,
                    pairs.size(), TARGET_SHARE, SyncBenchmark.verdict(atTarget == pairs.size()), bindingBirdSend));
            lines.add(String.format(Locale.ROOT, "per pair, BirdSend account (limit %.0f/s): min %.1f %%, p10 %.1f %%, median %.1f %%; "
                            + "HighLevel location (limit %.0f/s): min %.1f %%, p10 %.1f %%, median %.1f %%",
                    birdSendLimit, percentile(bsShares, 0), percentile(bsShares, 10), percentile(bsShares, 50),
                    highLevelLimit, percentile(hlShares, 0), percentile(hlShares, 10), percentile(hlShares, 50)));
            lines.add(String.format(Locale.ROOT, "requests answered: BirdSend %d, HighLevel %d; over the run %.1f/s (BirdSend %.1f/s of %.0f/s "
                            + "the pairs' limits allow)",
                    bsTotal, hlTotal, (bsTotal + hlTotal) / Math.max(0.001, runSeconds), bsTotal / Math.max(0.001, runSeconds),
                    birdSendLimit * pairCount));
            lines.add(String.format(Locale.ROOT, "bridge peak live heap after GC %.1f MiB of %s (%s); threads %d now, %d peak; CPU %.0f s of "
                            + "%.0f s wall (%.2f cores), simulators and bench %.0f s (%.2f cores)",
                    peakHeap / 1048576.0, xmx, SyncBenchmark.verdict(alive && peakHeap < 512L * 1048576), threadCount, peakThreads,
                    bridgeCpu, wall, bridgeCpu / wall, ownCpu, ownCpu / wall));
            lines.add(String.format(Locale.ROOT, "run ended: %s; backfill states %s; bridge log lines: %d database pool time-outs, "
                    + "%d 'database has been closed'", stopped, states, poolTimeouts, storeClosed));
            lines.add(String.format(Locale.ROOT, "links %d, dead letters %d, problems %s; seeding %.0f s, simulators' heap %.0f MiB",
                    links, deadLetters, problems, seedSeconds, simulatorHeap / 1048576.0));
            lines.add("bridge log: " + bridge.logs().get(0));

            ObjectNode out = JSON.createObjectNode();
            out.put("pairs", pairCount).put("contactsPerPair", contacts).put("overlap", overlap).put("timeScale", scale)
                    .put("xmx", xmx).put("runSeconds", runSeconds).put("items", items).put("pairsAtTarget", atTarget)
                    .put("pairsWithProblems", pairsWithProblems).put("peakHeapAfterGcBytes", peakHeap)
                    .put("birdSendRequests", bsTotal).put("highLevelRequests", hlTotal).put("bridgeCpuSeconds", bridgeCpu)
                    .put("benchCpuSeconds", ownCpu).put("wallSeconds", wall).put("peakThreads", peakThreads)
                    .put("links", links).put("deadLetters", deadLetters).put("stopped", stopped)
                    .put("poolTimeoutLogLines", poolTimeouts).put("storeClosedLogLines", storeClosed);
            out.set("backfillStates", JSON.valueToTree(states));
            out.set("problems", JSON.valueToTree(problems));
            out.set("figures", JSON.valueToTree(lines));
            var heapOut = out.putArray("heapAfterGc");
            heapSamples.forEach(h -> heapOut.addObject().put("ms", h[0]).put("bytes", h[1]).put("pairsFinished", h[2]));
            var perPair = out.putArray("perPair");
            for (Pair p : pairs) {
                perPair.addObject().put("pair", p.id).put("seconds", p.seconds).put("birdSendRequests", p.birdSendRequests)
                        .put("highLevelRequests", p.highLevelRequests).put("birdSendShare", Math.round(p.birdSendShare * 10) / 10.0)
                        .put("highLevelShare", Math.round(p.highLevelShare * 10) / 10.0)
                        .put("items", p.progress == null ? -1 : p.progress.path("total").asLong())
                        .put("state", p.progress == null ? "unseen" : p.progress.path("state").asText())
                        .put("problems", String.join("; ", p.problems));
            }
            Path results = Path.of(System.getProperty("bench.results.dir", "bench/results"));
            Files.createDirectories(results);
            // -Dbench.label=... names a run with other settings, so it does not replace the run with the defaults.
            String label = pairCount + (System.getProperty("bench.label", "").isBlank() ? "" : "-" + System.getProperty("bench.label").trim());
            Path detail = results.resolve("scale-" + label + ".json");
            JSON.writeValue(detail.toFile(), out);
            lines.add("details: " + detail.toAbsolutePath());
            SyncBenchmark.report("issue 14: many connection pairs in one bridge", getClass().getSimpleName(),
                    getClass().getSimpleName() + "-" + label, lines);

            assertThat(problems).as("every pair's backfill finished, everyone linked once within the pair").isEmpty();
            assertThat(peakHeap).as("peak live heap").isLessThan(512L * 1048576);
            assertThat(atTarget).as("pairs at >= 90 % of their limit").isEqualTo(pairs.size());
        } finally {
            if (bridge.isAlive()) {
                bridge.stop(Duration.ofSeconds(30));
            }
            bridge.close();
            highLevel.close();
            birdSend.stop();
        }
    }

    /** Lines of the bridge's log holding {@code text}. */
    private static long logLines(CrashTestBridge bridge, String text) {
        long n = 0;
        for (Path log : bridge.logs()) {
            try (Stream<String> lines = Files.lines(log, java.nio.charset.StandardCharsets.ISO_8859_1)) {
                n += lines.filter(l -> l.contains(text)).count();
            } catch (IOException | java.io.UncheckedIOException e) {
                return -1;
            }
        }
        return n;
    }

    private static String email(String pairId, int person) {
        return "person" + person + "." + pairId + "@scale.example.com";
    }

    private static Instant instant(JsonNode progress, String field) {
        String v = progress == null ? null : progress.path(field).asText(null);
        return v == null || v.isBlank() || "null".equals(v) ? null : Instant.parse(v);
    }

    /** Everyone once per side, the same people on both, nobody from another pair. */
    private static List<String> convergence(Pair p, Stream<String> highLevelEmails, Stream<String> birdSendEmails) {
        List<String> problems = new ArrayList<>();
        Map<String, Integer> hl = count(highLevelEmails);
        Map<String, Integer> bs = count(birdSendEmails);
        long dupHl = hl.values().stream().filter(n -> n > 1).count();
        long dupBs = bs.values().stream().filter(n -> n > 1).count();
        if (dupHl + dupBs > 0) {
            problems.add(dupHl + " HighLevel and " + dupBs + " BirdSend emails on more than one contact");
        }
        long foreign = Stream.concat(hl.keySet().stream(), bs.keySet().stream()).filter(e -> !p.emails.contains(e)).count();
        if (foreign > 0) {
            problems.add(foreign + " contacts of another pair");
        }
        if (!hl.keySet().equals(p.emails) || !bs.keySet().equals(p.emails)) {
            problems.add("HighLevel holds " + hl.size() + ", BirdSend " + bs.size() + " of the pair's " + p.emails.size() + " people");
        }
        return problems;
    }

    private static Map<String, Integer> count(Stream<String> emails) {
        Map<String, Integer> out = new HashMap<>();
        emails.filter(e -> e != null && !e.isBlank()).map(e -> e.trim().toLowerCase(Locale.ROOT)).forEach(e -> out.merge(e, 1, Integer::sum));
        return out;
    }

    /** Until HighLevel's webhooks of the writes are delivered and the journal is empty, three times in a row (at most 5 minutes). */
    private static void awaitQuiet(CrashTestBridge bridge, HighLevelSandbox highLevel) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        int quiet = 0;
        while (quiet < 3 && System.nanoTime() < deadline) {
            boolean now = highLevel.webhooks().unfinished() == 0
                    && bridge.getJson("/api/status").path("journal").path("pending").asLong(-1) == 0;
            quiet = now ? quiet + 1 : 0;
            Thread.sleep(1000);
        }
    }

    private static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.min(sorted.length - 1, Math.max(0, index))];
    }

    private static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
