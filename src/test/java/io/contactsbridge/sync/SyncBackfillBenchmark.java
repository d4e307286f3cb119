package io.contactsbridge.sync;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.contactsbridge.capture.BirdSendContactPoller;
import io.contactsbridge.capture.CaptureStore;
import io.contactsbridge.capture.PollState;
import io.contactsbridge.outbound.OutboundMetrics;
import io.contactsbridge.sandbox.SandboxSimulators;
import io.contactsbridge.simulator.sim.FaultConfig;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a unit test: how well the backfill uses the rate budgets. Target (issue 5): the backfill runs at 90 % or more of
 * the rate limit that binds, with at most 1.1 HighLevel calls per contact.
 *
 * <pre>./mvnw -B test -Dbuild.dir=/tmp/syncbench-target -Dtest=SyncBackfillBenchmark -Dbenchmark=true -Dsurefire.failIfNoSpecifiedTests=false</pre>
 *
 * The sandbox as {@code spring-boot:run} starts it, larger: {@value #CONTACTS} seeded contacts on each side, 40 % of the
 * BirdSend people also in HighLevel (with differences to reconcile), the sync route and both pollers on at their live
 * intervals, at time scale {@value #SCALE} for the simulators' limits, the bridge's budgets (margins scaled from the
 * live defaults) and the poll intervals. The backfill is started through the bean once the BirdSend poller's baseline
 * is recorded. Both simulators' call recorders are read when the syncing phase starts (after both lists were read and
 * paired) and when the run ends: the achieved rate of every service over the syncing phase is compared with its
 * configured limit, and the larger share is the binding service's utilisation (asserted). The items come in a hashed
 * order, so the work mix stays about the same through the run; the larger share per second, averaged over the phase,
 * shows how busy the binding budget was moment by moment (reported). Sim-side arrival times give the
 * BirdSend window turnover and the bridge's outbound timers the attempt times and budget waits, which locate where the
 * time goes when the target is missed. Every HighLevel call made while the
 * backfill ran (listing, writes, and whatever the sync route did with the webhooks those writes caused) is divided by
 * the backfill's work items (one per person: a pair or a contact on one side only).
 *
 * <p>The simulators answer at once. {@code -Dbenchmark.responseMs=150} makes both take that long (in service time,
 * so 15 ms of wall time at scale 10) after counting a request against their limit, as a real service across the
 * internet does.
 */
@Tag("benchmark")
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:syncbench-backfill" + SyncBenchmark.H2_OPTIONS,
        "bridge.sync.enabled=true",
        "bridge.sync.backfill.on-startup=false",
        "bridge.sandbox.time-scale=" + SyncBackfillBenchmark.SCALE,
        "bridge.sandbox.highlevel.contacts=" + SyncBackfillBenchmark.CONTACTS,
        "bridge.sandbox.birdsend.contacts=" + SyncBackfillBenchmark.CONTACTS,
        "bridge.sandbox.overlap=0.4",
        "bridge.outbound.highlevel.rate.windows.burst.limit=" + SyncBackfillBenchmark.HL_LIMIT,
        "bridge.outbound.highlevel.rate.windows.burst.period=" + SyncBackfillBenchmark.HL_PERIOD_MS + "ms",
        "bridge.outbound.highlevel.rate.safety-margin=" + SyncBackfillBenchmark.HL_MARGIN_MS + "ms",
        "bridge.outbound.birdsend.rate.windows.second.limit=" + SyncBackfillBenchmark.BS_LIMIT,
        "bridge.outbound.birdsend.rate.windows.second.period=" + SyncBackfillBenchmark.BS_PERIOD_MS + "ms",
        "bridge.outbound.birdsend.rate.safety-margin=" + SyncBackfillBenchmark.BS_MARGIN_MS + "ms",
        // The live retry and circuit-breaker settings (config/outbound.properties), durations scaled, instead of the
        // test profile's hair-trigger breakers: one 429 burst at a window edge must cost what it costs live.
        "bridge.outbound.retry.maximum-redeliveries=4",
        "bridge.outbound.retry.initial-delay=" + 500 / SyncBackfillBenchmark.SCALE + "ms",
        "bridge.outbound.retry.maximum-delay=" + 30_000 / SyncBackfillBenchmark.SCALE + "ms",
        "camel.resilience4j.configurations.highlevel.sliding-window-size=20",
        "camel.resilience4j.configurations.highlevel.minimum-number-of-calls=10",
        "camel.resilience4j.configurations.highlevel.wait-duration-in-open-state=" + 30 / SyncBackfillBenchmark.SCALE,
        "camel.resilience4j.configurations.birdsend.sliding-window-size=20",
        "camel.resilience4j.configurations.birdsend.minimum-number-of-calls=10",
        "camel.resilience4j.configurations.birdsend.wait-duration-in-open-state=" + 30 / SyncBackfillBenchmark.SCALE,
        "bridge.sync.poll-interval-ms=" + 1_000 / SyncBackfillBenchmark.SCALE,
        "bridge.capture.highlevel.enabled=true",
        "bridge.capture.highlevel.interval-ms=" + 60_000 / SyncBackfillBenchmark.SCALE,
        "bridge.capture.birdsend.enabled=true",
        "bridge.capture.birdsend.quick-interval-ms=" + 30_000 / SyncBackfillBenchmark.SCALE,
        "bridge.capture.birdsend.rolling-interval-ms=" + 1_000 / SyncBackfillBenchmark.SCALE,
        "bridge.capture.birdsend.rolling-slice=" + 10_000 / SyncBackfillBenchmark.SCALE + "ms",
        "bridge.capture.birdsend.min-pass-interval=" + 10_000 / SyncBackfillBenchmark.SCALE + "ms",
        "bridge.capture.birdsend.order-probe-interval=" + 3_600 / SyncBackfillBenchmark.SCALE + "s",
        "logging.level.io.contactsbridge.sync=WARN",
})
@ActiveProfiles({"test", "sandbox"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class SyncBackfillBenchmark {

    static final int SCALE = 10;
    static final int CONTACTS = 3000;
    static final int HL_LIMIT = 100;
    static final long HL_PERIOD_MS = 10_000 / SCALE;
    static final long HL_MARGIN_MS = 200 / SCALE;
    static final int BS_LIMIT = 5;
    static final long BS_PERIOD_MS = 1_000 / SCALE;
    static final long BS_MARGIN_MS = 30 / SCALE;
    static final double TARGET_UTILISATION = 90;
    static final long TIMELINE_MS = 1000;
    static final double TARGET_HL_CALLS_PER_CONTACT = 1.1;

    @Autowired
    SandboxSimulators sims;
    @Autowired
    Backfill backfill;
    @Autowired
    CaptureStore captureStore;
    @Autowired
    SyncProperties props;
    @Autowired
    MeterRegistry registry;

    /** Both recorders at one moment of the run. */
    record Sample(long nanos, int processed, Map<String, Long> highLevel, Map<String, Long> birdSend,
                  SyncBenchmark.Timed hlAttempts, SyncBenchmark.Timed bsAttempts, SyncBenchmark.Timed hlWaits,
                  SyncBenchmark.Timed bsWaits) {
    }

    @Test
    void backfillKeepsTheBindingBudgetBusy() throws Exception {
        SyncBenchmark.await("BirdSend poller baseline", Duration.ofSeconds(60), () -> captureStore
                .find(BirdSendContactPoller.SOURCE, "birdsend").map(PollState::baselineDone).orElse(false));
        ConcurrentLinkedQueue<Long> bsArrivals = new ConcurrentLinkedQueue<>();
        sims.birdSend().server().filter((request, next) -> {
            bsArrivals.add(System.nanoTime());
            return next.proceed(request);
        });
        int highLevelBefore = sims.highLevel().state().contactCount();
        int birdSendBefore = sims.birdSend().contacts().size();
        // Optional: a service response time, in service time (scaled to wall time like everything else), so the
        // budgets see answers as late relative to their windows as from a real service across the internet.
        long responseMs = Long.getLong("benchmark.responseMs", 0);
        if (responseMs > 0) {
            FaultConfig latency = FaultConfig.builder().latency(responseMs / SCALE, 0).build();
            sims.birdSend().faults().configure(latency);
            sims.highLevel().server().faults().configure(latency);
        }
        SyncBenchmark.JitterProbe jitter = new SyncBenchmark.JitterProbe();
        Sample start = sample(0);
        assertThat(backfill.start(false, true)).as("backfill started").isPresent();
        Sample syncing = null;
        List<Sample> timeline = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        BackfillProgress progress = backfill.snapshot();
        while ("running".equals(progress.state()) && System.nanoTime() < deadline) {
            if (syncing == null && "syncing".equals(progress.phase())) {
                syncing = sample(progress.processed());
            }
            long lastSample = timeline.isEmpty() ? 0 : timeline.get(timeline.size() - 1).nanos();
            if (syncing != null && (timeline.isEmpty() || System.nanoTime() - lastSample > TIMELINE_MS * 1_000_000L)) {
                timeline.add(sample(progress.processed()));
            }
            Thread.sleep(2);
            progress = backfill.snapshot();
        }
        Sample end = sample(progress.processed());
        jitter.close();
        sims.birdSend().faults().clear();
        sims.highLevel().server().faults().clear();
        assertThat(syncing).as("syncing phase seen (state %s, error %s)", progress.state(), progress.error()).isNotNull();

        Map<String, Long> hlAll = SyncBenchmark.diff(start.highLevel(), end.highLevel());
        Map<String, Long> bsAll = SyncBenchmark.diff(start.birdSend(), end.birdSend());
        double syncSeconds = (end.nanos() - syncing.nanos()) / 1e9;
        double listSeconds = (syncing.nanos() - start.nanos()) / 1e9;
        double hlAllowed = HL_LIMIT * 1000.0 / HL_PERIOD_MS;
        double bsAllowed = BS_LIMIT * 1000.0 / BS_PERIOD_MS;
        double hlUse = 100 * SyncBenchmark.answered(SyncBenchmark.diff(syncing.highLevel(), end.highLevel())) / syncSeconds / hlAllowed;
        double bsUse = 100 * SyncBenchmark.answered(SyncBenchmark.diff(syncing.birdSend(), end.birdSend())) / syncSeconds / bsAllowed;
        // The same figures between 10 % and 90 % of the items, without the start-up and the tail of the last workers.
        Sample from = firstAtOrAfter(timeline, progress.total() / 10);
        Sample to = firstAtOrAfter(timeline, progress.total() * 9 / 10);
        double midSeconds = (to.nanos() - from.nanos()) / 1e9;
        double hlMid = 100 * SyncBenchmark.answered(SyncBenchmark.diff(from.highLevel(), to.highLevel())) / midSeconds / hlAllowed;
        double bsMid = 100 * SyncBenchmark.answered(SyncBenchmark.diff(from.birdSend(), to.birdSend())) / midSeconds / bsAllowed;
        // Reference figures: a window of N requests turns over every period + margin at best; were requests counted
        // from their answers (as when the send time is unknown), it would be every period + attempt time.
        SyncBenchmark.Timed hlAttempt = end.hlAttempts().minus(syncing.hlAttempts());
        SyncBenchmark.Timed bsAttempt = end.bsAttempts().minus(syncing.bsAttempts());
        SyncBenchmark.Timed hlWait = end.hlWaits().minus(syncing.hlWaits());
        SyncBenchmark.Timed bsWait = end.bsWaits().minus(syncing.bsWaits());
        double hlCeiling = 100.0 * HL_PERIOD_MS / (HL_PERIOD_MS + Math.max(hlAttempt.meanMillis(), HL_MARGIN_MS));
        double bsCeiling = 100.0 * BS_PERIOD_MS / (BS_PERIOD_MS + Math.max(bsAttempt.meanMillis(), BS_MARGIN_MS));
        // The binding share at each moment, averaged over time: shows whether the binding service changes during the run.
        List<Sample> points = new ArrayList<>(timeline);
        points.add(0, syncing);
        points.add(end);
        double weighted = 0;
        double hlBoundSeconds = 0;
        for (int i = 1; i < points.size(); i++) {
            Sample a = points.get(i - 1);
            Sample b = points.get(i);
            double dt = (b.nanos() - a.nanos()) / 1e9;
            if (dt <= 0) {
                continue;
            }
            double hl = SyncBenchmark.answered(SyncBenchmark.diff(a.highLevel(), b.highLevel())) / dt / hlAllowed;
            double bs = SyncBenchmark.answered(SyncBenchmark.diff(a.birdSend(), b.birdSend())) / dt / bsAllowed;
            weighted += Math.max(hl, bs) * dt;
            hlBoundSeconds += hl > bs ? dt : 0;
        }
        double bindingOverTime = 100 * weighted / syncSeconds;
        SyncBenchmark.Latencies turnover = turnover(bsArrivals, syncing.nanos(), end.nanos(), BS_LIMIT);
        int items = progress.total();
        double hlPerContact = SyncBenchmark.answered(hlAll) / (double) items;
        double binding = Math.max(hlUse, bsUse);
        String bindingService = bsUse >= hlUse ? "BirdSend" : "HighLevel";
        boolean rateMet = binding >= TARGET_UTILISATION;
        boolean rateOverTimeMet = bindingOverTime >= TARGET_UTILISATION;
        boolean callsMet = hlPerContact <= TARGET_HL_CALLS_PER_CONTACT;

        SyncBenchmark.report("3: backfill throughput", getClass().getSimpleName(), List.of(
                "backfill " + progress.state() + (progress.error() == null ? "" : ": " + progress.error()),
                String.format(Locale.ROOT, "%,d HighLevel and %,d BirdSend contacts, %d people on both; %d work items; %s; "
                                + "time scale %d, %d workers; added response time of both services %d ms (-Dbenchmark.responseMs)",
                        highLevelBefore, birdSendBefore, sims.seededOnBothSides(), items, progress.counts(), SCALE,
                        props.backfill().workers(), responseMs),
                String.format(Locale.ROOT, "listing %.1f s wall (%d requests), syncing %.1f s wall = %.0f s at the real limits; "
                                + "%.1f items/s wall", listSeconds, progress.listRequests(), syncSeconds, syncSeconds * SCALE,
                        (items - syncing.processed()) / syncSeconds),
                String.format(Locale.ROOT, "syncing phase: HighLevel %.1f req/s of %.0f allowed = %.1f %%, BirdSend %.1f req/s of "
                                + "%.0f allowed = %.1f %% (between 10 %% and 90 %% of the items: HighLevel %.1f %%, BirdSend %.1f %%)",
                        hlUse * hlAllowed / 100, hlAllowed, hlUse, bsUse * bsAllowed / 100, bsAllowed, bsUse, hlMid, bsMid),
                String.format(Locale.ROOT, "binding service's share at each moment (per %d ms), averaged: %.1f %% (HighLevel bound "
                                + "%.0f s, BirdSend bound %.0f s of the phase, wall)", TIMELINE_MS, bindingOverTime, hlBoundSeconds,
                        syncSeconds - hlBoundSeconds),
                String.format(Locale.ROOT, "HighLevel calls per work item: %.3f (%d answered calls, %d answered 429); "
                                + "BirdSend calls per work item: %.3f (%d answered, %d answered 429)",
                        hlPerContact, SyncBenchmark.answered(hlAll), SyncBenchmark.status(hlAll, 429),
                        SyncBenchmark.answered(bsAll) / (double) items, SyncBenchmark.answered(bsAll), SyncBenchmark.status(bsAll, 429)),
                String.format(Locale.ROOT, "outbound attempts (slot -> answer read), syncing phase: HighLevel mean %.1f ms over %d, "
                                + "BirdSend mean %.1f ms over %d; budget waits: HighLevel %.1f s in total (mean %.1f ms), BirdSend %.1f s "
                                + "(mean %.1f ms); counted from answers it would be at best period/(period + attempt): HighLevel %.0f %%, BirdSend %.0f %%",
                        hlAttempt.meanMillis(), hlAttempt.count(), bsAttempt.meanMillis(), bsAttempt.count(), hlWait.seconds(),
                        hlWait.meanMillis(), bsWait.seconds(), bsWait.meanMillis(), hlCeiling, bsCeiling),
                String.format(Locale.ROOT, "BirdSend window turnover (arrival of a request to that of the %dth after it; "
                        + "%d ms period + %d ms margin when saturated): %s", BS_LIMIT, BS_PERIOD_MS, BS_MARGIN_MS, turnover.describe("ms")),
                "HighLevel calls " + hlAll,
                "BirdSend calls " + bsAll,
                jitter.describe(),
                String.format(Locale.ROOT, "target: binding service at >= %.0f %% of its limit: over the whole phase (%s) %s, "
                                + "moment by moment %s; HighLevel calls per contact <= %.1f: %s", TARGET_UTILISATION, bindingService,
                        SyncBenchmark.verdict(rateMet), SyncBenchmark.verdict(rateOverTimeMet), TARGET_HL_CALLS_PER_CONTACT,
                        SyncBenchmark.verdict(callsMet))));

        assertThat(progress.state()).as("backfill state (error: %s)", progress.error()).isEqualTo("done");
        assertThat(binding).as("utilisation of the binding service's limit over the syncing phase, %")
                .isGreaterThanOrEqualTo(TARGET_UTILISATION);
        assertThat(hlPerContact).as("HighLevel calls per contact").isLessThanOrEqualTo(TARGET_HL_CALLS_PER_CONTACT);
    }

    private Sample sample(int processed) {
        return new Sample(System.nanoTime(), processed, SyncBenchmark.snapshot(sims.highLevel().server().calls()),
                SyncBenchmark.snapshot(sims.birdSend().server().calls()),
                SyncBenchmark.Timed.of(registry, OutboundMetrics.REQUESTS, "highlevel"),
                SyncBenchmark.Timed.of(registry, OutboundMetrics.REQUESTS, "birdsend"),
                SyncBenchmark.Timed.of(registry, OutboundMetrics.BUDGET_WAIT, "highlevel"),
                SyncBenchmark.Timed.of(registry, OutboundMetrics.BUDGET_WAIT, "birdsend"));
    }

    /** Per request arriving in [from, to], the time until the {@code n}th request after it arrived, in ms. */
    private static SyncBenchmark.Latencies turnover(ConcurrentLinkedQueue<Long> arrivals, long from, long to, int n) {
        long[] t = arrivals.stream().mapToLong(Long::longValue).filter(x -> x >= from && x <= to).sorted().toArray();
        List<Double> out = new ArrayList<>();
        for (int i = 0; i + n < t.length; i++) {
            out.add((t[i + n] - t[i]) / 1e6);
        }
        return SyncBenchmark.Latencies.of(out, 0);
    }

    private static Sample firstAtOrAfter(List<Sample> timeline, int processed) {
        return timeline.stream().filter(s -> s.processed() >= processed).findFirst()
                .orElse(timeline.get(timeline.size() - 1));
    }
}
