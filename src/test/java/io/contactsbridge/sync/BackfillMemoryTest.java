package io.contactsbridge.sync;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backfill's memory does not grow with the account (issue 19), in small: {@value #CONTACTS} contacts per side, the
 * bridge in a child JVM with {@code -Xmx}{@value #HEAP} (serial GC, exit on {@code OutOfMemoryError}), a dry run, so
 * that every contact of both sides is listed, paired and planned in seconds without a write. The bridge's live heap is
 * measured after a full GC every second ({@link LargeBackfillRun}); the run must end done, and its peak live heap may
 * exceed the bridge's own before the run by at most {@value #MAX_GROWTH_MIB} MiB.
 *
 * <p>A backfill that held both sides' listings (as before issue 19) added 50 MiB here (56 to 106 MiB, 6 MiB per 1,000
 * contacts per side) and ran out of memory at a few times this size; this one adds 10 to 20 MiB whatever the size (H2's
 * cache and transactions, the pages in hand). About a minute. The full-size measurement is
 * {@link SyncBackfillLargeBenchmark}.
 */
class BackfillMemoryTest {

    static final int CONTACTS = 8_000;
    static final String HEAP = "128m";
    static final int MAX_GROWTH_MIB = 24;

    @Test
    void aDryRunOfEightThousandPerSideKeepsTheLiveHeapFlat() throws Exception {
        LargeBackfillRun.Result result = LargeBackfillRun.run(new LargeBackfillRun.Config(CONTACTS, HEAP, 50, 0.4, true,
                Duration.ofMinutes(3), Duration.ofSeconds(1), 7, "backfill-memory"));
        System.out.println("BackfillMemoryTest: " + result.describe());
        result.heap().forEach(h -> System.out.printf("BackfillMemoryTest: %.1f s %s, %d done: live heap %.1f MiB%n", h.seconds(),
                h.phase(), h.processed(), h.usedAfterGc() / 1048576.0));

        assertThat(result.state()).as(result.describe()).isEqualTo("done");
        assertThat(result.items()).as("work items: everyone listed on both sides, pairs once").isGreaterThan(CONTACTS);
        assertThat(result.heap().stream().filter(h -> !"end".equals(h.phase())))
                .as("live heap measurements while the run worked").hasSizeGreaterThanOrEqualTo(2);
        assertThat((result.peakHeapAfterGcBytes() - result.baselineHeapAfterGcBytes()) / 1048576.0)
                .as("live heap growth over the run, MiB (%s)", result.describe()).isLessThanOrEqualTo(MAX_GROWTH_MIB);
    }
}
