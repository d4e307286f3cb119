package io.contactsbridge.sync;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a unit test: the backfill of a large account in a small heap (issue 19). Target: 100,000 contacts per side in
 * {@code -Xmx256m}, every pair linked, no duplicates, the binding service at 90 % or more of its limit.
 *
 * <pre>./mvnw -B test -Dtest=SyncBackfillLargeBenchmark -Dbenchmark=true -Dbench.contacts=100000</pre>
 *
 * <p>The simulators run in the test JVM, seeded as sandbox mode seeds them ({@code bench.contacts} per side, 40 % of
 * the BirdSend people also in HighLevel), at time scale {@code bench.scale} (10, as {@link SyncBackfillBenchmark});
 * the bridge runs in a child JVM with {@code -Xmx}{@code bench.xmx} (256m), live mode, its H2 file store, the sandbox
 * mapping, the live sync and both pollers on, budgets and schedules scaled to match ({@link LargeBackfillRun}). Its
 * live heap is measured every {@code bench.heapSampleSeconds} (15) by a full GC over Jolokia. HighLevel's daily limit
 * is lifted on both sides ({@link LargeBackfillRun#LIFTED_DAILY_LIMIT}): a 100,000-per-side backfill makes more than a
 * day's 200,000 HighLevel calls, which at time scale 10 would otherwise fall into one scaled day.
 *
 * <p>Writes {@code bench/results/backfill-large.json} (and {@code backfill-large-<contacts>.json}) with
 * {@code contactsPerSide}, {@code xmx}, {@code completed}, {@code seconds}, {@code itemsPerSecond},
 * {@code bindingShare} (the larger of both services' request rate over the syncing phase, in % of its limit),
 * {@code peakHeapAfterGcBytes}, {@code deadLetters}, and the details. {@code -Dbench.dryRun=true} measures a dry run.
 */
@Tag("benchmark")
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
// Only when asked for by size: 'Sync*Benchmark' would otherwise start a run of an hour and more.
@EnabledIfSystemProperty(named = "bench.contacts", matches = "\\d+")
class SyncBackfillLargeBenchmark {

    static final double TARGET_BINDING_SHARE = 90;

    @Test
    void largeBackfillInASmallHeap() throws Exception {
        int contacts = Integer.getInteger("bench.contacts", 100_000);
        String xmx = System.getProperty("bench.xmx", "256m");
        int scale = Integer.getInteger("bench.scale", SyncBackfillBenchmark.SCALE);
        boolean dryRun = Boolean.getBoolean("bench.dryRun");
        LargeBackfillRun.Config config = new LargeBackfillRun.Config(contacts, xmx, scale,
                Double.parseDouble(System.getProperty("bench.overlap", "0.4")), dryRun,
                Duration.ofMinutes(Long.getLong("bench.timeoutMinutes", 240)),
                Duration.ofSeconds(Long.getLong("bench.heapSampleSeconds", 15)), 7, "large-backfill");
        LargeBackfillRun.Result result = LargeBackfillRun.run(config);

        Path results = Path.of("bench", "results");
        String suffix = dryRun ? "-dry-run" : "";
        result.write(results.resolve("backfill-large" + suffix + ".json"));
        result.write(results.resolve("backfill-large-" + contacts + suffix + ".json"));
        SyncBenchmark.report("issue 19: large backfill in a small heap", getClass().getSimpleName(), java.util.List.of(
                result.describe(),
                "bridge log: " + result.bridgeLog(),
                "written: " + results.resolve("backfill-large" + suffix + ".json").toAbsolutePath()));

        assertThat(result.completed()).as(result.describe()).isTrue();
        if (!dryRun) {
            assertThat(result.bindingShare()).as("binding service's share of its limit, %").isGreaterThanOrEqualTo(TARGET_BINDING_SHARE);
        }
    }
}
