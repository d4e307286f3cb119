package io.contactsbridge.sync;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.journal.ContactKeys;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.mapping.CanonicalContact;
import io.contactsbridge.mapping.ContactMapping;
import io.contactsbridge.mapping.HighLevelFieldKeys;
import io.contactsbridge.mapping.Side;
import io.contactsbridge.ops.BridgeProperties;
import io.contactsbridge.ops.ShutdownSignal;
import io.contactsbridge.ops.ShuttingDownException;
import io.contactsbridge.outbound.CallerShare;
import io.contactsbridge.outbound.DeadLetter;
import io.contactsbridge.outbound.DeadLetterStore;
import io.contactsbridge.outbound.OutboundClient;
import io.contactsbridge.outbound.UpstreamApiException;
import io.contactsbridge.outbound.UpstreamRejectedException;
import io.contactsbridge.outbound.contacts.HighLevelContactApi;
import io.contactsbridge.outbound.contacts.BirdSendContactApi;
import io.contactsbridge.outbound.contacts.ContactSetupException;
import io.contactsbridge.sync.BackfillListingStore.Item;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The initial full sync: reads every contact of both sides (a few hundred per request), pairs them (existing
 * link, then normalised email, then E.164 phone), and reconciles each pair with {@link ContactSync#reconcile}:
 * linking, creating what one side lacks and writing what differs. A pair whose listed contacts both hold what its
 * link last agreed on costs nothing; the others are read again in the person's turn and cost at most one write per side.
 *
 * <p>Memory stays flat whatever the account's size: the listed pages go straight into the store
 * ({@link BackfillListingStore}, keeping per contact its id, mapped email and phone, mapped values and update time),
 * the database pairs them, and the work is read back a page at a time ({@code work-page-size}), with only the
 * workers' window of items in hand.
 *
 * <p>Work items are processed in a fixed order by {@code bridge.sync.backfill.workers} threads, so the rate budgets
 * stay busy while calls are in flight. The order is a stable hash of the item's key ({@link #orderKey}): it shuffles
 * the kinds of work (a BirdSend-only person costs HighLevel calls, a HighLevel-only one BirdSend calls), so both
 * services are used at once instead of one after the other, and the service whose limit binds is kept busy for
 * the whole run. The checkpoint is the order key of the last item of the completed prefix; a run stopped by a restart or a crash is
 * resumed from it (reconciling is idempotent, so an item redone after a crash finds its work already done).
 * A dry run lists and pairs the same way and counts what it would create, link and update without writing
 * anything but its listing rows (not even its progress; the rows go when it ends).
 *
 * <p>The backfill does not retry. Each call has had the outbound layer's retries; an item that still fails for a
 * reason that is not its own (a service down, its circuit breaker open, a rate limit that would not pass) is handed to
 * the live sync: one journal event (source {@value JournalSources#BACKFILL}, type {@value #HANDED_OVER}, keyed by
 * the item's BirdSend contact, else its HighLevel contact), which the route {@code contact-sync} handles like any
 * change of that contact, in the contact's order, retried with the journal's back-off ({@code bridge.journal.retry-*})
 * until it goes through. The item counts as {@code deferred} and the run goes on with the next one, so a service
 * outage during a run loses nothing and does not stop the run: every remaining item then fails after the outbound
 * retries (or at once, while the breaker is open) and is handed over, a few per second; the run ends as done and
 * the journal syncs them when the service is back (on a large account they can be more than
 * {@code bridge.inbound.max-pending}: webhooks are then answered 429 until the sync has caught up, and HighLevel sends
 * them again). A write the service refused (a 4xx) is the item's own problem:
 * it is a dead letter, as in the live sync. An item cut short by the shutdown stays ahead of the checkpoint and is
 * done after the restart. A {@link LinkChangedException} (the live sync linked the person meanwhile) is an expected
 * race: the item is done again at once, up to {@value #LINK_RACE_ATTEMPTS} times, then handed over too.
 *
 * <p>Progress (percent, contacts per second, ETA) is logged every {@code progress-interval}, kept for
 * {@code /api/status} and {@code GET /api/backfill}, and published as gauges {@value #PROGRESS_METRIC} (0-1),
 * {@code bridge.backfill.processed}, {@code bridge.backfill.total}, {@code bridge.backfill.rate} and
 * {@code bridge.backfill.eta.seconds}.
 */
@Component("backfill")
public class Backfill {

    private static final Logger LOG = LoggerFactory.getLogger(Backfill.class);
    public static final String PROGRESS_METRIC = "bridge.backfill.progress";
    /** How often an item is done again at once after a {@link LinkChangedException} before it is handed over. */
    static final int LINK_RACE_ATTEMPTS = 5;
    /** The event type of an item handed to the live sync. */
    public static final String HANDED_OVER = "ContactChanged";
    private static final int EXPLAINED = 20;
    /** Items in hand per worker (queued or in flight): enough that no worker waits for the next page from the store. */
    static final int ITEMS_PER_WORKER = 4;
    /** The progress count of items handed to the live sync. */
    static final String DEFERRED = "deferred";

    private final SyncProperties props;
    private final ContactSync sync;
    /** The pair's mapping as the current run began: a pair added again with another mapping runs by that one. */
    private volatile ContactMapping mapping;
    private final LinkStore links;
    private final BackfillStore store;
    private final BackfillListingStore listings;
    private final HighLevelContactApi highlevel;
    private final BirdSendContactApi birdsend;
    private final DeadLetterStore deadLetters;
    private final MappingCheck mappingCheck;
    private final ContactTurns turns;
    private final JournalStore journal;
    private final ObjectMapper json;
    private final Clock clock;
    private final String owner;
    private final MeterRegistry registry;
    private final BridgeProperties bridge;
    private final ShutdownSignal shutdown;
    /** The pair this backfill syncs, its id, and how logs name it ("" with one pair). */
    private final SyncPair pair;
    private final String pairId;
    private final String whose;
    /** The start-up backfill was started, found done or not wanted: later calls of {@link #startOnStartup} do nothing. */
    private volatile boolean startupDecided;
    private volatile boolean heldReported;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean stopping = new AtomicBoolean();
    /** The phase of a run waiting for one of the slots other pairs' runs hold. */
    public static final String QUEUED_PHASE = "queued: other pairs' backfills are running (bridge.sync.backfill.concurrent-pairs)";

    /**
     * The runs of all pairs that may work at once ({@code bridge.sync.backfill.concurrent-pairs}), shared by every
     * pair's backfill: each run has {@code workers} threads on the store and the services, and two hundred pairs
     * starting together would wait on the store's connections until the store gave up.
     */
    private final Semaphore runSlots;
    private volatile Progress current;
    private volatile Thread coordinator;

    @Autowired
    public Backfill(SyncProperties props, ContactSync sync, LinkStore links, BackfillStore store, BackfillListingStore listings,
                    HighLevelContactApi highlevel,
                    BirdSendContactApi birdsend, DeadLetterStore deadLetters, MappingCheck mappingCheck, ContactTurns turns,
                    JournalStore journal, ObjectMapper json, Clock clock, BridgeProperties bridge, MeterRegistry registry,
                    ShutdownSignal shutdown, SyncPairs pairs) {
        this(props, sync, links, store, listings, highlevel, birdsend, deadLetters, mappingCheck, turns, journal, json, clock,
                bridge, registry, shutdown, pairs.configured().keySet().iterator().next(),
                pairs.configured().values().iterator().next(), pairs.configured().size() > 1,
                new Semaphore(props.backfill().concurrentPairs(), true));
    }

    private Backfill(SyncProperties props, ContactSync sync, LinkStore links, BackfillStore store,
                     BackfillListingStore listings, HighLevelContactApi highlevel, BirdSendContactApi birdsend,
                     DeadLetterStore deadLetters, MappingCheck mappingCheck, ContactTurns turns, JournalStore journal,
                     ObjectMapper json, Clock clock, BridgeProperties bridge, MeterRegistry registry, ShutdownSignal shutdown,
                     String pairId, SyncPair pair, boolean several, Semaphore runSlots) {
        this.runSlots = runSlots;
        this.props = props;
        this.registry = registry;
        this.shutdown = shutdown;
        this.bridge = bridge;
        this.pairId = pairId;
        this.pair = pair;
        this.whose = several ? " of pair " + pairId : "";
        // The application is stopping: the run ends after the contacts in flight, resumable from its checkpoint.
        shutdown.onStopping(() -> stopping.set(true));
        this.sync = sync;
        this.mapping = sync.mapping(pair);
        this.links = links;
        this.store = store;
        this.listings = listings;
        this.highlevel = highlevel;
        this.birdsend = birdsend;
        this.deadLetters = deadLetters;
        this.mappingCheck = mappingCheck;
        this.turns = turns;
        this.journal = journal;
        this.json = json;
        this.clock = clock;
        String instance = bridge.instance() == null || bridge.instance().id() == null ? "bridge" : bridge.instance().id();
        this.owner = instance + "/" + UUID.randomUUID().toString().substring(0, 8);
        // Tagged with the pair's id, like the other metrics of a pair (PairMeterTags).
        String tag = pairId;
        Gauge.builder(PROGRESS_METRIC, this, b -> b.snapshot().fraction()).tag(PairMeterTags.TAG, tag).description("Backfill progress, 0 to 1").register(registry);
        Gauge.builder("bridge.backfill.processed", this, b -> b.snapshot().processed()).tag(PairMeterTags.TAG, tag).register(registry);
        Gauge.builder("bridge.backfill.total", this, b -> b.snapshot().total()).tag(PairMeterTags.TAG, tag).register(registry);
        Gauge.builder("bridge.backfill.rate", this, b -> b.snapshot().rate()).tag(PairMeterTags.TAG, tag).description("Contacts per second").register(registry);
        Gauge.builder("bridge.backfill.eta.seconds", this, b -> {
            Double eta = b.snapshot().etaSeconds();
            return eta == null ? Double.NaN : eta;
        }).tag(PairMeterTags.TAG, tag).register(registry);
    }

    /** The backfill of another pair, with the same collaborators (see {@link Backfills}). */
    Backfill forPair(String id, SyncPair other) {
        return new Backfill(props, sync, links, store, listings, highlevel, birdsend, deadLetters, mappingCheck, turns, journal,
                json, clock, bridge, registry, shutdown, id, other, true, runSlots);
    }

    public String pairId() {
        return pairId;
    }

    public SyncPair pair() {
        return pair;
    }

    /**
     * The start-up option, called by the route {@code backfill-on-startup} (routes/backfill.yaml) when
     * {@code bridge.sync.backfill.on-startup} is true, until it has decided: resumes an unfinished run, and does not
     * repeat a finished one. A run whose lease another process holds is waited for: a replica running it finishes it,
     * and the run of a process that died with it (SIGKILL, out of memory, a lost node) is resumed here once its lease
     * runs out ({@code bridge.sync.backfill.lease-duration}), instead of staying unfinished until someone starts it.
     */
    public void startOnStartup() {
        if (startupDecided) {
            return;
        }
        if (!props.enabled()) {
            LOG.info("Start-up backfill skipped: the sync is disabled (bridge.sync.enabled=false)");
            startupDecided = true;
            return;
        }
        boolean dryRun = props.backfill().dryRunOnStartup();
        Optional<BackfillStore.Row> last = store.find(pair);
        if (!dryRun && last.isPresent() && "done".equals(last.get().state()) && !last.get().dryRun()) {
            LOG.info("Backfill{} already done ({}); not repeated at start-up. POST /api/backfill runs it again.", whose,
                    last.get().finishedAt());
            startupDecided = true;
            return;
        }
        if (running.get() || start(dryRun, false).isPresent()) {
            startupDecided = true;
            return;
        }
        Optional<BackfillStore.Row> held = store.find(pair);
        if (held.isEmpty() || !"running".equals(held.get().state()) || held.get().leaseUntil() == null
                || !held.get().leaseUntil().isAfter(clock.instant())) {
            // Not held after all (it changed meanwhile): the next call decides again.
            return;
        }
        if (!heldReported) {
            heldReported = true;
            LOG.info("Start-up backfill waits: run {} is held by {} until {} (a replica running it, or a process that "
                    + "stopped without handing it back); it is resumed here if it is not done by then",
                    held.get().runId(), held.get().leaseOwner(), held.get().leaseUntil());
        }
    }

    /**
     * Starts a run in the background. A real run resumes the last one if it did not finish (unless
     * {@code restart}). Returns the progress, or empty when a run is already going.
     */
    public synchronized Optional<BackfillProgress> start(boolean dryRun, boolean restart) {
        if (!running.compareAndSet(false, true)) {
            return Optional.empty();
        }
        Optional<BackfillStore.Row> last = dryRun ? Optional.empty() : store.find(pair);
        boolean resume = !restart && last.isPresent() && !"done".equals(last.get().state()) && !last.get().dryRun();
        String runId = resume ? last.get().runId() : UUID.randomUUID().toString();
        // A replica that died while running it holds the lease until it expires (then this succeeds).
        if (!dryRun && !store.claim(pair, runId, false, resume, owner, props.backfill().leaseDuration())) {
            running.set(false);
            return Optional.empty();
        }
        Progress progress = new Progress(runId, dryRun, clock.instant(), resume ? last.get().checkpoint() : null);
        if (resume) {
            last.get().counts().forEach((k, v) -> progress.counts.computeIfAbsent(k, x -> new LongAdder()).add(v));
        }
        current = progress;
        mapping = sync.mapping(pair);
        Thread t = new Thread(() -> run(progress), whose.isEmpty() ? "backfill" : "backfill-" + pairId);
        t.setDaemon(true);
        coordinator = t;
        t.start();
        LOG.info("Backfill {}{} {}{}", runId, whose, dryRun ? "(dry run) " : "", resume ? "resumed from checkpoint " + progress.resumeAfter : "started");
        return Optional.of(progress.snapshot());
    }

    /** The current or last run's progress. */
    public BackfillProgress snapshot() {
        Progress p = current;
        if (p != null) {
            return p.snapshot();
        }
        return store.find(pair).map(BackfillProgress::of).orElse(BackfillProgress.NEVER);
    }

    /** Stops the running backfill after the items in flight; it ends as interrupted and can be resumed. */
    public boolean cancel() {
        Progress p = current;
        if (p == null || !running.get()) {
            return false;
        }
        p.cancelled = true;
        LOG.info("Backfill {} cancelled; it stops after the contacts in flight and can be resumed", p.runId);
        return true;
    }

    public boolean isRunning() {
        return running.get();
    }

    /** Waits for the running backfill to end (tests, benchmarks, the shutdown). */
    public boolean await(Duration timeout) throws InterruptedException {
        Thread t = coordinator;
        if (t != null) {
            t.join(timeout.toMillis());
        }
        return !running.get();
    }

    @PreDestroy
    void stop() throws InterruptedException {
        stopping.set(true);
        Thread t = coordinator;
        if (t != null) {
            t.join(10_000);
        }
    }

    // ---- the run ---------------------------------------------------------------------------------

    /**
     * The order of a work item: eight hex digits of the CRC-32 of its key, then the key (unique, so the order is
     * total). The same in every run and every version, so a checkpoint stays valid across restarts.
     */
    static String orderKey(String key) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return String.format("%08x|%s", crc.getValue(), key);
    }

    /**
     * Ends the run's workers without interrupting them: an interrupt that reaches a thread inside the H2 store closes
     * the whole database (its file channel), for every pair, the journal and the intake. The items not started are
     * dropped (the next run resumes from the checkpoint); those in hand finish, each bounded by its calls' timeouts.
     */
    private static void stopWorkers(ExecutorService workers) {
        if (workers instanceof java.util.concurrent.ThreadPoolExecutor pool) {
            pool.getQueue().clear();
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(2, java.util.concurrent.TimeUnit.MINUTES)) {
                LOG.warn("Backfill workers still busy two minutes after their run ended; they finish on their own");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run(Progress p) {
        int workerCount = props.backfill().workers();
        ExecutorService workers = Executors.newFixedThreadPool(workerCount, r -> {
            Thread t = new Thread(r, "backfill-worker");
            t.setDaemon(true);
            return t;
        });
        String state = "done";
        String error = null;
        boolean listed = false;
        boolean slot = false;
        try {
            // Other pairs' runs hold every slot: wait for one in a visible phase (the run stays stoppable).
            slot = runSlots.tryAcquire();
            if (!slot) {
                p.phase = QUEUED_PHASE;
                LOG.info("Backfill {}{} queued: {} pairs' backfills work at once (bridge.sync.backfill.concurrent-pairs)",
                        p.runId, whose, props.backfill().concurrentPairs());
            }
            Instant renewAt = clock.instant().plus(props.backfill().progressInterval());
            while (!slot) {
                if (stopping.get() || p.cancelled) {
                    state = "interrupted";
                    return;
                }
                if (!clock.instant().isBefore(renewAt)) {
                    // Still this process's run: the lease is renewed while it waits, as at every progress report.
                    renewAt = clock.instant().plus(props.backfill().progressInterval());
                    if (!p.dryRun && !store.progress(pair, owner, p.total, p.processed.get(), p.checkpoint, p.countsMap(),
                            props.backfill().leaseDuration())) {
                        state = "failed";
                        error = "another replica took over the backfill";
                        return;
                    }
                }
                slot = runSlots.tryAcquire(1, java.util.concurrent.TimeUnit.SECONDS);
            }
            // A mapping that does not fit the accounts waits in a visible phase, re-checked every bridge.sync.mapping-recheck.
            if (!mappingCheck.awaitUsable(pair, () -> stopping.get() || p.cancelled, misfit -> p.phase = MappingCheck.WAITING_PHASE)) {
                state = "interrupted";
                return;
            }
            p.phase = "listing";
            p.journalMark = journal.head();
            listings.clear(pair, p.runId, p.dryRun);
            listed = true;
            // Page by page into the store: the listings are never held in memory, only the page in hand.
            HighLevelFieldKeys keys = highlevel.fieldKeys(pair.highlevelConnection());
            long[] seq = {0, 0};
            p.listRequests.add(highlevel.forEachPage(pair.highlevelConnection(), props.backfill().highlevelPageSize(),
                    page -> seq[0] += listings.add(pair, p.runId, p.dryRun, Side.HIGHLEVEL, unlessStopping(page).stream()
                            .map(c -> listedHighLevel(c, keys)).toList(), seq[0])));
            p.listRequests.add(birdsend.forEachPage(pair.birdsendConnection(), props.backfill().birdsendPageSize(),
                    page -> seq[1] += listings.add(pair, p.runId, p.dryRun, Side.BIRDSEND, unlessStopping(page).stream()
                            .map(this::listedBirdSend).toList(), seq[1])));
            p.phase = "pairing";
            listings.pair(pair, p.runId);
            p.total = listings.countItems(p.runId);
            if (p.resumeAfter != null) {
                p.processed.addAndGet(listings.countItemsUpTo(p.runId, p.resumeAfter));
            }
            p.phase = "syncing";
            p.startedProcessing = clock.instant();
            p.processedAtStart = p.processed.get();
            work(p, workers, workerCount);
            if (p.failure != null) {
                throw new java.util.concurrent.ExecutionException(p.failure);
            }
            if (p.abort != null) {
                state = "failed";
                error = p.abort;
            } else if (stopping.get() || p.cancelled) {
                state = "interrupted";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            state = "interrupted";
        } catch (RuntimeException | java.util.concurrent.ExecutionException e) {
            if (stopping.get()) {
                // Cut short by the shutdown (while listing, say): nothing failed, the next start resumes.
                state = "interrupted";
            } else {
                state = "failed";
                error = e.getMessage();
                // Expected trouble (a service down, the mapping) reads as one line; anything else keeps its trace.
                if (e instanceof UpstreamApiException || e instanceof ContactSetupException) {
                    LOG.error("Backfill {} failed: {}", p.runId, e.getMessage());
                } else {
                    LOG.error("Backfill {} failed: {}", p.runId, e.getMessage(), e);
                }
            }
        } finally {
            stopWorkers(workers);
            if (slot) {
                runSlots.release();
            }
            p.finishedAt = clock.instant();
            try {
                if (!p.dryRun) {
                    store.finish(pair, owner, state, p.total, p.processed.get(), p.checkpoint, p.countsMap(), error);
                }
            } catch (RuntimeException e) {
                LOG.warn("Backfill {} {} but could not store it ({}); the next run resumes from the last stored checkpoint "
                        + "once its lease expires", p.runId, state, e.getMessage());
            } finally {
                // Shown as ended only once stored, so whoever sees the end finds it in the store too.
                p.error = error;
                p.state = state;
                LOG.info("Backfill {}{} {}: {}", p.runId, whose, state, p.describe());
                long deferred = p.countsMap().getOrDefault(DEFERRED, 0L);
                if (deferred > 0) {
                    LOG.warn("Backfill {}: {} contact(s) failed for a reason not their own (a service down, its circuit open)"
                            + " and were handed to the live sync, which retries them with back-off (bridge.journal.retry-*);"
                            + " journal.pending in /api/status shows them until they are done", p.runId, deferred);
                }
                running.set(false);
            }
            if (listed) {
                // After the end is stored and shown: deleting 100,000s of rows takes a while, and the run's end (and
                // a rate measured up to it) should not wait for it. A resumed run lists again, so the rows are of no
                // further use; a run started meanwhile clears them too.
                try {
                    listings.delete(p.runId);
                } catch (RuntimeException e) {
                    LOG.warn("Backfill {}: could not delete its listing rows ({}); the next run of the pair does", p.runId,
                            e.getMessage());
                }
            }
        }
    }

    /**
     * Works through the paired items after the checkpoint, in order, reading them from the store a page at a time.
     * At most {@code workers} x {@value #ITEMS_PER_WORKER} items are in hand (queued or in flight), so memory stays
     * flat however many there are; only work that is really done moves the checkpoint.
     */
    private void work(Progress p, ExecutorService workers, int workerCount) throws InterruptedException {
        int window = workerCount * ITEMS_PER_WORKER;
        Semaphore slots = new Semaphore(window);
        Checkpoints checkpoints = new Checkpoints(p.resumeAfter);
        String after = p.resumeAfter;
        Instant[] nextReport = {clock.instant().plus(props.backfill().progressInterval())};
        paging:
        while (!halted(p)) {
            List<Item> page = listings.items(p.runId, after, props.backfill().workPageSize());
            if (page.isEmpty()) {
                break;
            }
            for (Item item : page) {
                while (!slots.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                    reportWhenDue(p, checkpoints, nextReport);
                }
                if (halted(p)) {
                    slots.release();
                    break paging;
                }
                long ticket = checkpoints.submitted(item.order());
                workers.execute(() -> {
                    try {
                        if (!halted(p) && process(item, p)) {
                            p.processed.incrementAndGet();
                            checkpoints.done(ticket);
                        }
                    } catch (Throwable t) {
                        // Not a service's answer (process handles those): the run stops, resumable before this item.
                        if (p.failure == null) {
                            p.failure = t;
                        }
                    } finally {
                        slots.release();
                    }
                });
                reportWhenDue(p, checkpoints, nextReport);
            }
            after = page.get(page.size() - 1).order();
        }
        // The items in hand finish (or, when the run stops, return at once).
        while (!slots.tryAcquire(window, 200, TimeUnit.MILLISECONDS)) {
            reportWhenDue(p, checkpoints, nextReport);
        }
        p.checkpoint = checkpoints.checkpoint();
    }

    private boolean halted(Progress p) {
        return stopping.get() || p.cancelled || p.abort != null || p.failure != null;
    }

    private void reportWhenDue(Progress p, Checkpoints checkpoints, Instant[] nextReport) {
        if (!clock.instant().isBefore(nextReport[0])) {
            report(p, checkpoints.checkpoint());
            nextReport[0] = clock.instant().plus(props.backfill().progressInterval());
        }
    }

    /** A listed HighLevel contact as the store keeps it (mapped, with the email and phone pairing joins on). */
    private BackfillListingStore.Listed listedHighLevel(JsonNode c, HighLevelFieldKeys keys) {
        CanonicalContact mapped = mapping.readHighLevel(c, keys);
        return listed(c.path("id").asText(null), mapped, HighLevelContactApi.updatedAt(c));
    }

    private BackfillListingStore.Listed listedBirdSend(JsonNode c) {
        return listed(c.path("contact_id").asText(null), mapping.readBirdSend(c), BirdSendContactApi.updatedAt(c));
    }

    private BackfillListingStore.Listed listed(String id, CanonicalContact mapped, Instant updatedAt) {
        Object email = mapped.get(mapping.emailField());
        Object phone = mapping.phoneField().map(mapped::get).orElse(null);
        return new BackfillListingStore.Listed(id, (String) email, (String) phone, mapped, updatedAt);
    }

    private void report(Progress p, String checkpoint) {
        p.checkpoint = checkpoint;
        LOG.info("Backfill {}{}", p.dryRun ? "(dry run) " : "", p.describe());
        if (!p.dryRun && !store.progress(pair, owner, p.total, p.processed.get(), checkpoint, p.countsMap(), props.backfill().leaseDuration())) {
            p.abort = "another replica took over the backfill";
        }
    }

    /**
     * Reconciles one item; false when it could not be done (the shutdown or a cancel cut it short: it stays ahead of
     * the checkpoint and the resumed run does it).
     */
    private boolean process(Item item, Progress p) {
        if (item.skip() != null) {
            p.count("skipped");
            p.explain(item.key(), "SKIPPED", item.skip());
            return true;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                SyncOutcome outcome = p.dryRun ? dryRun(item) : OutboundClient.asCaller(requestShare(),
                        () -> turns.run(pair, turnKeys(item), () -> inTurn(item, p)));
                p.count(outcome.action().name().toLowerCase(java.util.Locale.ROOT));
                if (outcome.action() == SyncOutcome.Action.LINKED && outcome.writes() > 0) {
                    p.count("linked_with_changes");
                }
                if (outcome.detail() != null) {
                    p.explain(item.key(), outcome.action().name(), outcome.detail());
                }
                if (!outcome.conflicts().isEmpty()) {
                    p.count("conflicts");
                }
                return true;
            } catch (UpstreamRejectedException e) {
                p.count("failed");
                deadLetters.record(new DeadLetter(null, "backfill", e.operation(), e.connectionId(), item.key(), Map.of(),
                        e.getClass().getName(), e.getMessage(), clock.instant(), attempt));
                LOG.warn("Backfill: {} not synced: {}", item.key(), e.getMessage());
                return true;
            } catch (LinkChangedException e) {
                // An expected race with the live sync (it linked the person meanwhile), not a failure: the item is
                // done again at once, in a new turn, and finds the link. A race on every attempt hands it over.
                if (stopping.get() || p.cancelled) {
                    return false;
                }
                if (attempt >= LINK_RACE_ATTEMPTS) {
                    return handOver(item, p, e);
                }
                LOG.info("Backfill: {}: {}; syncing it again", item.key(), e.getMessage());
            } catch (RuntimeException e) {
                if (stopping.get() || e instanceof ShuttingDownException) {
                    // Not this item's fault: it stays ahead of the checkpoint and is done after the restart.
                    return false;
                }
                // Not a refusal: the service is failing, after the outbound layer's retries. The journal retries it.
                return handOver(item, p, e);
            }
        }
    }

    /**
     * Hands an item that failed for a reason not its own to the live sync: one journal event about its BirdSend
     * contact (else its HighLevel contact), which the route {@code contact-sync} handles as a change of that contact
     * and the journal retries with back-off until it goes through (see the class comment). The event id is the run's
     * and the item's, so an item handed over again after a restart is one event.
     */
    private boolean handOver(Item item, Progress p, RuntimeException failure) {
        if (p.dryRun) {
            throw failure; // a dry run makes no call, so this is not a service's failure
        }
        String contactKey = item.birdsend() != null ? ContactKeys.birdSend(item.birdsend().id())
                : ContactKeys.highLevel(item.highlevel().id());
        ObjectNode payload = json.createObjectNode();
        payload.put("birdsendId", item.birdsend() != null ? item.birdsend().id() : item.linkBirdsendId());
        payload.put("highlevelId", item.highlevel() != null ? item.highlevel().id() : item.linkHighlevelId());
        payload.put("backfillRun", p.runId);
        String error = String.valueOf(failure.getMessage());
        payload.put("error", error.length() > 300 ? error.substring(0, 300) + "..." : error);
        try {
            journal.append(JournalSources.BACKFILL, HANDED_OVER, p.runId + ":" + item.key(), contactKey, payload.toString(),
                    pair.birdsendConnection());
        } catch (RuntimeException e) {
            // The store is failing too: nothing can take the item over. It stays ahead of the checkpoint; the run stops.
            synchronized (p) {
                if (p.abort == null) {
                    p.abort = item.key() + ": " + error + "; could not hand it to the live sync either: " + e.getMessage();
                    LOG.warn("Backfill {}: {}; the run stops, resumable from its checkpoint", p.runId, p.abort);
                }
            }
            return false;
        }
        p.count(DEFERRED);
        p.handedOver(item.key(), error);
        return true;
    }

    /** A listed page, or {@link ShuttingDownException} when the application is stopping (listing ends there). */
    private List<JsonNode> unlessStopping(List<JsonNode> page) {
        if (stopping.get()) {
            throw new ShuttingDownException("listing the contacts for the backfill");
        }
        return page;
    }

    /** What a dry run reports for an item: the plan, from the listings, without a call or a write. */
    private SyncOutcome dryRun(Item item) {
        if (item.linkId() != null && (item.highlevel() == null || item.birdsend() == null)) {
            return SyncOutcome.unlinked(0);
        }
        return sync.plan(pair, item.link(), item.birdsend() == null ? null : item.birdsend().mapped(),
                item.birdsend() == null ? null : item.birdsend().updatedAt(),
                item.highlevel() == null ? null : item.highlevel().mapped(),
                item.highlevel() == null ? null : item.highlevel().updatedAt());
    }

    private static boolean hasEmail(Item item) {
        return (item.birdsend() != null && item.birdsend().email() != null)
                || (item.highlevel() != null && item.highlevel().email() != null);
    }

    /** The keys of the person an item is about: both contacts (listed or linked) and the email. */
    private static List<String> turnKeys(Item item) {
        List<String> keys = new ArrayList<>();
        if (item.birdsend() != null) {
            keys.add(ContactTurns.birdSend(item.birdsend().id()));
            if (item.birdsend().email() != null) {
                keys.add(ContactTurns.email(item.birdsend().email()));
            }
        }
        if (item.highlevel() != null) {
            keys.add(ContactTurns.highLevel(item.highlevel().id()));
            if (item.highlevel().email() != null) {
                keys.add(ContactTurns.email(item.highlevel().email()));
            }
        }
        if (item.linkId() != null) {
            keys.add(ContactTurns.birdSend(item.linkBirdsendId()));
            keys.add(ContactTurns.highLevel(item.linkHighlevelId()));
        }
        return keys;
    }

    /**
     * Reconciles an item in the person's turn. The listings only planned the work: the links are read again, and
     * before anything is written both contacts are read again too, so an edit made since the listing (by a person,
     * or by the live sync, which may have linked the contact meanwhile) is merged, never overwritten. A contact
     * missing from a listing is not taken for deleted: only the service answering that it is gone counts. One
     * exception: a BirdSend contact with no partner, unheard of since the listing, has its partner created from the
     * listed copy (nothing of a person's is overwritten by a create; a later edit is its own event).
     */
    private SyncOutcome inTurn(Item item, Progress p) {
        String bsId = item.birdsend() == null ? null : item.birdsend().id();
        String hlId = item.highlevel() == null ? null : item.highlevel().id();
        ContactLink byBs = bsId == null ? null : links.byBirdSend(pair, bsId).orElse(null);
        ContactLink byHl = hlId == null ? null : links.byHighLevel(pair, hlId).orElse(null);
        boolean planHolds = (byBs == null || hlId == null || byBs.highlevelId().equals(hlId))
                && (byHl == null || bsId == null || byHl.birdsendId().equals(bsId));
        if (!planHolds) {
            // Linked otherwise since the listing: the live sync's rules decide, on what the services hold now.
            SyncOutcome outcome = bsId != null ? sync.fromBirdSend(pair, bsId, null) : sync.fromHighLevel(pair, hlId, null);
            if (bsId != null && hlId != null && (byHl == null || !byHl.birdsendId().equals(bsId))) {
                sync.fromHighLevel(pair, hlId, null);
            }
            return outcome;
        }
        ContactLink link = byBs != null ? byBs : byHl;
        if (link != null && !link.isLive()) {
            return SyncOutcome.skipped("its " + link.unlinkedSide().key() + " partner was deleted"
                    + " (bridge.sync.deletes=unlink leaves it alone)");
        }
        if (link != null && item.birdsend() != null && item.highlevel() != null
                && sync.agrees(mapping, item.birdsend().mapped(), link, io.contactsbridge.mapping.Side.BIRDSEND)
                && sync.agrees(mapping, item.highlevel().mapped(), link, io.contactsbridge.mapping.Side.HIGHLEVEL)) {
            // Both listed copies hold what the two sides last agreed on: nothing to write, so nothing to read again.
            // An edit made since the listing is its own event, handled in its own turn.
            return SyncOutcome.unchanged();
        }
        if (link == null && !hasEmail(item)) {
            // Nothing to pair or create without an email (BirdSend requires one): no need to read it again. An email
            // added since the listing comes as the contact's own event.
            return SyncOutcome.skipped("no email on either side, which BirdSend requires");
        }
        if (link == null && hlId == null && !heardOfSinceListing(item.birdsend(), p)) {
            // BirdSend's listing copy is the contact as it is read (not so HighLevel's search copy, which lacks fields):
            // its partner is created from it, saving BirdSend (the backfill's binding service) a read per contact.
            return sync.createFromListing(pair, item.birdsend());
        }
        String bsRead = bsId != null ? bsId : link != null ? link.birdsendId() : null;
        String hlRead = hlId != null ? hlId : link != null ? link.highlevelId() : null;
        Optional<JsonNode> bsNow = bsRead == null ? Optional.empty() : birdsend.get(pair.birdsendConnection(), bsRead);
        if (bsRead != null && bsNow.isEmpty()) {
            return link != null ? sync.gone(pair, io.contactsbridge.mapping.Side.BIRDSEND, bsRead)
                    : SyncOutcome.skipped("BirdSend contact " + bsRead + " was deleted since the listing");
        }
        Optional<JsonNode> hlNow = hlRead == null ? Optional.empty() : highlevel.get(pair.highlevelConnection(), hlRead);
        if (hlRead != null && hlNow.isEmpty()) {
            return link != null ? sync.gone(pair, io.contactsbridge.mapping.Side.HIGHLEVEL, hlRead)
                    : SyncOutcome.skipped("HighLevel contact " + hlRead + " was deleted since the listing");
        }
        return sync.reconcile(pair, link, bsNow.orElse(null), hlNow.orElse(null), false);
    }

    /** The backfill's share of each service's budget (bridge.sync.backfill.request-share); null when it has none. */
    private CallerShare requestShare() {
        double share = props.backfill().requestShare();
        return share >= 1 ? null : new CallerShare("backfill", share);
    }

    /** Whether the journal stored an event about this BirdSend contact (by id or email) since the listing began. */
    private boolean heardOfSinceListing(BackfillListingStore.Listed birdsendContact, Progress p) {
        List<String> keys = new ArrayList<>(List.of(ContactKeys.birdSend(birdsendContact.id())));
        if (birdsendContact.email() != null) {
            keys.add(ContactKeys.email(birdsendContact.email()));
        }
        return journal.heardOfSince(keys, p.journalMark);
    }

    /**
     * The order key of the last item of the completed prefix of the items handed out so far. Holds only the items
     * handed out and not yet covered by it (about the workers' window), not the run's list.
     */
    static final class Checkpoints {
        private final TreeMap<Long, String> open = new TreeMap<>();
        private final Set<Long> finished = new HashSet<>();
        private long next;
        private String checkpoint;

        Checkpoints(String start) {
            this.checkpoint = start;
        }

        /** An item handed out, in order; returns its ticket for {@link #done}. */
        synchronized long submitted(String order) {
            open.put(next, order);
            return next++;
        }

        synchronized void done(long ticket) {
            finished.add(ticket);
            while (!open.isEmpty() && finished.remove(open.firstKey())) {
                checkpoint = open.pollFirstEntry().getValue();
            }
        }

        synchronized String checkpoint() {
            return checkpoint;
        }

        /** Items handed out and not covered by the checkpoint yet (what the run holds in memory for it). */
        synchronized int open() {
            return open.size();
        }
    }

    /** One run's live figures. */
    final class Progress {
        final String runId;
        final boolean dryRun;
        final Instant startedAt;
        final String resumeAfter;
        final AtomicInteger processed = new AtomicInteger();
        final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
        final LongAdder listRequests = new LongAdder();
        final AtomicInteger explained = new AtomicInteger();
        final AtomicInteger handedOver = new AtomicInteger();
        volatile int total;
        volatile String phase = "starting";
        volatile String state = "running";
        volatile String checkpoint;
        volatile String error;
        volatile String abort;
        /** What a worker threw that was not a service's answer: the run fails with it. */
        volatile Throwable failure;
        volatile boolean cancelled;
        volatile Instant startedProcessing;
        volatile int processedAtStart;
        volatile Instant finishedAt;
        /** The journal's head when the listing began: an event after it may not be in the listing's copies (0: any may not). */
        volatile long journalMark;

        Progress(String runId, boolean dryRun, Instant startedAt, String resumeAfter) {
            this.runId = runId;
            this.dryRun = dryRun;
            this.startedAt = startedAt;
            this.resumeAfter = resumeAfter;
            this.checkpoint = resumeAfter;
        }

        /** Says why an item was skipped: the first {@value #EXPLAINED} at INFO, the rest at DEBUG (the count is in the summary). */
        void explain(String key, String action, String why) {
            int n = explained.incrementAndGet();
            if (n <= EXPLAINED) {
                LOG.info("Backfill: {} {}: {}{}", key, action, why, n == EXPLAINED ? " (further ones at DEBUG)" : "");
            } else {
                LOG.debug("Backfill: {} {}: {}", key, action, why);
            }
        }

        /** Says which item was handed to the live sync and why: the first {@value #EXPLAINED} at WARN, the rest at DEBUG. */
        void handedOver(String key, String why) {
            int n = handedOver.incrementAndGet();
            if (n <= EXPLAINED) {
                LOG.warn("Backfill: {} failed ({}); handed to the live sync, which retries it{}", key, why,
                        n == EXPLAINED ? " (further ones at DEBUG; the count is in the progress)" : "");
            } else {
                LOG.debug("Backfill: {} failed ({}); handed to the live sync", key, why);
            }
        }

        void count(String what) {
            counts.computeIfAbsent(what, k -> new LongAdder()).increment();
        }

        Map<String, Long> countsMap() {
            Map<String, Long> out = new TreeMap<>();
            counts.forEach((k, v) -> out.put(k, v.sum()));
            return out;
        }

        BackfillProgress snapshot() {
            int done = processed.get();
            Instant from = startedProcessing;
            Instant to = finishedAt == null ? clock.instant() : finishedAt;
            double rate = 0;
            if (from != null) {
                double seconds = Math.max(0.001, Duration.between(from, to).toMillis() / 1000.0);
                rate = (done - processedAtStart) / seconds;
            }
            Double eta = null;
            if (rate > 0 && total > done) {
                eta = (total - done) / rate;
            } else if (total > 0 && total == done) {
                eta = 0.0;
            }
            return new BackfillProgress(runId, state, phase, dryRun, total, done, rate, eta, checkpoint, countsMap(),
                    listRequests.sum(), error, startedAt, finishedAt);
        }

        String describe() {
            BackfillProgress s = snapshot();
            return String.format(java.util.Locale.ROOT, "%.1f%% (%d of %d contacts), %.1f contacts/s, ETA %s; %s",
                    s.percent(), s.processed(), s.total(), s.rate(),
                    s.etaSeconds() == null ? "unknown" : Math.round(s.etaSeconds()) + " s", s.counts());
        }
    }
}
