package io.contactsbridge.capture;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.journal.ContactKeys;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.ops.BridgeProperties;
import io.contactsbridge.outbound.CallerShare;
import io.contactsbridge.outbound.OutboundClient;
import io.contactsbridge.outbound.OutboundProperties;
import io.contactsbridge.outbound.OutboundResponse;
import io.contactsbridge.outbound.UpstreamApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;
import io.contactsbridge.store.ReplicaProperties;

/**
 * Change detection on BirdSend, whose API has no updated-since filter and no cursor: contacts are listed page by
 * page and compared with what was stored when they were last seen ({@code capture_birdsend_snapshot}: hashes of
 * email and fields, of the tag names, and the status). Differences are appended to the journal with source
 * {@code birdsend-poll}:
 * <ul>
 *   <li>{@code ContactCreated}: a contact id never seen;</li>
 *   <li>{@code ContactChanged}: email or fields changed ({@code changes.email {from,to}}, {@code changes.fields});</li>
 *   <li>{@code ContactTagsChanged}: the set of tags changed ({@code changes.added}, {@code changes.removed});</li>
 *   <li>{@code ContactUnsubscribed} / {@code ContactResubscribed}: status active → unsubscribed, and back;</li>
 *   <li>{@code ContactSequencesChanged}: the contact joined or left sequences ({@code changes.joined},
 *       {@code changes.left}: {@code [{sequence_id, name}]}; a left sequence's name when the page still lists it,
 *       else null). Only where BirdSend lists a contact's {@code sequences} (assumed, see
 *       {@link BirdSendContactState#sequenceIds}); the first time a contact's list is seen (a new contact, or the
 *       first scan after the bridge learnt to read it) is recorded without an event;</li>
 *   <li>{@code ContactDeleted}: a known contact missing from a complete pass and answering 404.</li>
 * </ul>
 * One change of a contact can give several events (in that order). The payload is the contact as BirdSend returned
 * it plus a {@code changes} object; the contact key is {@code birdsend:<contact_id>}. The event id is
 * {@code <contact_id>:<version>:<event type>:<hash>} where version counts the changes recorded for the contact and
 * hash is of the new state: a change found again (after a crash between append and snapshot update) is a journal
 * duplicate, while a state the contact returns to later (unsubscribed, resubscribed, unsubscribed again) is a new
 * event.
 *
 * <h2>Two scans, one budget</h2>
 * <ul>
 *   <li>{@link #rollingScan}, all the time: passes over every page in ascending id order (new contacts are added at
 *       the end, so pages do not shift under a pass while contacts are added), one after another, paced so that all
 *       of the poller's requests together use {@code request-share} of the connection's budget. Each run reads pages
 *       for {@code rolling-slice} and stores where the pass is after every page, so the next run, a restart or
 *       another replica continues it. A pass finds every change, and deletions: known contacts it did not see are
 *       looked up at its end, and reported deleted only if BirdSend answers 404 (a deletion during the pass shifts
 *       later contacts to an earlier page, where the pass may miss them). At 10,000 contacts, 100 per page and
 *       2.5 requests per second, a pass takes 40 s: every edit, tag change, unsubscribe and delete is seen within
 *       that. A deletion is found when the pass gets to it: known contacts whose ids lie within a page's range but
 *       which the page did not show are looked up at once (a deletion behind the pass shifts the next contact onto
 *       a page already read; that one is found by the same lookup).</li>
 *   <li>{@link #quickScan}, every {@code quick-interval-ms}: the newest contacts first, until a page with nothing new
 *       or changed, or {@code quick-max-pages}. By {@code contact_id} it finds new contacts within seconds. Where the
 *       account's list sorts by {@code updated_at} (BirdSend's documentation does not say; {@code quick-order-by=auto}
 *       probes it: the newest page by {@code updated_at} must carry it, in non-increasing order, and is checked again
 *       every {@code order-probe-interval} and on every quick scan), it sorts by that instead and finds edits of old
 *       contacts too, usually in one request. Deletions, tag changes that do not move {@code updated_at}, and
 *       more changes than its pages hold are left to the rolling scan.</li>
 * </ul>
 * Both make their calls with the same {@link CallerShare} ({@value #CALLER}, {@code request-share}), which the outbound
 * layer keeps them to: evenly spaced requests, never a burst that would keep the sync's requests waiting, and each one
 * giving way while the sync's requests fill the connection's budget. They exclude each other: a quick scan that finds
 * the rolling scan running waits, and the rolling scan gives way after its current page. Across replicas one scan runs at a time per connection (a lease in
 * {@code capture_cursor}). {@link #fullScan} is a complete pass from page 1 at once (tests, operators).
 *
 * <p>The very first pass of a connection (the baseline) records what exists without reporting it (unless
 * {@code emit-existing-on-first-scan}): existing contacts are the backfill's job. A quick scan before the baseline
 * exists completes it first.
 */
@Component(BirdSendContactPoller.BEAN)
public class BirdSendContactPoller {

    public static final String BEAN = "birdSendContactPoller";
    public static final String QUICK_ROUTE_ID = "birdsend-contact-poll-quick";
    public static final String ROLLING_ROUTE_ID = "birdsend-contact-poll-rolling";
    public static final String SOURCE = JournalSources.BIRDSEND_POLL;
    /** The name the scans' calls give the outbound layer, which keeps them to their share of the budget. */
    public static final String CALLER = "capture-birdsend";

    public static final String CONTACT_CREATED = "ContactCreated";
    public static final String CONTACT_CHANGED = "ContactChanged";
    public static final String CONTACT_TAGS_CHANGED = "ContactTagsChanged";
    public static final String CONTACT_UNSUBSCRIBED = "ContactUnsubscribed";
    public static final String CONTACT_RESUBSCRIBED = "ContactResubscribed";
    public static final String CONTACT_DELETED = "ContactDeleted";
    public static final String CONTACT_SEQUENCES_CHANGED = "ContactSequencesChanged";

    /** Scan kinds, as outcomes, metrics and the status name them. */
    public static final String QUICK = "quick";
    public static final String ROLLING = "rolling";
    public static final String FULL = "full";
    static final String CONTACT_ID = "contact_id";
    static final String UPDATED_AT = "updated_at";
    private static final String ACTIVE = "active";
    private static final String UNSUBSCRIBED = "unsubscribed";
    private static final long LEASE_RETRY_MS = 100;
    /** BirdSend's timestamps ("YYYY-MM-DD HH:MM:SS", UTC); ISO-8601 is read too. */
    private static final DateTimeFormatter BIRDSEND_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private static final Logger LOG = LoggerFactory.getLogger(BirdSendContactPoller.class);

    private final OutboundClient client;
    private final JournalStore journal;
    private final CaptureStore store;
    private final CaptureProperties props;
    private final CaptureMetrics metrics;
    private final ObjectMapper json;
    private final Clock clock;
    private final CallerShare share;
    private final double requestsPerSecond;
    private final String owner;
    private final AtomicLong scans = new AtomicLong();
    private final PollRun.Reporter reporter = new PollRun.Reporter(LOG);
    /**
     * This replica's scans of each connection, one at a time (the lease does that across replicas). Fair, so a
     * waiting quick scan gets it as soon as the rolling scan gives way.
     */
    private final Map<String, ReentrantLock> scanning = new java.util.concurrent.ConcurrentHashMap<>();

    @Autowired
    public BirdSendContactPoller(OutboundClient client, JournalStore journal, CaptureStore store, CaptureProperties props,
                                 OutboundProperties outbound, CaptureMetrics metrics, ObjectMapper json,
                                 Clock clock, BridgeProperties bridge) {
        this(client, journal, store, props, outbound, metrics, json, clock,
                bridge.instance() == null ? null : bridge.instance().id());
    }

    /**
     * @param outbound   the services' rate limits; the poller's pace is {@code request-share} of BirdSend's
     * @param instanceId this replica's id; lease owners are it plus a random suffix and the scan kind
     */
    public BirdSendContactPoller(OutboundClient client, JournalStore journal, CaptureStore store, CaptureProperties props,
                                 OutboundProperties outbound, CaptureMetrics metrics, ObjectMapper json,
                                 Clock clock, String instanceId) {
        this.client = client;
        this.journal = journal;
        this.store = store;
        this.props = props;
        this.metrics = metrics;
        this.json = json;
        this.clock = clock;
        this.share = new CallerShare(CALLER, props.birdsend().requestShare());
        this.requestsPerSecond = share.requestsPerSecond(outbound.birdsend().rate());
        this.owner = (StringUtils.hasText(instanceId) ? instanceId : "bridge") + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The most requests per second the poller makes, on average, all scans together. */
    public double requestsPerSecond() {
        return requestsPerSecond;
    }

    /**
     * Reads the newest contacts until a page holds nothing new or changed. Before the baseline exists it completes
     * the baseline instead. Waits (up to {@code lease-wait}) for the rolling scan of this replica to give way;
     * skipped while another replica scans. Never throws.
     */
    public PollOutcome quickScan() {
        return quickScan(props.birdsend().connectionId());
    }

    /** {@link #quickScan()} of one connection (each pair's BirdSend account is scanned on its own). */
    public PollOutcome quickScan(String connectionId) {
        PollRun run = new PollRun(SOURCE, connectionId, QUICK, journal, metrics, clock);
        return exclusive(run, false, lease -> {
            PollState state = store.find(SOURCE, run.connectionId).orElseThrow();
            if (!state.baselineDone()) {
                return pass(run, lease, state, true, Long.MAX_VALUE);
            }
            return scanNewest(run, lease, state);
        });
    }

    /** Replicas take turns at the schedule ({@code bridge.replicas.enabled}); off, every schedule that fires polls. */
    private boolean takeTurns = true;

    @Autowired(required = false)
    void replicas(ReplicaProperties replicas) {
        takeTurns = replicas.enabled();
    }

    /**
     * The schedule's quick scan (route {@code birdsend-contact-poll-quick}): scans unless any replica started one less
     * than 90 % of the interval ago, so replicas sharing the store scan once per interval between them. Never throws.
     */
    public PollOutcome scheduledQuickScan() {
        return scheduledQuickScan(props.birdsend().connectionId());
    }

    /** {@link #scheduledQuickScan()} of one connection. */
    public PollOutcome scheduledQuickScan(String connectionId) {
        try {
            if (takeTurns && !store.takeTurn(SOURCE, connectionId, QUICK, owner,
                    Duration.ofMillis(props.birdsend().quickIntervalMs() * 9 / 10))) {
                return new PollRun(SOURCE, connectionId, QUICK, journal, metrics, clock)
                        .outcome(PollOutcome.Status.SKIPPED, "another replica scanned less than an interval ago");
            }
        } catch (RuntimeException e) {
            LOG.debug("BirdSend quick scan: could not take the schedule's turn ({}); scanning (the lease still excludes "
                    + "others)", e.toString());
        }
        return quickScan(connectionId);
    }

    /**
     * Continues the rolling scan's pass (or starts the next one, when {@code min-pass-interval} has passed since the
     * last one started) for up to {@code rolling-slice}; returns sooner when the pass is complete or a quick scan
     * waits. Never throws.
     */
    public PollOutcome rollingScan() {
        return rollingScan(props.birdsend().connectionId());
    }

    /** {@link #rollingScan()} of one connection. */
    public PollOutcome rollingScan(String connectionId) {
        PollRun run = new PollRun(SOURCE, connectionId, ROLLING, journal, metrics, clock);
        Optional<PollState> before = store.find(SOURCE, run.connectionId);
        Instant nextPass = before.map(this::nextPassAt).orElse(null);
        if (nextPass != null && clock.instant().isBefore(nextPass)) {
            // Checked before taking the lock and the lease: on a small account most runs end here.
            PollOutcome outcome = run.outcome(PollOutcome.Status.SKIPPED, "the next pass starts at " + nextPass
                    + " (min-pass-interval)");
            finish(outcome);
            return outcome;
        }
        return exclusive(run, false, lease -> {
            long deadline = System.nanoTime() + props.birdsend().rollingSlice().toNanos();
            return pass(run, lease, store.find(SOURCE, run.connectionId).orElseThrow(), false, deadline);
        });
    }

    /**
     * A complete pass from page 1 (a pass in progress starts over), then the deletion checks. Waits up to
     * {@code lease-wait} for another scan; skipped when a complete pass ended while it waited. Never throws.
     */
    public PollOutcome fullScan() {
        return fullScan(props.birdsend().connectionId());
    }

    /** {@link #fullScan()} of one connection. */
    public PollOutcome fullScan(String connectionId) {
        PollRun run = new PollRun(SOURCE, connectionId, FULL, journal, metrics, clock);
        Instant requestedAt = clock.instant();
        return exclusive(run, true, lease -> {
            PollState state = store.find(SOURCE, run.connectionId).orElseThrow();
            if (state.lastFullScanAt() != null && !state.lastFullScanAt().isBefore(requestedAt)) {
                return run.outcome(PollOutcome.Status.SKIPPED, "a complete pass ended while this one waited");
            }
            PollState.Pass restart = new PollState.Pass(clock.instant(), 1, 0, null);
            savePass(run, lease, restart);
            return pass(run, lease, store.find(SOURCE, run.connectionId).orElseThrow(), true, Long.MAX_VALUE);
        });
    }

    // ---- running one scan at a time -------------------------------------------------------------

    private ReentrantLock scanLock(String connectionId) {
        return scanning.computeIfAbsent(connectionId, id -> new ReentrantLock(true));
    }

    @FunctionalInterface
    private interface Scan {
        PollOutcome run(String lease) throws InterruptedException;
    }

    /**
     * Runs {@code scan} holding this replica's scan lock (waiting up to {@code lease-wait} for it) and the lease
     * (waiting for it too when {@code waitForLease}, else skipping when another replica holds it); records the
     * outcome. Never throws.
     */
    private PollOutcome exclusive(PollRun run, boolean waitForLease, Scan scan) {
        String lease = lease(run.kind);
        PollOutcome outcome;
        boolean locked = false;
        boolean leased = false;
        try {
            locked = scanLock(run.connectionId).tryLock(props.leaseWait().toNanos(), TimeUnit.NANOSECONDS);
            if (!locked) {
                outcome = run.outcome(PollOutcome.Status.SKIPPED, "another scan of this replica held the poller for longer "
                        + "than lease-wait");
            } else {
                leased = waitForLease ? claimWaiting(run.connectionId, lease) : store.claim(SOURCE, run.connectionId, lease,
                        props.leaseDuration());
                outcome = leased ? scan.run(lease) : run.outcome(PollOutcome.Status.SKIPPED, waitForLease
                        ? "another scan held the poller for longer than lease-wait" : "another scan is running");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = run.outcome(PollOutcome.Status.FAILED, "interrupted");
        } catch (RuntimeException e) {
            outcome = run.outcome(PollOutcome.Status.FAILED, PollRun.describe(e));
        } finally {
            if (leased) {
                releaseQuietly(run.connectionId, lease);
            }
            if (locked) {
                scanLock(run.connectionId).unlock();
            }
        }
        finish(outcome);
        return outcome;
    }

    /** When the rolling scan may start its next pass; null when one is in progress or none was ever made. */
    private Instant nextPassAt(PollState state) {
        return state.pass() != null || state.lastPassStartedAt() == null ? null
                : state.lastPassStartedAt().plus(props.birdsend().minPassInterval());
    }

    // ---- the rolling scan's passes --------------------------------------------------------------

    /**
     * Continues the pass in progress or starts one, page by page in ascending id order, then looks up the known
     * contacts it did not see; its position is stored after every request.
     *
     * @param toTheEnd      run until the pass is complete (a quick scan making the baseline, a full scan); else stop
     *                      at {@code deadlineNanos} or when a quick scan waits, and do not start a pass before
     *                      {@code min-pass-interval}
     */
    private PollOutcome pass(PollRun run, String lease, PollState state, boolean toTheEnd, long deadlineNanos)
            throws InterruptedException {
        CaptureProperties.BirdSend cfg = props.birdsend();
        boolean silent = !state.baselineDone() && !cfg.emitExistingOnFirstScan();
        PollState.Pass pass = state.pass();
        if (pass == null) {
            Instant next = nextPassAt(state);
            if (!toTheEnd && next != null && clock.instant().isBefore(next)) {
                return run.outcome(PollOutcome.Status.SKIPPED, "the next pass starts at " + next + " (min-pass-interval)");
            }
            pass = new PollState.Pass(clock.instant(), 1, 0, null);
            savePass(run, lease, pass);
        }
        boolean worked = false;
        while (true) {
            BirdSendSnapshot missing = null;
            if (pass.listed()) {
                missing = pass.checks() >= cfg.maxDeletionChecks() ? null
                        : store.notSeenSince(run.connectionId, pass.startedAt(), 1).stream().findFirst().orElse(null);
                if (missing == null) {
                    return completePass(run, lease, pass, state.baselineDone(), silent);
                }
            }
            if (worked && !toTheEnd && (System.nanoTime() >= deadlineNanos || scanLock(run.connectionId).hasQueuedThreads())) {
                return run.outcome(PollOutcome.Status.OK, null);
            }
            if (missing != null) {
                checkDeletion(run, missing, silent);
                pass = new PollState.Pass(pass.startedAt(), PollState.Pass.LISTED, pass.checks() + 1, pass.lastListed());
            } else {
                pass = listNextPage(run, pass, silent);
            }
            savePass(run, lease, pass);
            worked = true;
        }
    }

    /**
     * Lists the pass's next page and compares it; then looks up the known contacts the page should have shown and
     * did not (ids between the previous page's last and this page's last, or to the end on the last page): deleted,
     * or moved to a page already read by a deletion before them. So a deletion is found when the pass gets to it.
     */
    private PollState.Pass listNextPage(PollRun run, PollState.Pass pass, boolean silent) throws InterruptedException {
        Page p = list(run, pass.page(), CONTACT_ID, "asc");
        Long lastOnPage = ascendingIdsUpTo(p.contacts(), pass.lastListed());
        boolean knowsWhereItStarts = pass.page() == 1 || pass.lastListed() != null;
        int checks = pass.checks();
        // Only where the page is in ascending numeric id order, as asked: else its range would mean nothing, and the
        // end of the pass finds what it did not see.
        if (!knowsWhereItStarts || (lastOnPage == null && !(p.contacts().isEmpty() && p.last()))) {
            process(run, p.contacts(), silent);
        } else {
            Long after = pass.page() == 1 ? null : pass.lastListed();
            Long upTo = p.last() ? null : lastOnPage;
            Page.Read read = read(run, p.contacts());
            // One range read and one range write: per-id lists cost far more on some databases (H2).
            Map<String, BirdSendSnapshot> known = store.snapshotsBetween(run.connectionId, after, upTo);
            compare(run, read, known, silent);
            List<BirdSendSnapshot> missing = known.values().stream()
                    .filter(k -> !read.states().containsKey(k.contactId()) && k.lastSeenAt().isBefore(pass.startedAt()))
                    .limit(Math.max(0, props.birdsend().maxDeletionChecks() - checks))
                    .toList();
            store.touchBetween(run.connectionId, after, upTo, clock.instant(),
                    missing.stream().map(BirdSendSnapshot::contactId).toList());
            for (BirdSendSnapshot gone : missing) {
                checkDeletion(run, gone, silent);
                checks++;
            }
        }
        return new PollState.Pass(pass.startedAt(), p.last() ? PollState.Pass.LISTED : pass.page() + 1, checks, lastOnPage);
    }

    /**
     * The number of the last contact of a page whose ids are numbers in ascending order, all above {@code after}
     * (when known); null otherwise, or when the page is empty.
     */
    static Long ascendingIdsUpTo(List<JsonNode> contacts, Long after) {
        Long previous = after;
        for (JsonNode contact : contacts) {
            Long id = CaptureStore.contactNumber(contact.path("contact_id").asText(null));
            if (id == null || (previous != null && id <= previous)) {
                return null;
            }
            previous = id;
        }
        return contacts.isEmpty() ? null : previous;
    }

    private PollOutcome completePass(PollRun run, String lease, PollState.Pass pass, boolean baselineDone, boolean silent) {
        Instant end = clock.instant();
        if (!store.recordFullScan(SOURCE, run.connectionId, lease, end)) {
            throw new IllegalStateException("lost the poll lease to another replica at the end of a pass");
        }
        metrics.pass(SOURCE, Duration.between(pass.startedAt(), end));
        if (!baselineDone) {
            LOG.info("BirdSend baseline of connection {} recorded: {} contacts known{}", run.connectionId,
                    store.countSnapshots(run.connectionId), silent ? " (not reported: the backfill handles existing contacts)" : "");
        }
        return run.outcome(PollOutcome.Status.OK, null);
    }

    /** A known contact the pass did not see: deleted if BirdSend answers 404, else compared as usual. */
    private void checkDeletion(PollRun run, BirdSendSnapshot known, boolean silent) throws InterruptedException {
        JsonNode contact = get(run, known.contactId());
        if (contact == null) {
            if (!silent) {
                ObjectNode payload = json.createObjectNode();
                payload.set("contact_id", contactIdNode(known.contactId()));
                payload.put("email", known.email());
                payload.put("status", known.status());
                payload.set("tags", json.valueToTree(known.tags()));
                payload.putObject("changes").put("deleted", true).put("lastSeenAt", known.lastSeenAt().toString());
                run.append(CONTACT_DELETED, eventId(run.connectionId, known.contactId(), known.version() + 1, CONTACT_DELETED,
                        BirdSendContactState.hash(known.contentHash() + "|" + known.tagsHash() + "|deleted")),
                        ContactKeys.birdSend(known.contactId()), write(payload));
            }
            store.deleteSnapshot(run.connectionId, known.contactId());
        } else {
            process(run, List.of(contact), silent);
            // Seen, even if unreadable: it is no deletion candidate of this pass any more.
            store.touch(run.connectionId, List.of(known.contactId()), clock.instant());
        }
    }

    private void savePass(PollRun run, String lease, PollState.Pass pass) {
        if (!store.savePass(SOURCE, run.connectionId, lease, pass, props.leaseDuration())) {
            throw new IllegalStateException("lost the poll lease to another replica; the pass continues there");
        }
    }

    // ---- the quick scan -------------------------------------------------------------------------

    private PollOutcome scanNewest(PollRun run, String lease, PollState state) throws InterruptedException {
        CaptureProperties.BirdSend cfg = props.birdsend();
        boolean auto = cfg.quickOrderBy().equals(CaptureProperties.BirdSend.AUTO);
        if (!auto) {
            return newestPages(run, lease, cfg.quickOrderBy(), null);
        }
        String order = state.quickOrderBy() == null ? CONTACT_ID : state.quickOrderBy();
        boolean probeDue = state.quickOrderProbedAt() == null
                || !clock.instant().isBefore(state.quickOrderProbedAt().plus(cfg.orderProbeInterval()));
        if (!probeDue && !order.equals(UPDATED_AT)) {
            return newestPages(run, lease, order, null);
        }
        // The newest page by updated_at: both the probe and, when the account sorts by it, this scan's first page.
        Page first;
        Boolean sorted;
        try {
            first = list(run, 1, UPDATED_AT, "desc");
            sorted = sortedByUpdatedAt(first.contacts());
        } catch (UpstreamApiException e) {
            if (e.status() != 422) {
                throw e;
            }
            first = null;
            sorted = false; // the API refuses to sort by it
        }
        String found = sorted == null ? order : sorted ? UPDATED_AT : CONTACT_ID;
        // A page that cannot tell (every time on it equal, as after a bulk import) is no answer: the next quick scan
        // asks again, by when edits have usually made the times differ.
        if ((probeDue && sorted != null) || !found.equals(order)) {
            if (!found.equals(state.quickOrderBy())) {
                LOG.info("BirdSend connection {}: the contact list {} by updated_at; quick scans sort by {}", run.connectionId,
                        found.equals(UPDATED_AT) ? "sorts" : "does not sort", found);
            }
            if (!store.recordQuickOrder(SOURCE, run.connectionId, lease, found, clock.instant())) {
                throw new IllegalStateException("lost the poll lease to another replica; the scan stops");
            }
        }
        return found.equals(UPDATED_AT) ? newestPages(run, lease, UPDATED_AT, first) : newestPages(run, lease, found, null);
    }

    /** Pages newest first by {@code orderBy}, until one has nothing new or changed; {@code first}: page 1 if read. */
    private PollOutcome newestPages(PollRun run, String lease, String orderBy, Page first) throws InterruptedException {
        CaptureProperties.BirdSend cfg = props.birdsend();
        for (int page = 1; page <= cfg.quickMaxPages(); page++) {
            Page p = page == 1 && first != null ? first : list(run, page, orderBy, "desc");
            int found = process(run, p.contacts(), false);
            renew(run, lease);
            if (found == 0 || p.last()) {
                return run.outcome(PollOutcome.Status.OK, null);
            }
        }
        return run.outcome(PollOutcome.Status.PARTIAL, "every page of " + cfg.quickMaxPages() + " (quick-max-pages) had new or "
                + "changed contacts; the rolling scan finds the rest");
    }

    /**
     * Whether a page asked for newest {@code updated_at} first is in that order: true when every contact carries
     * {@code updated_at} and the times never increase, with at least two different ones; false when one lacks it
     * or the order is broken; null when all times are equal (or there are fewer than two contacts) and so nothing
     * can be told. An account that ignores {@code order_by} and happens to list contacts nobody edited yet passes
     * too: that is harmless while it holds, and the rolling scan finds what such a quick scan misses.
     */
    static Boolean sortedByUpdatedAt(List<JsonNode> contacts) {
        Instant previous = null;
        boolean distinct = false;
        for (JsonNode contact : contacts) {
            Instant at = time(contact.path(UPDATED_AT));
            if (at == null) {
                return false;
            }
            if (previous != null) {
                if (at.isAfter(previous)) {
                    return false;
                }
                distinct |= at.isBefore(previous);
            }
            previous = at;
        }
        return distinct ? Boolean.TRUE : null;
    }

    /** A BirdSend timestamp, or null when absent or unreadable. */
    static Instant time(JsonNode node) {
        if (node == null || !node.isTextual() || node.asText().isBlank()) {
            return null;
        }
        String text = node.asText().trim();
        try {
            return BIRDSEND_TIME.parse(text, Instant::from);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    // ---- comparing ------------------------------------------------------------------------------

    /**
     * Compares contacts with their snapshots, appends what changed, and stores what was seen.
     *
     * @return how many of them were new or changed
     */
    private int process(PollRun run, List<JsonNode> contacts, boolean silent) {
        Page.Read read = read(run, contacts);
        Compared compared = compare(run, read, store.snapshots(run.connectionId, read.states().keySet()), silent);
        store.touch(run.connectionId, compared.unchanged(), compared.at());
        return compared.found();
    }

    /** The contacts of a page the poller can read, with their states, by id in page order. */
    private Page.Read read(PollRun run, List<JsonNode> contacts) {
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        Map<String, BirdSendContactState> states = new LinkedHashMap<>();
        for (JsonNode contact : contacts) {
            run.contacts++;
            BirdSendContactState state;
            try {
                state = BirdSendContactState.of(contact);
            } catch (IllegalArgumentException e) {
                LOG.warn("BirdSend listed a contact the poller cannot read; skipped: {}", e.getMessage());
                continue;
            }
            byId.put(state.contactId(), contact);
            states.put(state.contactId(), state);
        }
        return new Page.Read(byId, states);
    }

    /** What a comparison found: new or changed contacts (stored), and the ids of the unchanged ones (not stored). */
    private record Compared(int found, List<String> unchanged, Instant at) {
    }

    /** Compares read contacts with {@code known} snapshots (it may hold others too), appends what changed and stores it. */
    private Compared compare(PollRun run, Page.Read read, Map<String, BirdSendSnapshot> known, boolean silent) {
        Instant now = clock.instant();
        List<String> unchanged = new ArrayList<>();
        List<BirdSendSnapshot> firsts = new ArrayList<>();
        int found = 0;
        for (Map.Entry<String, BirdSendContactState> e : read.states().entrySet()) {
            BirdSendContactState seen = e.getValue();
            BirdSendSnapshot before = known.get(e.getKey());
            if (before == null) {
                BirdSendSnapshot first = BirdSendSnapshot.first(run.connectionId, seen, now);
                if (!silent) {
                    run.append(CONTACT_CREATED, eventId(run.connectionId, seen.contactId(), first.version(), CONTACT_CREATED, seen.stateHash()),
                            ContactKeys.birdSend(seen.contactId()), payload(read.byId().get(e.getKey()), json.createObjectNode()));
                }
                firsts.add(first);
                found++;
            } else if (changed(before, seen)) {
                if (!silent) {
                    appendChanges(run, before, seen, read.byId().get(e.getKey()));
                }
                store.saveSnapshot(before.next(seen, now));
                found++;
            } else {
                unchanged.add(e.getKey());
            }
        }
        store.insertSnapshots(firsts);
        return new Compared(found, unchanged, now);
    }

    private static boolean changed(BirdSendSnapshot before, BirdSendContactState seen) {
        return !before.contentHash().equals(seen.contentHash()) || !before.tagsHash().equals(seen.tagsHash())
                || (seen.status() != null && !seen.status().equals(before.status()))
                || (seen.sequenceIds() != null && !seen.sequenceIds().equals(before.sequenceIds()));
    }

    private void appendChanges(PollRun run, BirdSendSnapshot before, BirdSendContactState seen, JsonNode contact) {
        int version = before.version() + 1;
        String id = seen.contactId();
        String key = ContactKeys.birdSend(id);
        String oldStatus = before.status();
        String newStatus = seen.status();
        boolean statusChanged = newStatus != null && oldStatus != null && !newStatus.equals(oldStatus);
        boolean unsubscribed = statusChanged && newStatus.equals(UNSUBSCRIBED);
        boolean resubscribed = statusChanged && oldStatus.equals(UNSUBSCRIBED) && !unsubscribed;
        // A status BirdSend may add later (neither of the two known ones) is reported as a change of the contact.
        boolean otherStatus = statusChanged && !unsubscribed && !resubscribed;

        if (!before.contentHash().equals(seen.contentHash()) || otherStatus) {
            ObjectNode changes = json.createObjectNode();
            if (!Objects.equals(before.email(), seen.email())) {
                changes.putObject("email").put("from", before.email()).put("to", seen.email());
            }
            changes.put("fields", !before.fieldsHash().equals(seen.fieldsHash()));
            if (otherStatus) {
                changes.putObject("status").put("from", oldStatus).put("to", newStatus);
            }
            run.append(CONTACT_CHANGED, eventId(run.connectionId, id, version, CONTACT_CHANGED, seen.stateHash()), key, payload(contact, changes));
        }
        if (!before.tagsHash().equals(seen.tagsHash())) {
            TreeSet<String> added = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
            added.addAll(seen.tags());
            before.tags().forEach(added::remove);
            TreeSet<String> removed = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
            removed.addAll(before.tags());
            seen.tags().forEach(removed::remove);
            ObjectNode changes = json.createObjectNode();
            changes.set("added", json.valueToTree(added));
            changes.set("removed", json.valueToTree(removed));
            run.append(CONTACT_TAGS_CHANGED, eventId(run.connectionId, id, version, CONTACT_TAGS_CHANGED, seen.stateHash()), key,
                    payload(contact, changes));
        }
        if (unsubscribed || resubscribed) {
            String type = unsubscribed ? CONTACT_UNSUBSCRIBED : CONTACT_RESUBSCRIBED;
            ObjectNode changes = json.createObjectNode();
            changes.putObject("status").put("from", oldStatus).put("to", newStatus);
            run.append(type, eventId(run.connectionId, id, version, type, seen.stateHash()), key, payload(contact, changes));
        }
        // Sequences known before (not null) and now: a first sight of the list only records it.
        if (before.sequenceIds() != null && seen.sequenceIds() != null && !before.sequenceIds().equals(seen.sequenceIds())) {
            ObjectNode changes = json.createObjectNode();
            changes.set("joined", sequences(contact, seen.sequenceIds(), before.sequenceIds()));
            changes.set("left", sequences(contact, before.sequenceIds(), seen.sequenceIds()));
            run.append(CONTACT_SEQUENCES_CHANGED, eventId(run.connectionId, id, version, CONTACT_SEQUENCES_CHANGED, seen.stateHash()), key,
                    payload(contact, changes));
        }
    }

    /** {@code [{sequence_id, name}]} of the ids in {@code ids} but not in {@code except}, names from the contact. */
    private JsonNode sequences(JsonNode contact, List<String> ids, List<String> except) {
        var out = json.createArrayNode();
        for (String sequenceId : ids) {
            if (except.contains(sequenceId)) {
                continue;
            }
            String name = null;
            for (JsonNode listed : contact.path("sequences")) {
                if (listed.isObject() && sequenceId.equals(listed.path("sequence_id").asText())) {
                    name = listed.path("name").isTextual() ? listed.path("name").asText() : null;
                }
            }
            ObjectNode entry = out.addObject();
            entry.set("sequence_id", contactIdNode(sequenceId)); // a number, as BirdSend's ids are
            entry.put("name", name);
        }
        return out;
    }

    /**
     * {@code <connection>/<contact_id>:<version>:<event type>:<hash of the new state>}; see the class comment. The
     * connection comes first because BirdSend's contact ids are per account: two accounts have their own contact 42.
     */
    static String eventId(String connectionId, String contactId, int version, String eventType, String stateHash) {
        return connectionId + "/" + contactId + ":" + version + ":" + eventType + ":" + stateHash.substring(0, Math.min(16, stateHash.length()));
    }

    private String payload(JsonNode contact, ObjectNode changes) {
        ObjectNode payload = contact.deepCopy();
        payload.set("changes", changes);
        return write(payload);
    }

    // ---- BirdSend requests ----------------------------------------------------------------------

    private record Page(List<JsonNode> contacts, boolean last) {

        /** A page's readable contacts and their states, by id in page order. */
        record Read(Map<String, JsonNode> byId, Map<String, BirdSendContactState> states) {
        }
    }

    private Page list(PollRun run, int page, String orderBy, String sort) {
        int perPage = props.birdsend().perPage();
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("page", page);
        query.put("per_page", perPage);
        query.put("order_by", orderBy);
        query.put("sort", sort);
        run.request();
        OutboundResponse response = client.call(run.connectionId, "list-contacts", "GET", "/contacts", query, null, share);
        run.pages++;
        JsonNode body = response.body();
        JsonNode data = body == null ? null : body.get("data");
        if (data == null || !data.isArray()) {
            throw new IllegalStateException("BirdSend's contact list answered without a data array (page " + page + ")");
        }
        List<JsonNode> contacts = new ArrayList<>(data.size());
        data.forEach(contacts::add);
        JsonNode lastPage = body.path("meta").path("last_page");
        // last_page is what BirdSend's own clients read; without it, a short page is the last.
        boolean last = contacts.isEmpty() || (lastPage.canConvertToInt() && lastPage.asInt() > 0
                ? page >= lastPage.asInt() : contacts.size() < perPage);
        return new Page(contacts, last);
    }

    /** The contact, or null when BirdSend answers 404. */
    private JsonNode get(PollRun run, String contactId) {
        try {
            run.request();
            OutboundResponse response = client.call(run.connectionId, "get-contact", "GET", "/contacts/" + contactId, null, null,
                    share);
            return response.body();
        } catch (UpstreamApiException e) {
            if (e.status() == 404) {
                return null;
            }
            throw e;
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** A lease owner per scan, so two scans of this JVM exclude each other as two replicas do. */
    private String lease(String kind) {
        return owner + ":" + kind + "-" + scans.incrementAndGet();
    }

    private boolean claimWaiting(String connectionId, String lease) throws InterruptedException {
        long deadline = System.nanoTime() + props.leaseWait().toNanos();
        while (true) {
            if (store.claim(SOURCE, connectionId, lease, props.leaseDuration())) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(LEASE_RETRY_MS);
        }
    }

    private void renew(PollRun run, String lease) {
        if (!store.renew(SOURCE, run.connectionId, lease, props.leaseDuration())) {
            throw new IllegalStateException("lost the poll lease to another replica; the scan stops");
        }
    }

    /**
     * Records the outcome, except a skipped one: the rolling scan's route runs every second, and a replica that
     * does not hold the lease would otherwise hide, in the status, what the scans that did run found.
     */
    private void finish(PollOutcome outcome) {
        if (outcome.status() != PollOutcome.Status.SKIPPED) {
            try {
                store.recordPoll(SOURCE, outcome.connectionId(), outcome);
            } catch (RuntimeException e) {
                LOG.warn("Could not record the BirdSend scan's outcome: {}", e.toString());
            }
        }
        metrics.poll(outcome);
        reporter.report(outcome);
    }

    private void releaseQuietly(String connectionId, String lease) {
        try {
            store.release(SOURCE, connectionId, lease);
        } catch (RuntimeException e) {
            LOG.warn("Could not release the BirdSend poll lease (it expires by itself): {}", e.toString());
        }
    }

    private JsonNode contactIdNode(String contactId) {
        try {
            return json.getNodeFactory().numberNode(Long.parseLong(contactId));
        } catch (NumberFormatException e) {
            return json.getNodeFactory().textNode(contactId);
        }
    }

    private String write(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
