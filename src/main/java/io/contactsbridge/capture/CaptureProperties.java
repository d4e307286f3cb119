package io.contactsbridge.capture;

import java.time.Duration;
import java.util.Set;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code bridge.capture.*}: change capture by polling. Defaults are in {@code config/capture.properties}; the
 * compact constructors repeat them for code that builds the records directly (tests).
 *
 * @param leaseDuration how long one replica owns a poller (per source and connection) without renewing it;
 *                      renewed after every page, so it only has to outlast one request with its retries
 * @param leaseWait     how long a BirdSend scan waits for another one of this replica to give way (a full scan
 *                      also for another replica's) before it gives this round up
 */
@ConfigurationProperties(prefix = "bridge.capture")
public record CaptureProperties(HighLevel highlevel, BirdSend birdsend, Duration leaseDuration, Duration leaseWait) {

    public CaptureProperties {
        highlevel = highlevel == null ? HighLevel.defaults() : highlevel;
        birdsend = birdsend == null ? BirdSend.defaults() : birdsend;
        leaseDuration = positive(leaseDuration, Duration.ofMinutes(2), "lease-duration");
        leaseWait = leaseWait == null ? Duration.ofSeconds(60) : leaseWait;
        if (leaseWait.isNegative()) {
            throw new IllegalArgumentException("bridge.capture.lease-wait must not be negative");
        }
    }

    public static CaptureProperties defaults() {
        return new CaptureProperties(null, null, null, null);
    }

    /**
     * {@code bridge.capture.highlevel.*}: the reconciliation poll of HighLevel's contacts.
     *
     * @param enabled          whether the route {@code highlevel-contact-poll} starts
     * @param intervalMs       time between polls (the route's Quartz trigger)
     * @param connectionId     the HighLevel connection polled (its location id is taken from it)
     * @param overlap          every poll re-reads changes this far before the cursor: HighLevel's search is an
     *                         index that can show a change some time after its {@code dateUpdated}
     * @param pageLimit        contacts per search request (HighLevel allows 1-500)
     * @param maxPagesPerPoll  pages one poll reads at most; a larger backlog continues in the next poll from
     *                         the exact cursor, so even a burst that does not fit in one poll is never re-read
     *                         endlessly
     * @param initialLookback  where the very first poll of a connection starts: this long before now. 0 means
     *                         "changes from now on"; contacts that already exist are the backfill's job
     * @param requestShare     share of the connection's rate budget this poller may use
     */
    public record HighLevel(Boolean enabled, Long intervalMs, String connectionId, Duration overlap, Integer pageLimit,
                            Integer maxPagesPerPoll, Duration initialLookback, Double requestShare) {

        public static final int MAX_PAGE_LIMIT = 500;

        public HighLevel {
            enabled = enabled == null || enabled;
            intervalMs = intervalMs == null ? 60_000L : intervalMs;
            connectionId = connectionId == null || connectionId.isBlank() ? "highlevel" : connectionId.trim();
            overlap = overlap == null ? Duration.ofMinutes(2) : overlap;
            pageLimit = pageLimit == null ? 100 : pageLimit;
            maxPagesPerPoll = maxPagesPerPoll == null ? 100 : maxPagesPerPoll;
            initialLookback = initialLookback == null ? Duration.ZERO : initialLookback;
            requestShare = requestShare == null ? 0.5 : requestShare;
            if (intervalMs < 1) {
                throw new IllegalArgumentException("bridge.capture.highlevel.interval-ms must be at least 1");
            }
            if (overlap.isNegative() || initialLookback.isNegative()) {
                throw new IllegalArgumentException("bridge.capture.highlevel.overlap and initial-lookback must not be negative");
            }
            if (pageLimit < 1 || pageLimit > MAX_PAGE_LIMIT) {
                throw new IllegalArgumentException("bridge.capture.highlevel.page-limit must be 1-" + MAX_PAGE_LIMIT
                        + " (HighLevel's limit), got " + pageLimit);
            }
            if (maxPagesPerPoll < 1) {
                throw new IllegalArgumentException("bridge.capture.highlevel.max-pages-per-poll must be at least 1");
            }
            requireShare("bridge.capture.highlevel.request-share", requestShare);
        }

        public static HighLevel defaults() {
            return new HighLevel(null, null, null, null, null, null, null, null);
        }
    }

    /**
     * {@code bridge.capture.birdsend.*}: change detection on BirdSend by comparing pages with stored hashes.
     *
     * @param enabled                  whether the routes {@code birdsend-contact-poll-quick} and
     *                                 {@code birdsend-contact-poll-rolling} start
     * @param quickIntervalMs          time between quick scans (newest contacts first, stops early)
     * @param rollingIntervalMs        how soon the rolling scan's route runs again after a run (a slice) ended
     * @param rollingSlice             how long one run of the rolling scan reads pages before it returns (it
     *                                 returns sooner when a quick scan waits, or its pass is complete); the pass
     *                                 continues in the next run from the stored position
     * @param minPassInterval          a pass of the rolling scan starts at least this long after the previous one
     *                                 started: a small account is not read over and over for nothing
     * @param connectionId             the BirdSend connection polled
     * @param perPage                  contacts per list request (100 is known to work)
     * @param quickOrderBy             the column quick scans sort by, descending: {@code auto} (updated_at when a
     *                                 probe finds that the account's list sorts by it, else contact_id),
     *                                 {@code contact_id} (new contacts first; relies only on ids growing),
     *                                 {@code created_at}, or {@code updated_at} (trusted without a probe)
     * @param orderProbeInterval       how often {@code auto} checks again whether the account sorts by updated_at
     * @param quickMaxPages            pages a quick scan reads at most
     * @param requestShare             share of the connection's rate budget (5/s) all the poller's requests (quick
     *                                 scans, the rolling scan, deletion checks) use together, evenly spaced, so the
     *                                 sync layer keeps the rest
     * @param emitExistingOnFirstScan  whether the first pass of a connection reports every existing contact as
     *                                 ContactCreated. Off by default: existing contacts are the backfill's job
     *                                 (it matches both sides by email in bulk); thousands of "created" events would
     *                                 instead make the sync treat each as new, one by one
     * @param maxDeletionChecks        a contact missing from a pass is looked up before it is reported deleted
     *                                 (paging shifts when contacts are deleted during the pass); at most this many
     *                                 per pass, the rest wait for the next pass
     */
    public record BirdSend(Boolean enabled, Long quickIntervalMs, Long rollingIntervalMs, Duration rollingSlice,
                           Duration minPassInterval, String connectionId, Integer perPage, String quickOrderBy,
                           Duration orderProbeInterval, Integer quickMaxPages, Double requestShare,
                           Boolean emitExistingOnFirstScan, Integer maxDeletionChecks) {

        public static final String AUTO = "auto";
        public static final Set<String> QUICK_ORDERS = Set.of(AUTO, "contact_id", "created_at", "updated_at");

        public BirdSend {
            enabled = enabled == null || enabled;
            quickIntervalMs = quickIntervalMs == null ? 30_000L : quickIntervalMs;
            rollingIntervalMs = rollingIntervalMs == null ? 1_000L : rollingIntervalMs;
            rollingSlice = positive(rollingSlice, Duration.ofSeconds(10), "birdsend.rolling-slice");
            minPassInterval = minPassInterval == null ? Duration.ofSeconds(10) : minPassInterval;
            connectionId = connectionId == null || connectionId.isBlank() ? "birdsend" : connectionId.trim();
            perPage = perPage == null ? 100 : perPage;
            quickOrderBy = quickOrderBy == null || quickOrderBy.isBlank() ? AUTO : quickOrderBy.trim();
            orderProbeInterval = positive(orderProbeInterval, Duration.ofHours(1), "birdsend.order-probe-interval");
            quickMaxPages = quickMaxPages == null ? 5 : quickMaxPages;
            requestShare = requestShare == null ? 0.5 : requestShare;
            emitExistingOnFirstScan = emitExistingOnFirstScan != null && emitExistingOnFirstScan;
            maxDeletionChecks = maxDeletionChecks == null ? 500 : maxDeletionChecks;
            if (quickIntervalMs < 1 || rollingIntervalMs < 1) {
                throw new IllegalArgumentException("bridge.capture.birdsend.quick-interval-ms and rolling-interval-ms must be at least 1");
            }
            if (minPassInterval.isNegative()) {
                throw new IllegalArgumentException("bridge.capture.birdsend.min-pass-interval must not be negative");
            }
            if (perPage < 1) {
                throw new IllegalArgumentException("bridge.capture.birdsend.per-page must be at least 1");
            }
            if (!QUICK_ORDERS.contains(quickOrderBy)) {
                throw new IllegalArgumentException("bridge.capture.birdsend.quick-order-by must be auto, contact_id, created_at or "
                        + "updated_at, got " + quickOrderBy);
            }
            if (quickMaxPages < 1) {
                throw new IllegalArgumentException("bridge.capture.birdsend.quick-max-pages must be at least 1");
            }
            if (maxDeletionChecks < 0) {
                throw new IllegalArgumentException("bridge.capture.birdsend.max-deletion-checks must not be negative");
            }
            requireShare("bridge.capture.birdsend.request-share", requestShare);
        }

        public static BirdSend defaults() {
            return new BirdSend(null, null, null, null, null, null, null, null, null, null, null, null, null);
        }
    }

    private static void requireShare(String name, double share) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException(name + " must be above 0 and at most 1, got " + share);
        }
    }

    private static Duration positive(Duration value, Duration fallback, String name) {
        if (value == null) {
            return fallback;
        }
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException("bridge.capture." + name + " must be positive, got " + value);
        }
        return value;
    }
}
