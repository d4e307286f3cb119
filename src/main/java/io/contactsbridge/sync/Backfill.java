package io.contactsbridge.sync;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.mapping.CanonicalContact;
import io.contactsbridge.mapping.ContactMapping;
import io.contactsbridge.mapping.HighLevelFieldKeys;
import io.contactsbridge.ops.BridgeProperties;
import io.contactsbridge.ops.ShutdownSignal;
import io.contactsbridge.ops.ShuttingDownException;
import io.contactsbridge.outbound.DeadLetter;
import io.contactsbridge.outbound.DeadLetterStore;
import io.contactsbridge.outbound.UpstreamApiException;
import io.contactsbridge.outbound.UpstreamRejectedException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The initial full sync: reads every contact of both sides (a few hundred per request), pairs them (existing
 * link, then normalised email, then E.164 phone), and reconciles each pair with {@link ContactSync#reconcile}:
 * linking, creating what one side lacks and writing what differs. As it already holds both sides' current
 * contacts, a pair costs at most one write per side, and pairs that agree cost nothing.
 *
 * <p>Work items are processed in a fixed order by {@code bridge.sync.backfill.workers} threads, so the rate budgets
 * stay busy while calls are in flight. The order is a stable hash of the item's key ({@link #orderKey}): it shuffles
 * the kinds of work (a BirdSend-only person costs HighLevel calls, a HighLevel-only one BirdSend calls), so both
 * services are used at once instead of one after the other, and the service whose limit binds is kept busy for
 * the whole run. The checkpoint is the order key of the last item of the completed prefix; a run stopped by a restart or a crash is
 * resumed from it (reconciling is idempotent, so an item redone after a crash finds its work already done).
 * A dry run lists and pairs the same way and counts what it would create, link and update without writing
 * anything (not even its progress to the store).
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
    private static final Duration LEASE = Duration.ofMinutes(2);
    private static final int ATTEMPTS = 5;
    private static final int EXPLAINED = 20;

    private final SyncProperties props;
    private final ContactSync sync;
    private final ContactMapping mapping;
    private final LinkStore links;
    private final BackfillStore store;
    private final HighLevelContactApi highlevel;
    private final BirdSendContactApi birdsend;
    private final DeadLetterStore deadLetters;
    private final MappingCheck mappingCheck;
    private final ContactTurns turns;
    private final Clock clock;
    private final String owner;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final ShutdownSignal shutdown;
    private volatile Progress current;
    private volatile Thread coordinator;

    public Backfill(SyncProperties props, ContactSync sync, LinkStore links, BackfillStore store, HighLevelContactApi highlevel,
                    BirdSendContactApi birdsend, DeadLetterStore deadLetters, MappingCheck mappingCheck, ContactTurns turns,
                    Clock clock, BridgeProperties bridge, MeterRegistry registry, ShutdownSignal shutdown) {
        this.props = props;
        this.shutdown = shutdown;
        // The application is stopping: the run ends after the contacts in flight, resumable from its checkpoint.
        shutdown.onStopping(() -> stopping.set(true));
        this.sync = sync;
        this.mapping = sync.mapping();
        this.links = links;
        this.store = store;
        this.highlevel = highlevel;
        this.birdsend = birdsend;
        this.deadLetters = deadLetters;
        this.mappingCheck = mappingCheck;
        this.turns = turns;
        this.clock = clock;
        String instance = bridge.instance() == null || bridge.instance().id() == null ? "bridge" : bridge.instance().id();
        this.owner = instance + "/" + UUID.randomUUID().toString().substring(0, 8);
        Gauge.builder(PROGRESS_METRIC, this, b -> b.snapshot().fraction()).description("Backfill progress, 0 to 1").register(registry);
        Gauge.builder("bridge.backfill.processed", this, b -> b.snapshot().processed()).register(registry);
        Gauge.builder("bridge.backfill.total", this, b -> b.snapshot().total()).register(registry);
        Gauge.builder("bridge.backfill.rate", this, b -> b.snapshot().rate()).description("Contacts per second").register(registry);
        Gauge.builder("bridge.backfill.eta.seconds", this, b -> {
            Double eta = b.snapshot().etaSeconds();
            return eta == null ? Double.NaN : eta;
        }).register(registry);
    }

    /**
     * The start-up option, called once by the route {@code backfill-on-startup} (routes/backfill.yaml) when
     * {@code bridge.sync.backfill.on-startup} is true: resumes an unfinished run, and does not repeat a finished one.
     */
    public void startOnStartup() {
        if (!props.enabled()) {
            LOG.info("Start-up backfill skipped: the sync is disabled (bridge.sync.enabled=false)");
            return;
        }
        boolean dryRun = props.backfill().dryRunOnStartup();
        Optional<BackfillStore.Row> last = store.find(props.pair());
        if (!dryRun && last.isPresent() && "done".equals(last.get().state()) && !last.get().dryRun()) {
            LOG.info("Backfill already done ({}); not repeated at start-up. POST /api/backfill runs it again.", last.get().finishedAt());
            return;
        }
        start(dryRun, false);
    }

    /**
     * Starts a run in the background. A real run resumes the last one if it did not finish (unless
     * {@code restart}). Returns the progress, or empty when a run is already going.
     */
    public synchronized Optional<BackfillProgress> start(boolean dryRun, boolean restart) {
        if (!running.compareAndSet(false, true)) {
            return Optional.empty();
        }
        Optional<BackfillStore.Row> last = dryRun ? Optional.empty() : store.find(props.pair());
        boolean resume = !restart && last.isPresent() && !"done".equals(last.get().state()) && !last.get().dryRun();
        String runId = resume ? last.get().runId() : UUID.randomUUID().toString();
        // A replica that died while running it holds the lease until it expires (then this succeeds).
        if (!dryRun && !store.claim(props.pair(), runId, false, resume, owner, LEASE)) {
            running.set(false);
            return Optional.empty();
        }
        Progress progress = new Progress(runId, dryRun, clock.instant(), resume ? last.get().checkpoint() : null);
        if (resume) {
            last.get().counts().forEach((k, v) -> progress.counts.computeIfAbsent(k, x -> new LongAdder()).add(v));
        }
        current = progress;
        Thread t = new Thread(() -> run(progress), "backfill");
        t.setDaemon(true);
        coordinator = t;
        t.start();
        LOG.info("Backfill {} {}{}", runId, dryRun ? "(dry run) " : "", resume ? "resumed from checkpoint " + progress.resumeAfter : "started");
        return Optional.of(progress.snapshot());
    }

    /** The current or last run's progress. */
    public BackfillProgress snapshot() {
        Progress p = current;
        if (p != null) {
            return p.snapshot();
        }
        return store.find(props.pair()).map(BackfillProgress::of).orElse(BackfillProgress.NEVER);
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

    record Item(String key, ContactLink link, JsonNode birdsend, JsonNode highlevel, String skip) {
        /** Where the item comes in the run (and what the checkpoint is compared with). */
        String order() {
            return orderKey(key);
        }
    }

    /**
     * The order of a work item: eight hex digits of the CRC-32 of its key, then the key (unique, so the order is
     * total). The same in every run and every version, so a checkpoint stays valid across restarts.
     */
    static String orderKey(String key) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return String.format("%08x|%s", crc.getValue(), key);
    }

    private void run(Progress p) {
        SyncPair pair = props.pair();
        ExecutorService workers = Executors.newFixedThreadPool(props.backfill().workers(), r -> {
            Thread t = new Thread(r, "backfill-worker");
            t.setDaemon(true);
            return t;
        });
        String state = "done";
        String error = null;
        try {
            // A mapping that does not fit the accounts waits in a visible phase, re-checked every bridge.sync.mapping-recheck.
            if (!mappingCheck.awaitUsable(() -> stopping.get() || p.cancelled, misfit -> p.phase = MappingCheck.WAITING_PHASE)) {
                state = "interrupted";
                return;
            }
            p.phase = "listing";
            List<JsonNode> hl = new ArrayList<>();
            List<JsonNode> bs = new ArrayList<>();
            p.listRequests.add(highlevel.forEachPage(pair.highlevelConnection(), props.backfill().highlevelPageSize(),
                    page -> hl.addAll(unlessStopping(page))));
            p.listRequests.add(birdsend.forEachPage(pair.birdsendConnection(), props.backfill().birdsendPageSize(),
                    page -> bs.addAll(unlessStopping(page))));
            List<Item> items = pair(hl, bs, links.all(pair));
            p.total = items.size();
            p.phase = "syncing";
            List<Item> todo = new ArrayList<>();
            for (Item item : items) {
                if (p.resumeAfter != null && item.order().compareTo(p.resumeAfter) <= 0) {
                    p.processed.incrementAndGet();
                } else {
                    todo.add(item);
                }
            }
            p.startedProcessing = clock.instant();
            p.processedAtStart = p.processed.get();
            Checkpoints checkpoints = new Checkpoints(todo, p.resumeAfter);
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < todo.size(); i++) {
                int index = i;
                futures.add(workers.submit(() -> {
                    if (stopping.get() || p.cancelled || p.abort != null) {
                        return null;
                    }
                    // Only work that is really done moves the checkpoint: a failed item stays ahead of it.
                    if (process(todo.get(index), p)) {
                        p.processed.incrementAndGet();
                        checkpoints.done(index);
                    }
                    return null;
                }));
            }
            Instant nextReport = clock.instant().plus(props.backfill().progressInterval());
            for (Future<?> f : futures) {
                while (true) {
                    try {
                        f.get(200, TimeUnit.MILLISECONDS);
                        break;
                    } catch (java.util.concurrent.TimeoutException e) {
                        if (clock.instant().isAfter(nextReport)) {
                            report(p, checkpoints.checkpoint());
                            nextReport = clock.instant().plus(props.backfill().progressInterval());
                        }
                    }
                }
                if (!clock.instant().isBefore(nextReport)) {
                    report(p, checkpoints.checkpoint());
                    nextReport = clock.instant().plus(props.backfill().progressInterval());
                }
            }
            p.checkpoint = checkpoints.checkpoint();
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
                if (e instanceof UpstreamApiException || e instanceof SyncSetupException) {
                    LOG.error("Backfill {} failed: {}", p.runId, e.getMessage());
                } else {
                    LOG.error("Backfill {} failed: {}", p.runId, e.getMessage(), e);
                }
            }
        } finally {
            workers.shutdownNow();
            p.state = state;
            p.error = error;
            p.finishedAt = clock.instant();
            try {
                if (!p.dryRun) {
                    store.finish(pair, owner, state, p.total, p.processed.get(), p.checkpoint, p.countsMap(), error);
                }
                LOG.info("Backfill {} {}: {}", p.runId, state, p.describe());
            } catch (RuntimeException e) {
                LOG.warn("Backfill {} {} but could not store it ({}); the next run resumes from the last stored checkpoint "
                        + "once its lease expires", p.runId, state, e.getMessage());
            } finally {
                running.set(false);
            }
        }
    }

    private void report(Progress p, String checkpoint) {
        p.checkpoint = checkpoint;
        LOG.info("Backfill {}{}", p.dryRun ? "(dry run) " : "", p.describe());
        if (!p.dryRun && !store.progress(props.pair(), owner, p.total, p.processed.get(), checkpoint, p.countsMap(), LEASE)) {
            p.abort = "another replica took over the backfill";
        }
    }

    /** Reconciles one item; false when it could not be done (the run then stops, resumable before this item). */
    private boolean process(Item item, Progress p) throws InterruptedException {
        if (item.skip() != null) {
            p.count("skipped");
            p.explain(item.key(), "SKIPPED", item.skip());
            return true;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                SyncOutcome outcome = p.dryRun ? dryRun(item) : turns.run(props.pair(), turnKeys(item), () -> inTurn(item));
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
                // done again at once, in a new turn, and finds the link. Only a conflict on every attempt stops the run.
                if (attempt >= ATTEMPTS || p.cancelled || stopping.get()) {
                    if (p.abort == null && !stopping.get()) {
                        p.abort = item.key() + ": " + e.getMessage();
                    }
                    return false;
                }
                LOG.info("Backfill: {}: {}; syncing it again", item.key(), e.getMessage());
            } catch (RuntimeException e) {
                if (stopping.get() || e instanceof ShuttingDownException) {
                    // Not this item's fault: it stays ahead of the checkpoint and is done after the restart.
                    return false;
                }
                if (attempt >= ATTEMPTS || p.cancelled) {
                    // Not a refusal: the service is failing. Stop here; the checkpoint lets the next run resume.
                    if (p.abort == null) {
                        p.abort = item.key() + ": " + e.getMessage();
                    }
                    return false;
                }
                // The outbound layer has retried already; give an open circuit or a rate limit time to pass.
                // Pauses double (2, 4, 8, 16 s by default): together longer than a circuit breaker stays open.
                Duration pause = props.backfill().retryPause().multipliedBy(1L << (attempt - 1));
                LOG.warn("Backfill: {} failed (attempt {} of {}), trying again in {} ms: {}", item.key(), attempt, ATTEMPTS,
                        pause.toMillis(), e.getMessage());
                if (!shutdown.sleep(pause)) {
                    return false;
                }
            }
        }
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
        if (item.link() != null && (item.highlevel() == null || item.birdsend() == null)) {
            return SyncOutcome.unlinked(0);
        }
        return sync.reconcile(item.link(), item.birdsend(), item.highlevel(), true);
    }

    private boolean hasEmail(Item item) {
        return (item.birdsend() != null && mapping.readBirdSend(item.birdsend()).get(mapping.emailField()) != null)
                || (item.highlevel() != null && mapping.readHighLevel(item.highlevel(),
                highlevel.fieldKeys(props.highlevelConnection())).get(mapping.emailField()) != null);
    }

    /** The keys of the person an item is about: both contacts (listed or linked) and the email. */
    private List<String> turnKeys(Item item) {
        List<String> keys = new ArrayList<>();
        if (item.birdsend() != null) {
            keys.add(ContactTurns.birdSend(item.birdsend().path("contact_id").asText()));
            Object email = mapping.readBirdSend(item.birdsend()).get(mapping.emailField());
            if (email != null) {
                keys.add(ContactTurns.email((String) email));
            }
        }
        if (item.highlevel() != null) {
            keys.add(ContactTurns.highLevel(item.highlevel().path("id").asText()));
            Object email = mapping.readHighLevel(item.highlevel(), highlevel.fieldKeys(props.highlevelConnection()))
                    .get(mapping.emailField());
            if (email != null) {
                keys.add(ContactTurns.email((String) email));
            }
        }
        if (item.link() != null) {
            keys.add(ContactTurns.birdSend(item.link().birdsendId()));
            keys.add(ContactTurns.highLevel(item.link().highlevelId()));
        }
        return keys;
    }

    /**
     * Reconciles an item in the person's turn. The listings only planned the work: the links are read again, and
     * before anything is written both contacts are read again too, so an edit made since the listing (by a person,
     * or by the live sync, which may have linked the contact meanwhile) is merged, never overwritten. A contact
     * missing from a listing is not taken for deleted: only the service answering that it is gone counts.
     */
    private SyncOutcome inTurn(Item item) {
        SyncPair pair = props.pair();
        String bsId = item.birdsend() == null ? null : item.birdsend().path("contact_id").asText();
        String hlId = item.highlevel() == null ? null : item.highlevel().path("id").asText();
        ContactLink byBs = bsId == null ? null : links.byBirdSend(pair, bsId).orElse(null);
        ContactLink byHl = hlId == null ? null : links.byHighLevel(pair, hlId).orElse(null);
        boolean planHolds = (byBs == null || hlId == null || byBs.highlevelId().equals(hlId))
                && (byHl == null || bsId == null || byHl.birdsendId().equals(bsId));
        if (!planHolds) {
            // Linked otherwise since the listing: the live sync's rules decide, on what the services hold now.
            SyncOutcome outcome = bsId != null ? sync.fromBirdSend(bsId, null) : sync.fromHighLevel(hlId, null);
            if (bsId != null && hlId != null && (byHl == null || !byHl.birdsendId().equals(bsId))) {
                sync.fromHighLevel(hlId, null);
            }
            return outcome;
        }
        ContactLink link = byBs != null ? byBs : byHl;
        if (link != null && !link.isLive()) {
            return SyncOutcome.skipped("its " + link.unlinkedSide().key() + " partner was deleted"
                    + " (bridge.sync.deletes=unlink leaves it alone)");
        }
        if (link != null && item.birdsend() != null && item.highlevel() != null
                && sync.agrees(mapping.readBirdSend(item.birdsend()), link.shadow(), io.contactsbridge.mapping.Side.BIRDSEND)
                && sync.agrees(mapping.readHighLevel(item.highlevel(), highlevel.fieldKeys(props.highlevelConnection())),
                link.shadow(), io.contactsbridge.mapping.Side.HIGHLEVEL)) {
            // Both listed copies hold what the two sides last agreed on: nothing to write, so nothing to read again.
            // An edit made since the listing is its own event, handled in its own turn.
            return SyncOutcome.unchanged();
        }
        if (link == null && !hasEmail(item)) {
            // Nothing to pair or create without an email (BirdSend requires one): no need to read it again. An email
            // added since the listing comes as the contact's own event.
            return SyncOutcome.skipped("no email on either side, which BirdSend requires");
        }
        String bsRead = bsId != null ? bsId : link != null ? link.birdsendId() : null;
        String hlRead = hlId != null ? hlId : link != null ? link.highlevelId() : null;
        Optional<JsonNode> bsNow = bsRead == null ? Optional.empty() : birdsend.get(pair.birdsendConnection(), bsRead);
        if (bsRead != null && bsNow.isEmpty()) {
            return link != null ? sync.gone(io.contactsbridge.mapping.Side.BIRDSEND, bsRead)
                    : SyncOutcome.skipped("BirdSend contact " + bsRead + " was deleted since the listing");
        }
        Optional<JsonNode> hlNow = hlRead == null ? Optional.empty() : highlevel.get(pair.highlevelConnection(), hlRead);
        if (hlRead != null && hlNow.isEmpty()) {
            return link != null ? sync.gone(io.contactsbridge.mapping.Side.HIGHLEVEL, hlRead)
                    : SyncOutcome.skipped("HighLevel contact " + hlRead + " was deleted since the listing");
        }
        return sync.reconcile(link, bsNow.orElse(null), hlNow.orElse(null), false);
    }

    /**
     * Pairs the two lists: links first, then email, then phone. Keys name the items: {@code b:<zero-padded BirdSend
     * id>} for BirdSend contacts (with or without partner), {@code h:<HighLevel id>} for HighLevel-only ones; the work
     * is sorted by their {@link #orderKey}.
     */
    List<Item> pair(List<JsonNode> hlContacts, List<JsonNode> bsContacts, Map<String, ContactLink> linksByBs) {
        Map<String, ContactLink> allLinks = linksByBs;
        HighLevelFieldKeys keys = highlevel.fieldKeys(props.highlevelConnection());
        Map<String, JsonNode> hlById = new LinkedHashMap<>();
        Map<String, String> hlByEmail = new HashMap<>();
        Map<String, String> hlByPhone = new HashMap<>();
        Map<String, String> hlEmailById = new HashMap<>();
        for (JsonNode c : hlContacts) {
            String id = c.path("id").asText(null);
            if (id == null) {
                continue;
            }
            hlById.put(id, c);
            CanonicalContact h = mapping.readHighLevel(c, keys);
            Object email = h.get(mapping.emailField());
            if (email != null) {
                hlByEmail.putIfAbsent((String) email, id);
                hlEmailById.put(id, (String) email);
            }
            mapping.phoneField().map(h::get).ifPresent(phone -> hlByPhone.putIfAbsent((String) phone, id));
        }
        Set<String> linkedHl = new HashSet<>();
        allLinks.values().forEach(l -> linkedHl.add(l.highlevelId()));
        Set<String> claimed = new HashSet<>();
        List<Item> items = new ArrayList<>();
        // Three passes, so that an email match always wins over a phone match: were a BirdSend contact that only
        // shares a phone with a HighLevel contact paired first, the one with the same email would be left out, and
        // writing HighLevel's email into the phone match would clash with it ("email taken").
        Map<String, JsonNode> unmatched = new LinkedHashMap<>();
        Map<String, CanonicalContact> read = new HashMap<>();
        for (JsonNode c : bsContacts) {
            String bsId = c.path("contact_id").asText(null);
            if (bsId == null || unmatched.containsKey(bsId)) {
                continue;
            }
            String key = "b:" + pad(bsId);
            ContactLink link = linksByBs.get(bsId);
            if (link != null && !link.isLive()) {
                items.add(new Item(key, null, c, null, "its " + link.unlinkedSide().key() + " partner was deleted"
                        + " (bridge.sync.deletes=unlink leaves it alone)"));
                unmatched.put(bsId, null);
                continue;
            }
            if (link != null) {
                claimed.add(link.highlevelId());
                items.add(new Item(key, link, c, hlById.get(link.highlevelId()), null));
                unmatched.put(bsId, null);
                continue;
            }
            unmatched.put(bsId, c);
            read.put(bsId, mapping.readBirdSend(c));
        }
        unmatched.values().removeIf(java.util.Objects::isNull);
        Map<String, String> partner = new HashMap<>();
        Map<String, String> refused = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : unmatched.entrySet()) {
            String email = (String) read.get(e.getKey()).get(mapping.emailField());
            match(e.getKey(), email == null ? null : hlByEmail.get(email), claimed, linkedHl, partner, refused);
        }
        Set<String> bsEmails = new HashSet<>();
        read.values().forEach(a -> {
            if (a.get(mapping.emailField()) != null) {
                bsEmails.add((String) a.get(mapping.emailField()));
            }
        });
        for (Map.Entry<String, JsonNode> e : unmatched.entrySet()) {
            if (partner.containsKey(e.getKey()) || refused.containsKey(e.getKey())) {
                continue;
            }
            String phone = mapping.phoneField().map(f -> (String) read.get(e.getKey()).get(f)).orElse(null);
            String hlId = phone == null ? null : hlByPhone.get(phone);
            String hlEmail = hlId == null ? null : hlEmailById.get(hlId);
            if (hlEmail != null && bsEmails.contains(hlEmail)) {
                // The phone's HighLevel contact has the email of another BirdSend contact: it is that one's person.
                refused.put(e.getKey(), hlId);
                continue;
            }
            match(e.getKey(), hlId, claimed, linkedHl, partner, refused);
        }
        for (Map.Entry<String, JsonNode> e : unmatched.entrySet()) {
            String key = "b:" + pad(e.getKey());
            String hlId = refused.get(e.getKey());
            if (hlId != null) {
                items.add(new Item(key, null, e.getValue(), null, "HighLevel contact " + hlId + " with the same email or "
                        + "phone is already paired with another BirdSend contact"));
                continue;
            }
            hlId = partner.get(e.getKey());
            items.add(new Item(key, null, e.getValue(), hlId == null ? null : hlById.get(hlId), null));
        }
        Map<String, ContactLink> linksByHl = new HashMap<>();
        allLinks.values().forEach(l -> linksByHl.put(l.highlevelId(), l));
        for (Map.Entry<String, JsonNode> e : hlById.entrySet()) {
            if (claimed.contains(e.getKey())) {
                continue;
            }
            ContactLink link = linksByHl.get(e.getKey());
            String skip = link == null || link.isLive() ? null : "its " + link.unlinkedSide().key() + " partner was deleted"
                    + " (bridge.sync.deletes=unlink leaves it alone)";
            items.add(new Item("h:" + e.getKey(), skip == null ? link : null, null, e.getValue(), skip));
        }
        items.sort(Comparator.comparing(Item::order));
        return items;
    }

    /** Pairs a BirdSend contact with a HighLevel candidate unless another contact has it already. */
    private static void match(String bsId, String hlId, Set<String> claimed, Set<String> linkedHl, Map<String, String> partner,
                              Map<String, String> refused) {
        if (hlId == null) {
            return;
        }
        if (claimed.contains(hlId) || linkedHl.contains(hlId)) {
            refused.put(bsId, hlId);
            return;
        }
        claimed.add(hlId);
        partner.put(bsId, hlId);
    }

    private static String pad(String id) {
        return id.length() >= 20 ? id : "0".repeat(20 - id.length()) + id;
    }

    /** The order key of the last item of the completed prefix of the work list. */
    private static final class Checkpoints {
        private final List<Item> items;
        private final boolean[] done;
        private int next;
        private String checkpoint;

        Checkpoints(List<Item> items, String start) {
            this.items = items;
            this.done = new boolean[items.size()];
            this.checkpoint = start;
        }

        synchronized void done(int index) {
            done[index] = true;
            while (next < done.length && done[next]) {
                checkpoint = items.get(next).order();
                next++;
            }
        }

        synchronized String checkpoint() {
            return checkpoint;
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
        volatile int total;
        volatile String phase = "starting";
        volatile String state = "running";
        volatile String checkpoint;
        volatile String error;
        volatile String abort;
        volatile boolean cancelled;
        volatile Instant startedProcessing;
        volatile int processedAtStart;
        volatile Instant finishedAt;

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
