package io.contactsbridge.sync;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.contactsbridge.simulator.SandboxPeople;
import io.contactsbridge.simulator.birdsend.BirdSendContactEdit;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.birdsend.BirdSendOperations;
import io.contactsbridge.simulator.birdsend.BirdSendSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelSandbox;
import io.contactsbridge.simulator.highlevel.HighLevelWebhookPublisher;
import io.contactsbridge.simulator.sim.RecordedRequest;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.Waits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two replicas of the bridge, separate processes in live mode, on one PostgreSQL (embedded) and the simulators, with a
 * round-robin load balancer in front of their webhook endpoints, as a Kubernetes Service puts one in front of a
 * Deployment's pods. Every HighLevel webhook is delivered twice, so the copies usually land on different replicas.
 * <ol>
 *   <li>Both start; one runs the start-up backfill (its lease), and every pair is linked once.</li>
 *   <li>A burst of edits on both sides: HighLevel's by webhook, BirdSend's found by the polls. Each reaches the other
 *       side exactly once; neither simulator answers 429 (the replicas divide the limits); the scheduled polls run
 *       once per interval between them, not once per replica.</li>
 *   <li>One replica is killed with SIGKILL; more edits on both sides; the survivor takes over the dead one's journal
 *       partitions and polls, and every edit arrives within {@link #TAKEOVER}: the journal and poll leases (5 s here)
 *       plus the sync.</li>
 * </ol>
 */
class TwoReplicasTest {

    private static final double TIME_SCALE = 10;
    private static final int HIGHLEVEL_EDITS = 24;
    private static final int BIRDSEND_EDITS = 12;
    private static final int EDITS_AFTER_KILL = 6;
    private static final long POLL_INTERVAL_MS = 1000;
    /** Stated takeover time after a replica dies: leases of 5 s, then the journal's retry and one poll interval. */
    private static final Duration TAKEOVER = Duration.ofSeconds(20);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private static HighLevelSandbox highLevel;
    private static BirdSendSimulator birdSend;
    private static CrashTestBridge first;
    private static CrashTestBridge second;
    private static RoundRobin balancer;

    @BeforeAll
    static void startSimulatorsAndReplicas() throws IOException {
        SimClock clock = SimClock.scaled(TIME_SCALE);
        highLevel = HighLevelSandbox.create(clock);
        birdSend = BirdSendSimulator.builder().clock(clock).build();
        String birdSendToken = birdSend.issuePersonalAccessToken();
        SandboxPeople.seed(highLevel.simulator().state(), birdSend, 50, 40, 0.8, 7);
        highLevel.simulator().start(0);
        birdSend.start(0);
        highLevel.simulator().server().calls().setCapacity(50_000);
        birdSend.server().calls().setCapacity(50_000);

        Path runDir = CrashTestBridge.freshRunDir(CrashTestBridge.buildDir().resolve("two-replicas"));
        String adminPassword = UUID.randomUUID().toString();
        int firstPort = CrashTestBridge.freePort();
        int secondPort = CrashTestBridge.freePort();
        String storeUrl = TestDatabases.freshPostgresUrl();

        // One set of settings for both (same store, same encryption key, same connections); ids and ports differ.
        Map<String, String> settings = CrashTestBridge.liveSettings("replica-a", firstPort, adminPassword,
                highLevel.simulator().baseUrl(), birdSend.apiBaseUrl(), birdSendToken, highLevel.webhooks().keys());
        settings.put("spring.datasource.url", storeUrl);
        settings.put("spring.datasource.username", "postgres");
        settings.put("spring.datasource.password", "");
        CrashTestBridge.putLiveSyncSettings(settings, POLL_INTERVAL_MS);
        settings.put("bridge.replicas.interval", "500ms");
        settings.put("bridge.replicas.lease-duration", "2s");
        CrashTestBridge.putRestartSettings(settings);
        first = new CrashTestBridge(java.nio.file.Files.createDirectories(runDir.resolve("a")), firstPort, adminPassword, new LinkedHashMap<>(settings));
        settings.put("bridge.instance.id", "replica-b");
        settings.put("server.port", Integer.toString(secondPort));
        second = new CrashTestBridge(java.nio.file.Files.createDirectories(runDir.resolve("b")), secondPort, adminPassword, new LinkedHashMap<>(settings));

        balancer = new RoundRobin(List.of(first.baseUrl(), second.baseUrl()));
        highLevel.webhooks().setTargetUrl(balancer.url() + "/webhooks/highlevel");
        // An at-least-once sender: every webhook twice, so copies reach both replicas.
        highLevel.webhooks().setDeliveryChaos(new HighLevelWebhookPublisher.DeliveryChaos(0, 0, 1.0, 2, Duration.ZERO, 11));
    }

    @AfterAll
    static void stopEverything() {
        for (CrashTestBridge b : new CrashTestBridge[] {first, second}) {
            if (b != null) {
                b.close();
            }
        }
        if (balancer != null) {
            balancer.close();
        }
        if (highLevel != null) {
            highLevel.close();
        }
        if (birdSend != null) {
            birdSend.stop();
        }
    }

    @Test
    void twoReplicasShareTheWorkOnceAndTheSurvivorTakesOverAKilledOnesWork() throws Exception {
        try {
            runScenario();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\n--- replica a\n" + first.logTail(40) + "\n--- replica b\n"
                    + second.logTail(40), e);
        }
    }

    private void runScenario() throws Exception {
        // ---- 1. both start; the backfill runs once ---------------------------------------------------------------
        first.start();
        first.awaitHealthy(START_TIMEOUT);
        second.start();
        second.awaitHealthy(START_TIMEOUT);
        Waits.until("the backfill finished", Duration.ofSeconds(90), () -> "done".equals(
                status(second).path("backfill").path("state").asText()));
        List<Pair> pairs = pairsByEmail();
        Waits.until("every pair is linked", Duration.ofSeconds(30), () -> status(first).path("links").asInt() == pairs.size());
        int highLevelContacts = highLevel.simulator().state().contactCount();
        int birdSendContacts = birdSend.contacts().size();
        assertThat(duplicates(highLevel.simulator().state().contacts().stream().map(c -> c.path("email").asText(null))))
                .as("HighLevel emails held by two contacts after the backfill").isEmpty();
        assertThat(duplicates(birdSend.contacts().stream().map(BirdSendContactView::email)))
                .as("BirdSend emails held by two contacts after the backfill").isEmpty();
        assertThat(status(first).path("replicas").path("alive").asInt()).as("replicas the limits are divided by").isEqualTo(2);

        // ---- 2. edits on both sides while both run ---------------------------------------------------------------
        String run = Long.toString(System.currentTimeMillis() % 100_000, 36);
        Instant burstStart = Instant.now();
        Map<Long, String> lastNames = new LinkedHashMap<>();
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 0; i < HIGHLEVEL_EDITS; i++) {
            Pair p = pairs.get(i);
            lastNames.put(p.birdSendId(), "Replicated-" + run + "-" + i);
            highLevel.simulator().state().editContactAsUser(p.highLevelId(), SimJson.object().put("lastName", lastNames.get(p.birdSendId())));
        }
        for (int i = HIGHLEVEL_EDITS; i < HIGHLEVEL_EDITS + BIRDSEND_EDITS; i++) {
            Pair p = pairs.get(i);
            tags.put(p.highLevelId(), "bs-" + run + "-" + i);
            birdSend.editContact(p.birdSendId(), BirdSendContactEdit.change().addTags(tags.get(p.highLevelId())));
        }
        awaitSynced(lastNames, tags, Duration.ofSeconds(60));
        Instant settled = Instant.now();
        // Both replicas worked: the balancer spread the webhooks, and each replica's log shows journal work.
        assertThat(balancer.forwarded()).as("webhooks forwarded to each replica").allMatch(n -> n > 0);

        // Polls in a quiet stretch: once per interval between the two replicas, not once per replica.
        Instant quietStart = Instant.now();
        Waits.holds("a quiet stretch", Duration.ofSeconds(6), Duration.ofSeconds(20), () -> true);
        Instant quietEnd = Instant.now();
        long highLevelPolls = highLevel.simulator().server().calls().recent().stream()
                .filter(r -> "search-contacts-advanced".equals(r.operation()))
                .filter(r -> !r.receivedAt().isBefore(quietStart) && r.receivedAt().isBefore(quietEnd)).count();
        double intervals = Duration.between(quietStart, quietEnd).toMillis() / (double) POLL_INTERVAL_MS;
        System.out.printf("TwoReplicasTest: %d HighLevel poll searches in %.1f poll intervals with two replicas%n",
                highLevelPolls, intervals);
        assertThat((double) highLevelPolls).as("HighLevel poll searches in %.1f intervals", intervals)
                .isLessThanOrEqualTo(intervals / 0.9 + 2);

        // ---- 3. one replica killed; the survivor takes over -------------------------------------------------------
        int exit = first.killHard();
        assertThat(exit).isEqualTo(CrashTestBridge.SIGKILL_EXIT);
        Instant killed = Instant.now();
        Map<Long, String> lateLastNames = new LinkedHashMap<>();
        Map<String, String> lateTags = new LinkedHashMap<>();
        int from = HIGHLEVEL_EDITS + BIRDSEND_EDITS;
        for (int i = from; i < from + EDITS_AFTER_KILL; i++) {
            Pair p = pairs.get(i);
            if (i % 2 == 0) {
                lateLastNames.put(p.birdSendId(), "Survived-" + run + "-" + i);
                highLevel.simulator().state().editContactAsUser(p.highLevelId(),
                        SimJson.object().put("lastName", lateLastNames.get(p.birdSendId())));
            } else {
                lateTags.put(p.highLevelId(), "late-" + run + "-" + i);
                birdSend.editContact(p.birdSendId(), BirdSendContactEdit.change().addTags(lateTags.get(p.highLevelId())));
            }
        }
        awaitSynced(lateLastNames, lateTags, TAKEOVER);
        Duration takeover = Duration.between(killed, Instant.now());
        Waits.until("the survivor's journal is drained", Duration.ofSeconds(20),
                () -> status(second).path("journal").path("pending").asLong(-1) == 0);
        Waits.until("the survivor has the whole budget again", Duration.ofSeconds(20),
                () -> status(second).path("replicas").path("alive").asInt() == 1);

        // ---- 4. each change applied once, nothing duplicated, no limit exceeded ----------------------------------
        Map<Long, List<RecordedRequest>> updates = birdSend.server().calls().recent(BirdSendOperations.UPDATE_CONTACT).stream()
                .filter(r -> !r.receivedAt().isBefore(burstStart) && r.status() >= 200 && r.status() < 300)
                .collect(Collectors.groupingBy(r -> contactId(r.path())));
        Map<Long, String> allLastNames = new LinkedHashMap<>(lastNames);
        allLastNames.putAll(lateLastNames);
        for (Map.Entry<Long, String> e : allLastNames.entrySet()) {
            assertThat(updates.getOrDefault(e.getKey(), List.of())).as("BirdSend updates of contact %d", e.getKey())
                    .hasSize(1);
        }
        long rateLimited = count429(birdSend.server().calls().recent()) + count429(highLevel.simulator().server().calls().recent());
        System.out.printf("TwoReplicasTest: edits synced %d ms after the burst began; after the kill every edit arrived in"
                        + " %d ms; forwarded webhooks per replica %s; 429 answers %d; BirdSend %s; HighLevel %s%n",
                Duration.between(burstStart, settled).toMillis(), takeover.toMillis(), balancer.forwarded(), rateLimited,
                birdSend.server().calls().countsByStatus(), highLevel.simulator().server().calls().countsByStatus());
        assertThat(rateLimited).as("answers 429 from either service: the replicas together stayed within the limits")
                .isZero();
        assertThat(highLevel.simulator().state().contactCount()).as("HighLevel contacts").isEqualTo(highLevelContacts);
        assertThat(birdSend.contacts()).as("BirdSend contacts").hasSize(birdSendContacts);
        assertThat(second.logContains("Replicas: 2 alive")).as("the second replica divided the limits with the first").isTrue();
    }

    private static void awaitSynced(Map<Long, String> lastNames, Map<String, String> tags, Duration timeout) {
        Waits.until("every edit reached the other side", timeout, () -> lastNames.entrySet().stream().allMatch(
                e -> e.getValue().equals(birdSend.contact(e.getKey()).map(BirdSendContactView::lastName).orElse(null)))
                && tags.entrySet().stream().allMatch(e -> hasTag(e.getKey(), e.getValue())));
    }

    private static boolean hasTag(String highLevelId, String tag) {
        ObjectNode c = highLevel.simulator().state().contacts().stream()
                .filter(x -> highLevelId.equals(x.path("id").asText())).findFirst().orElse(null);
        if (c == null) {
            return false;
        }
        for (JsonNode t : c.path("tags")) {
            if (tag.equalsIgnoreCase(t.asText())) {
                return true;
            }
        }
        return false;
    }

    private static long count429(List<RecordedRequest> requests) {
        return requests.stream().filter(r -> r.status() == 429).count();
    }

    private static JsonNode status(CrashTestBridge bridge) {
        try {
            return bridge.getJson("/api/status");
        } catch (IOException e) {
            throw new IllegalStateException("GET /api/status failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

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

    private static long contactId(String path) {
        return Long.parseLong(path.substring(path.lastIndexOf('/') + 1));
    }

    private static List<String> duplicates(java.util.stream.Stream<String> emails) {
        return emails.filter(e -> e != null && !e.isBlank()).collect(Collectors.groupingBy(e -> e.trim().toLowerCase(Locale.ROOT),
                Collectors.counting())).entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
    }

    /**
     * A load balancer for the webhooks: each request to the next replica in turn, and to the other when a replica does
     * not accept the connection (a dead pod, before its endpoint is removed). The signed body goes byte for byte.
     */
    static final class RoundRobin implements AutoCloseable {
        private static final List<String> FORWARDED_HEADERS = List.of("Content-Type", "x-ghl-signature", "x-wh-signature");

        private final List<String> targets;
        private final HttpServer server;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger[] forwarded;

        RoundRobin(List<String> targets) throws IOException {
            this.targets = List.copyOf(targets);
            this.forwarded = new AtomicInteger[targets.size()];
            for (int i = 0; i < forwarded.length; i++) {
                forwarded[i] = new AtomicInteger();
            }
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(Executors.newFixedThreadPool(8));
            server.createContext("/", this::forward);
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        List<Integer> forwarded() {
            List<Integer> counts = new ArrayList<>();
            for (AtomicInteger n : forwarded) {
                counts.add(n.get());
            }
            return counts;
        }

        private void forward(HttpExchange exchange) throws IOException {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            int start = Math.floorMod(next.getAndIncrement(), targets.size());
            HttpResponse<byte[]> answer = null;
            for (int i = 0; i < targets.size() && answer == null; i++) {
                int target = (start + i) % targets.size();
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(targets.get(target) + exchange.getRequestURI()))
                        .timeout(Duration.ofSeconds(10))
                        .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
                for (String name : FORWARDED_HEADERS) {
                    String value = exchange.getRequestHeaders().getFirst(name);
                    if (value != null) {
                        request.header(name, value);
                    }
                }
                try {
                    answer = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                    forwarded[target].incrementAndGet();
                } catch (IOException e) {
                    // not accepting connections: the other replica
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            byte[] out = answer == null ? "no replica answered".getBytes() : answer.body();
            exchange.sendResponseHeaders(answer == null ? 502 : answer.statusCode(), out.length == 0 ? -1 : out.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(out);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
