package io.contactsbridge.reports;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Where the bridge counts what the reports show. A count is added in memory (one map merge, no I/O, so it is safe on
 * the sync's hot path) and written to {@link ReportStore} in one batch every {@code bridge.reports.flush-interval} and
 * on shutdown; counts of a flush the store refused are kept for the next one. Counts are per UTC hour of when they
 * were recorded. A crash loses at most the last interval's counts: reports are figures, not a ledger.
 *
 * <p>Scopes: {@link #pairScope} for the sync's figures and automations, {@link #budgetScope} for API calls. Other
 * parts of the bridge (automations: {@link #automationFired}) call this bean; nothing here calls them.
 */
@Component
public class ReportCounters {

    private static final Logger LOG = LoggerFactory.getLogger(ReportCounters.class);

    /** Written to the side named last: a contact created, changed, deleted, unsubscribed, or a write that failed. */
    public static final String HIGHLEVEL_TO_BIRDSEND = "highlevel-to-birdsend";
    public static final String BIRDSEND_TO_HIGHLEVEL = "birdsend-to-highlevel";

    public static final String CREATED = "sync.created";
    public static final String UPDATED = "sync.updated";
    public static final String DELETED = "sync.deleted";
    public static final String FAILED = "sync.failed";
    /** Every case's outcome, by action (unchanged, linked, created_birdsend, updated, unlinked, skipped...). */
    public static final String OUTCOMES = "sync.outcomes";
    public static final String UNSUBSCRIBES = "unsubscribes";
    /** Tags the bridge added to / removed from contacts, by side written. */
    public static final String TAGS_ADDED = "tags.added";
    public static final String TAGS_REMOVED = "tags.removed";
    public static final String AUTOMATION_FIRED = "automation.fired";
    /** Requests sent against a connection's rate budget, by HTTP outcome (2xx, 4xx, 401, 429, 5xx, io-error). */
    public static final String API_CALLS = "api.calls";

    private final ReportStore store;
    private final Clock clock;
    private final Duration retention;
    private final Map<ReportStore.Key, Long> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher;
    private volatile boolean storeFailing;
    private volatile Instant retentionDoneAt = Instant.MIN;

    /** Counter of automation firings by automation (the reports count them too, by hour). */
    public static final String AUTOMATION_FIRINGS_METER = "bridge.automation.firings";

    /** Null in unit tests that count for the store only. */
    private final MeterRegistry registry;

    public ReportCounters(ReportStore store, Clock clock, Duration flushInterval, Duration retention) {
        this(store, clock, flushInterval, retention, null);
    }

    @Autowired
    public ReportCounters(ReportStore store, Clock clock,
                          @Value("${bridge.reports.flush-interval:5s}") Duration flushInterval,
                          @Value("${bridge.reports.retention:400d}") Duration retention, MeterRegistry registry) {
        this.registry = registry;
        if (flushInterval.isNegative() || flushInterval.isZero()) {
            throw new IllegalArgumentException("bridge.reports.flush-interval must be positive; got " + flushInterval);
        }
        if (retention.compareTo(Duration.ofDays(1)) < 0) {
            throw new IllegalArgumentException("bridge.reports.retention must be at least 1d; got " + retention);
        }
        this.store = store;
        this.clock = clock;
        this.retention = retention;
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "report-counters");
            t.setDaemon(true);
            return t;
        });
        long millis = flushInterval.toMillis();
        flusher.scheduleWithFixedDelay(this::flushQuietly, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** The scope of a connection pair's figures. */
    public static String pairScope(String highlevelConnection, String birdsendConnection) {
        return "pair:" + highlevelConnection + "|" + birdsendConnection;
    }

    /** The scope of the API calls made against one connection's rate budget ({@code service}: highlevel, birdsend). */
    public static String budgetScope(String service, String connection) {
        return "budget:" + service + ":" + connection;
    }

    /** Adds {@code n} (at least 1) to the count of this hour. */
    public void add(String scope, String metric, String dimension, long n) {
        if (n <= 0 || scope == null || metric == null) {
            return;
        }
        Instant hour = clock.instant().truncatedTo(ChronoUnit.HOURS);
        pending.merge(new ReportStore.Key(scope, hour, metric, dimension == null ? "" : dimension), n, Long::sum);
    }

    /**
     * The hook for automations: one firing of automation {@code automationId} for the pair (counted as
     * {@value #AUTOMATION_FIRED}, dimension the automation's id). Call it once per firing, after the automation acted.
     */
    public void automationFired(String highlevelConnection, String birdsendConnection, String automationId) {
        add(pairScope(highlevelConnection, birdsendConnection), AUTOMATION_FIRED, automationId, 1);
        if (registry != null) {
            Counter.builder(AUTOMATION_FIRINGS_METER).description("Automation firings (effects done), by automation")
                    // Its pair's by the HighLevel connection (io.contactsbridge.sync.PairMeterTags).
                    .tag("automation", automationId).tag("connection", highlevelConnection == null ? "none" : highlevelConnection)
                    .register(registry).increment();
        }
    }

    /** Writes what was counted so far (also deletes buckets past retention, at most once an hour). */
    public synchronized void flush() {
        Map<ReportStore.Key, Long> batch = new HashMap<>();
        for (ReportStore.Key key : pending.keySet()) {
            Long n = pending.remove(key);
            if (n != null) {
                batch.put(key, n);
            }
        }
        try {
            store.add(batch);
        } catch (RuntimeException e) {
            batch.forEach((k, n) -> pending.merge(k, n, Long::sum));
            throw e;
        }
        Instant now = clock.instant();
        if (retentionDoneAt.isBefore(now.minus(Duration.ofHours(1)))) {
            retentionDoneAt = now;
            int deleted = store.deleteBefore(now.minus(retention).truncatedTo(ChronoUnit.HOURS));
            if (deleted > 0) {
                LOG.info("Deleted {} report buckets older than bridge.reports.retention ({})", deleted, retention);
            }
        }
    }

    private void flushQuietly() {
        try {
            flush();
            if (storeFailing) {
                storeFailing = false;
                LOG.info("Report counts are written to the store again");
            }
        } catch (RuntimeException e) {
            if (!storeFailing) {
                storeFailing = true;
                LOG.warn("Cannot write report counts to the store ({}); they are kept and written once it answers",
                        e.getMessage());
            }
        }
    }

    @PreDestroy
    void stop() {
        flusher.shutdown();
        try {
            flusher.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flushQuietly();
    }
}
