package io.contactsbridge.sync;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.contactsbridge.capture.BirdSendContactPoller;
import io.contactsbridge.capture.CaptureMetrics;
import io.contactsbridge.capture.CaptureStore;
import io.contactsbridge.capture.PollState;
import io.contactsbridge.sandbox.SandboxSimulators;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import io.contactsbridge.simulator.highlevel.HighLevelEventListener;
import io.contactsbridge.support.Waits;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a unit test: how soon a contact added in BirdSend (which sends no webhooks) is in HighLevel, on an account of
 * {@value #CONTACTS} contacts, and what the polling costs. Target (issue 5): p95 at most 60 s while the polling uses
 * at most half of BirdSend's request budget (5 per second).
 *
 * <pre>./mvnw -B test -Dbuild.dir=/tmp/syncbench-target -Dtest=SyncNewContactLatencyBenchmark -Dbenchmark=true -Dsurefire.failIfNoSpecifiedTests=false</pre>
 *
 * Sandbox with {@value #CONTACTS} BirdSend contacts (none in HighLevel), the sync and both pollers on with the live
 * defaults (quick scan every 30 s, the rolling scan's passes back to back, the poller's share of the budget 0.5), at
 * time scale
 * {@value #SCALE}: the simulators' limits, the bridge's budgets (margins scaled), the poll intervals (the sync's journal
 * consumer's too) and the lease times all run {@value #SCALE} times faster, and every duration below is reported
 * multiplied back to service time. Processing time does not scale, so it counts {@value #SCALE} times over: the
 * figures err on the slow side.
 * Once the BirdSend poller's baseline (which reports nothing) is recorded, a person adds a contact in BirdSend every
 * {@value #CREATE_INTERVAL_MS} ms of wall time ({@value #SCALE} x that in service time) for 15 minutes of service
 * time, while the rolling scan holds the poller but for the quick scans. A listener on the HighLevel simulator stamps
 * the moment each one is created there; the journal's receive time splits the latency into detection by the poll and
 * the sync. The poller's share of the budget is its BirdSend requests (every list request; the sync lists nothing
 * when it syncs a BirdSend contact) per second of service time over 5, on average over the window and in the
 * busiest {@value #PEAK_WINDOW_S} s. {@link SyncBirdSendDetectionBenchmark} measures every other kind of change.
 */
@Tag("benchmark")
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:syncbench-newcontact" + SyncBenchmark.H2_OPTIONS,
        "bridge.sync.enabled=true",
        "bridge.sync.backfill.on-startup=false",
        "bridge.sandbox.time-scale=" + SyncNewContactLatencyBenchmark.SCALE,
        "bridge.sandbox.highlevel.contacts=20",
        "bridge.sandbox.birdsend.contacts=" + SyncNewContactLatencyBenchmark.CONTACTS,
        "bridge.sandbox.overlap=0",
        "bridge.outbound.highlevel.rate.windows.burst.limit=100",
        "bridge.outbound.highlevel.rate.windows.burst.period=" + 10_000 / SyncNewContactLatencyBenchmark.SCALE + "ms",
        "bridge.outbound.highlevel.rate.safety-margin=" + 200 / SyncNewContactLatencyBenchmark.SCALE + "ms",
        "bridge.outbound.birdsend.rate.windows.second.limit=5",
        "bridge.outbound.birdsend.rate.windows.second.period=" + 1_000 / SyncNewContactLatencyBenchmark.SCALE + "ms",
        "bridge.outbound.birdsend.rate.safety-margin=" + 30 / SyncNewContactLatencyBenchmark.SCALE + "ms",
        "bridge.outbound.retry.maximum-redeliveries=4",
        "bridge.outbound.retry.initial-delay=" + 500 / SyncNewContactLatencyBenchmark.SCALE + "ms",
        "bridge.outbound.retry.maximum-delay=" + 30_000 / SyncNewContactLatencyBenchmark.SCALE + "ms",
        "camel.resilience4j.configurations.highlevel.sliding-window-size=20",
        "camel.resilience4j.configurations.highlevel.minimum-number-of-calls=10",
        "camel.resilience4j.configurations.highlevel.wait-duration-in-open-state=" + 30 / SyncNewContactLatencyBenchmark.SCALE,
        "camel.resilience4j.configurations.birdsend.sliding-window-size=20",
        "camel.resilience4j.configurations.birdsend.minimum-number-of-calls=10",
        "camel.resilience4j.configurations.birdsend.wait-duration-in-open-state=" + 30 / SyncNewContactLatencyBenchmark.SCALE,
        "bridge.capture.highlevel.enabled=true",
        "bridge.capture.highlevel.interval-ms=" + 60_000 / SyncNewContactLatencyBenchmark.SCALE,
        "bridge.capture.birdsend.enabled=true",
        "bridge.capture.birdsend.quick-interval-ms=" + 30_000 / SyncNewContactLatencyBenchmark.SCALE,
        "bridge.capture.birdsend.rolling-interval-ms=" + 1_000 / SyncNewContactLatencyBenchmark.SCALE,
        "bridge.capture.birdsend.rolling-slice=" + 10_000 / SyncNewContactLatencyBenchmark.SCALE + "ms",
        "bridge.capture.birdsend.min-pass-interval=" + 10_000 / SyncNewContactLatencyBenchmark.SCALE + "ms",
        "bridge.capture.birdsend.order-probe-interval=" + 3_600 / SyncNewContactLatencyBenchmark.SCALE + "s",
        // The sync's journal consumer looks for work every poll interval (live 1 s): scaled like every other timer,
        // since its waits are reported multiplied by the scale.
        "bridge.sync.poll-interval-ms=" + 1_000 / SyncNewContactLatencyBenchmark.SCALE,
        "bridge.capture.lease-duration=" + 120_000 / SyncNewContactLatencyBenchmark.SCALE + "ms",
        "bridge.capture.lease-wait=" + 60_000 / SyncNewContactLatencyBenchmark.SCALE + "ms",
        "logging.level.io.contactsbridge.sync=WARN",
})
@ActiveProfiles({"test", "sandbox"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class SyncNewContactLatencyBenchmark {

    static final int SCALE = 10;
    static final int CONTACTS = 10_000;
    /** How long (wall time) contacts are added: 15 minutes of service time. */
    static final long WINDOW_MS = 900_000 / SCALE;
    static final long CREATE_INTERVAL_MS = 500;
    static final int PEAK_WINDOW_S = 10;
    static final double TARGET_P95_S = 60;
    static final double TARGET_POLL_SHARE = 50;
    static final double BIRDSEND_LIMIT_PER_S = 5;
    /** A contact not in HighLevel this long (service time) after its creation counts as missing. */
    static final Duration GIVE_UP = Duration.ofMinutes(4);

    @Autowired
    SandboxSimulators sims;
    @Autowired
    CaptureStore captureStore;
    @Autowired
    CaptureMetrics captureMetrics;
    @Autowired
    JdbcTemplate jdbc;

    /** One new BirdSend contact: wall-clock creation and arrival in HighLevel. */
    static final class NewContact {
        final String email;
        volatile long contactId;
        volatile Instant createdAt;
        volatile Instant inHighLevelAt;

        NewContact(String email) {
            this.email = email;
        }
    }

    @Test
    void newBirdSendContactReachesHighLevel() throws Exception {
        Waits.until("BirdSend poller baseline", Duration.ofMinutes(2), () -> captureStore
                .find(BirdSendContactPoller.SOURCE, "birdsend").map(PollState::baselineDone).orElse(false));

        Map<String, NewContact> byEmail = new ConcurrentHashMap<>();
        HighLevelEventListener arrivals = event -> {
            if ("ContactCreate".equals(event.type())) {
                NewContact c = byEmail.get(event.entity().path("email").asText("").toLowerCase(Locale.ROOT));
                if (c != null && c.inHighLevelAt == null) {
                    c.inHighLevelAt = Instant.now();
                }
            }
        };
        ConcurrentLinkedQueue<Long> listRequests = new ConcurrentLinkedQueue<>();
        sims.birdSend().server().filter((request, next) -> {
            if ("list-contacts".equals(request.operation())) {
                listRequests.add(System.nanoTime());
            }
            return next.proceed(request);
        });
        sims.highLevel().state().addListener(arrivals);
        SyncBenchmark.JitterProbe jitter = new SyncBenchmark.JitterProbe();
        List<NewContact> created = new ArrayList<>();
        double quickBefore = captureMetrics.requestCount(BirdSendContactPoller.SOURCE, BirdSendContactPoller.QUICK);
        double rollingBefore = captureMetrics.requestCount(BirdSendContactPoller.SOURCE, BirdSendContactPoller.ROLLING);
        long passesBefore = captureMetrics.passes(BirdSendContactPoller.SOURCE).count();
        Map<String, Long> bsBefore = SyncBenchmark.snapshot(sims.birdSend().server().calls());
        long windowStart = System.nanoTime();
        long next = windowStart;
        long windowEnd = windowStart + WINDOW_MS * 1_000_000L;
        try {
            for (int i = 0; System.nanoTime() < windowEnd; i++) {
                NewContact c = new NewContact(("syncbench.new." + i + "." + Long.toHexString(System.nanoTime()) + "@example.net")
                        .toLowerCase(Locale.ROOT));
                byEmail.put(c.email, c);
                c.createdAt = Instant.now();
                BirdSendContactView view = sims.birdSend().seedContact(BirdSendNewContact.of(c.email, "Newly", "Added" + i));
                c.contactId = view.contactId();
                created.add(c);
                next += CREATE_INTERVAL_MS * 1_000_000L;
                long sleep = (next - System.nanoTime()) / 1_000_000L;
                if (sleep > 0) {
                    Thread.sleep(sleep);
                }
            }
            double windowWallSeconds = (System.nanoTime() - windowStart) / 1e9;
            double pollRequests = captureMetrics.requestCount(BirdSendContactPoller.SOURCE, BirdSendContactPoller.QUICK) - quickBefore
                    + captureMetrics.requestCount(BirdSendContactPoller.SOURCE, BirdSendContactPoller.ROLLING) - rollingBefore;
            long passes = captureMetrics.passes(BirdSendContactPoller.SOURCE).count() - passesBefore;
            Map<String, Long> bs = SyncBenchmark.diff(bsBefore, SyncBenchmark.snapshot(sims.birdSend().server().calls()));
            long listInWindow = listRequests.stream().filter(t -> t >= windowStart && t <= windowEnd).count();
            double peak = peakPerSecond(listRequests, windowStart, windowEnd);

            Waits.within("every new contact in HighLevel", GIVE_UP.dividedBy(SCALE),
                    () -> created.stream().noneMatch(c -> c.inHighLevelAt == null), Duration.ofMillis(50));
            jitter.close();

            Map<Long, Instant> journaledAt = journaledContactCreations();
            List<Double> latency = new ArrayList<>();
            List<Double> detection = new ArrayList<>();
            List<Double> syncing = new ArrayList<>();
            int missed = 0;
            for (NewContact c : created) {
                if (c.inHighLevelAt == null) {
                    missed++;
                    continue;
                }
                latency.add(serviceSeconds(c.createdAt, c.inHighLevelAt));
                Instant journaled = journaledAt.get(c.contactId);
                if (journaled != null) {
                    detection.add(serviceSeconds(c.createdAt, journaled));
                    syncing.add(serviceSeconds(journaled, c.inHighLevelAt));
                }
            }
            SyncBenchmark.Latencies latencies = SyncBenchmark.Latencies.of(latency, missed);
            double serviceSeconds = windowWallSeconds * SCALE;
            double averageShare = 100 * listInWindow / serviceSeconds / BIRDSEND_LIMIT_PER_S;
            double peakShare = 100 * peak / BIRDSEND_LIMIT_PER_S;
            boolean latencyMet = latencies.percentile(95) <= TARGET_P95_S;
            boolean shareMet = averageShare <= TARGET_POLL_SHARE;
            SyncBenchmark.report("2: new BirdSend contact -> HighLevel", getClass().getSimpleName(), List.of(
                    String.format(Locale.ROOT, "%,d BirdSend contacts; %d added, one every %.0f s of service time over %.0f min "
                                    + "at time scale %d; durations below in service time",
                            CONTACTS, created.size(), CREATE_INTERVAL_MS * SCALE / 1000.0, serviceSeconds / 60, SCALE),
                    "creation -> in HighLevel: " + latencies.describe("s"),
                    "  phase creation -> journaled by the poller: " + SyncBenchmark.Latencies.of(detection, 0).describe("s"),
                    "  phase journaled -> created in HighLevel by the sync: " + SyncBenchmark.Latencies.of(syncing, 0).describe("s"),
                    String.format(Locale.ROOT, "poller: %d list requests in the window (CaptureMetrics, lists and lookups: %.0f), "
                                    + "%d complete passes; %.3f requests/s = %.1f %% of BirdSend's %.0f/s on average, "
                                    + "%.1f %% in the busiest %d s", listInWindow, pollRequests, passes,
                            listInWindow / serviceSeconds, averageShare, BIRDSEND_LIMIT_PER_S, peakShare, PEAK_WINDOW_S),
                    "BirdSend calls in the window (poller and sync) " + bs,
                    jitter.describe() + " (wall time, not scaled)",
                    String.format(Locale.ROOT, "target p95 <= %.0f s: %s; polling <= %.0f %% of the budget: %s", TARGET_P95_S,
                            SyncBenchmark.verdict(latencyMet), TARGET_POLL_SHARE, SyncBenchmark.verdict(shareMet))));

            assertThat(latencies.percentile(95)).as("p95 of creation -> HighLevel, s of service time")
                    .isLessThanOrEqualTo(TARGET_P95_S);
            assertThat(averageShare).as("poller's share of BirdSend's budget, %").isLessThanOrEqualTo(TARGET_POLL_SHARE);
        } finally {
            sims.highLevel().state().removeListener(arrivals);
        }
    }

    /** Wall-clock span in service time (seconds). */
    private static double serviceSeconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9 * SCALE;
    }

    /** When the poller journaled each ContactCreated, by BirdSend contact id. */
    private Map<Long, Instant> journaledContactCreations() {
        Map<Long, Instant> out = new ConcurrentHashMap<>();
        jdbc.query("SELECT contact_key, received_at FROM inbound_event WHERE source = ? AND event_type = ?", rs -> {
            String key = rs.getString(1);
            Timestamp at = rs.getTimestamp(2);
            if (key != null && key.startsWith("birdsend:") && at != null) {
                out.putIfAbsent(Long.parseLong(key.substring("birdsend:".length())), at.toInstant());
            }
        }, BirdSendContactPoller.SOURCE, BirdSendContactPoller.CONTACT_CREATED);
        return out;
    }

    /** The most list requests in any {@value #PEAK_WINDOW_S} s of service time inside the window, per second. */
    private static double peakPerSecond(ConcurrentLinkedQueue<Long> times, long from, long to) {
        long[] t = times.stream().mapToLong(Long::longValue).filter(x -> x >= from && x <= to).sorted().toArray();
        long span = PEAK_WINDOW_S * 1_000_000_000L / SCALE;
        int best = 0;
        for (int i = 0, j = 0; i < t.length; i++) {
            while (t[i] - t[j] >= span) {
                j++;
            }
            best = Math.max(best, i - j + 1);
        }
        return best / (double) PEAK_WINDOW_S;
    }
}
