package io.contactsbridge.sync;

import java.time.Instant;
import java.util.Map;

/**
 * What {@code GET /api/backfill} and {@code /api/status} show of the current or last backfill.
 *
 * @param state        never, running, done, failed (see error; resumable), interrupted (resumable)
 * @param phase        waiting: mapping does not fit (until it does), listing (reading both sides), syncing
 * @param rate         contacts per second since the syncing phase began
 * @param etaSeconds   seconds left at that rate; null when unknown
 * @param counts       per outcome: linked, created_highlevel, created_birdsend, updated, unchanged, unlinked,
 *                     skipped, failed (refused by a service: a dead letter), deferred (failed while a service was
 *                     down: handed to the live sync, which retries it), conflicts (in a dry run: what would happen)
 * @param listRequests requests made to read both sides' contact lists
 */
public record BackfillProgress(String runId, String state, String phase, boolean dryRun, int total, int processed,
                               double rate, Double etaSeconds, String checkpoint, Map<String, Long> counts,
                               long listRequests, String error, Instant startedAt, Instant finishedAt) {

    public static final BackfillProgress NEVER = new BackfillProgress(null, "never", null, false, 0, 0, 0, null, null,
            Map.of(), 0, null, null, null);

    static BackfillProgress of(BackfillStore.Row row) {
        String state = "running".equals(row.state()) ? "interrupted" : row.state();
        return new BackfillProgress(row.runId(), state, null, row.dryRun(), row.total(), row.processed(), 0,
                null, row.checkpoint(), row.counts(), 0, row.error(), row.startedAt(), row.finishedAt());
    }

    public double percent() {
        return total == 0 ? ("done".equals(state) ? 100.0 : 0.0) : Math.round(1000.0 * processed / total) / 10.0;
    }

    public double fraction() {
        return percent() / 100.0;
    }
}
