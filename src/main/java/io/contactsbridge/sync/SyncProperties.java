package io.contactsbridge.sync;

import java.time.Duration;
import java.util.Locale;

import io.contactsbridge.mapping.Side;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code bridge.sync.*}: the two-way contact sync. Defaults are in {@code config/sync.properties}; the compact
 * constructors repeat them for code that builds the records directly (tests).
 *
 * @param enabled              whether the route {@code contact-sync} consumes the journal
 * @param highlevelConnection  the HighLevel connection synced (its location id comes from it)
 * @param birdsendConnection   the BirdSend connection synced
 * @param mapping              the mapping file (a Spring resource location: classpath:..., file:...)
 * @param mappingRecheck       how often a mapping that does not fit the accounts is checked again (the sync and
 *                             the backfill wait meanwhile); one that fits is re-checked every 10 minutes
 * @param conflict             what wins when both sides changed the same field
 * @param deletes              what a contact deleted on one side does to its partner
 * @param backfill             the initial full sync
 */
@ConfigurationProperties(prefix = "bridge.sync")
public record SyncProperties(Boolean enabled, String highlevelConnection, String birdsendConnection, String mapping,
                             Duration mappingRecheck, Conflict conflict, Deletes deletes, Backfill backfill) {

    public SyncProperties {
        enabled = enabled == null || enabled;
        highlevelConnection = blank(highlevelConnection) ? "highlevel" : highlevelConnection.trim();
        birdsendConnection = blank(birdsendConnection) ? "birdsend" : birdsendConnection.trim();
        mapping = blank(mapping) ? "classpath:mapping/contacts.yaml" : mapping.trim();
        mappingRecheck = mappingRecheck == null ? Duration.ofMinutes(1) : mappingRecheck;
        if (mappingRecheck.isNegative() || mappingRecheck.isZero()) {
            throw new IllegalArgumentException("bridge.sync.mapping-recheck must be positive, got " + mappingRecheck);
        }
        conflict = conflict == null ? Conflict.defaults() : conflict;
        deletes = deletes == null ? Deletes.UNLINK : deletes;
        backfill = backfill == null ? Backfill.defaults() : backfill;
    }

    public static SyncProperties defaults() {
        return new SyncProperties(null, null, null, null, null, null, null, null);
    }

    public SyncPair pair() {
        return new SyncPair(highlevelConnection, birdsendConnection);
    }

    /**
     * @param policy   last-writer-wins (by each side's update time) or source-priority
     * @param priority the side that wins under source-priority, and when last-writer-wins cannot tell (equal or
     *                 unknown times)
     */
    public record Conflict(ConflictPolicy policy, Side priority) {
        public Conflict {
            policy = policy == null ? ConflictPolicy.LAST_WRITER_WINS : policy;
            priority = priority == null ? Side.HIGHLEVEL : priority;
        }

        public static Conflict defaults() {
            return new Conflict(null, null);
        }
    }

    public enum ConflictPolicy {
        LAST_WRITER_WINS, SOURCE_PRIORITY
    }

    /** A contact deleted on one side: unlink only (the partner stays), or delete the partner as well. */
    public enum Deletes {
        UNLINK, PROPAGATE
    }

    /**
     * The backfill has no retry setting: an item that fails while a service is down is handed to the live sync, which
     * the journal retries ({@code bridge.journal.retry-*}).
     *
     * @param onStartup        run the backfill when the application starts (resuming an interrupted one)
     * @param dryRunOnStartup  the start-up backfill only reports what it would do
     * @param workers          contacts reconciled in parallel; enough to keep both services' rate budgets busy
     * @param progressInterval how often progress is logged
     * @param highlevelPageSize contacts per HighLevel search page (1-500)
     * @param birdsendPageSize  contacts per BirdSend list page
     * @param workPageSize     work items read from the store at a time (the listings and pairs live there, not in memory)
     * @param requestShare     the share of each service's rate budget the backfill's requests are kept to, giving way
     *                         to the live sync's (1: no pace of its own, it queues with the live sync's requests)
     */
    public record Backfill(Boolean onStartup, Boolean dryRunOnStartup, Integer workers, Duration progressInterval,
                           Integer highlevelPageSize, Integer birdsendPageSize, Integer workPageSize,
                           Duration leaseDuration, Double requestShare, Integer concurrentPairs) {
        public Backfill {
            concurrentPairs = concurrentPairs == null ? 4 : concurrentPairs;
            if (concurrentPairs < 1) {
                throw new IllegalArgumentException("bridge.sync.backfill.concurrent-pairs must be at least 1, got "
                        + concurrentPairs);
            }
            requestShare = requestShare == null ? 0.9 : requestShare;
            if (!(requestShare > 0 && requestShare <= 1)) {
                throw new IllegalArgumentException("bridge.sync.backfill.request-share must be above 0 and at most 1, got "
                        + requestShare);
            }
            leaseDuration = leaseDuration == null ? Duration.ofMinutes(2) : leaseDuration;
            onStartup = onStartup != null && onStartup;
            dryRunOnStartup = dryRunOnStartup != null && dryRunOnStartup;
            workers = workers == null ? 16 : workers;
            progressInterval = progressInterval == null ? Duration.ofSeconds(10) : progressInterval;
            highlevelPageSize = highlevelPageSize == null ? 500 : highlevelPageSize;
            birdsendPageSize = birdsendPageSize == null ? 100 : birdsendPageSize;
            workPageSize = workPageSize == null ? 500 : workPageSize;
            if (workPageSize < 1 || workPageSize > 10_000) {
                throw new IllegalArgumentException("bridge.sync.backfill.work-page-size must be 1-10000, got " + workPageSize);
            }
            if (workers < 1 || workers > 64) {
                throw new IllegalArgumentException("bridge.sync.backfill.workers must be 1-64, got " + workers);
            }
            if (highlevelPageSize < 1 || highlevelPageSize > 500) {
                throw new IllegalArgumentException("bridge.sync.backfill.highlevel-page-size must be 1-500 (HighLevel's limit), got "
                        + highlevelPageSize);
            }
            if (birdsendPageSize < 1 || birdsendPageSize > 100) {
                throw new IllegalArgumentException("bridge.sync.backfill.birdsend-page-size must be 1-100, got " + birdsendPageSize);
            }
            if (progressInterval.isNegative() || progressInterval.isZero()) {
                throw new IllegalArgumentException("bridge.sync.backfill.progress-interval must be positive");
            }
            // The lease is renewed at each progress report: a shorter one would pass to a waiting process mid-run.
            if (leaseDuration.compareTo(progressInterval.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("bridge.sync.backfill.lease-duration (" + leaseDuration + ") must be at"
                        + " least twice bridge.sync.backfill.progress-interval (" + progressInterval + ")");
            }
        }

        public static Backfill defaults() {
            return new Backfill(null, null, null, null, null, null, null, null, null, null);
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
