package io.contactsbridge.capture;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.journal.ContactKeys;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.ops.BridgeProperties;
import io.contactsbridge.ops.ShutdownSignal;
import io.contactsbridge.outbound.OutboundClient;
import io.contactsbridge.outbound.OutboundProperties;
import io.contactsbridge.outbound.OutboundResponse;
import io.contactsbridge.outbound.RateBudget;
import io.contactsbridge.outbound.UpstreamApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

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
 *   <li>{@code ContactDeleted}: a known contact missing from a complete full scan and answering 404.</li>
 * </ul>
 * One change of a contact can give several events (in that order). The payload is the contact as BirdSend returned
 * it plus a {@code changes} object; the contact key is {@code birdsend:<contact_id>}. The event id is
 * {@code <contact_id>:<version>:<event type>:<hash>} where version counts the changes recorded for the contact and
 * hash is of the new state: a change found again (after a crash between append and snapshot update) is a journal
 * duplicate, while a state the contact returns to later (unsubscribed, resubscribed, unsubscribed again) is a new
 * event.
 *
 * <h2>Two scans</h2>
 * <ul>
 *   <li>{@link #quickScan}, often: newest contacts first ({@code order_by=contact_id&sort=desc}); stops at the first
 *       page with nothing new or changed, or after {@code quick-max-pages}. Finds new contacts within seconds, and
 *       changes to contacts on the pages it reads.</li>
 *   <li>{@link #fullScan}, less often: every page in ascending id order (new contacts are added at the end, so
 *       pages do not shift under the scan while contacts are added). Finds every change, and deletions: known
 *       contacts not seen by a complete scan are looked up, and reported deleted only if BirdSend answers 404
 *       (a deletion during the scan shifts later contacts to an earlier page, where the scan may miss them).</li>
 * </ul>
 * The very first scan of a connection (the baseline) is a full scan that records what exists without reporting it
 * (unless {@code emit-existing-on-first-scan}): existing contacts are the backfill's job. Requests go through the
 * outbound layer (rate budget, retries) and are additionally capped at {@code request-share} of the budget.
 * One scan runs at a time per connection, across replicas (a lease in {@code capture_cursor}).
 */
@Component(BirdSendContactPoller.BEAN)
public class BirdSendContactPoller {

    public static final String BEAN = "birdSendContactPoller";
    public static final String QUICK_ROUTE_ID = "birdsend-contact-poll-quick";
    public static final String FULL_ROUTE_ID = "birdsend-contact-poll-full";
    public static final String SOURCE = JournalSources.BIRDSEND_POLL;

    public static final String CONTACT_CREATED = "ContactCreated";
    public static final String CONTACT_CHANGED = "ContactChanged";
    public static final String CONTACT_TAGS_CHANGED = "ContactTagsChanged";
    public static final String CONTACT_UNSUBSCRIBED = "ContactUnsubscribed";
    public static final String CONTACT_RESUBSCRIBED = "ContactResubscribed";
    public static final String CONTACT_DELETED = "ContactDeleted";

    static final String QUICK = "quick";
    static final String FULL = "full";
    private static final String ACTIVE = "active";
    private static final String UNSUBSCRIBED = "unsubscribed";
    private static final long LEASE_RETRY_MS = 100;

    private static final Logger LOG = LoggerFactory.getLogger(BirdSendContactPoller.class);

    private final OutboundClient client;
    private final JournalStore journal;
    private final CaptureStore store;
    private final CaptureProperties props;
    private final CaptureMetrics metrics;
    private final ObjectMapper json;
    private final Clock clock;
    private final RequestPacer pacer;
    private final ShutdownSignal shutdown;
    private final String owner;
    private final AtomicLong scans = new AtomicLong();
    private final PollRun.Reporter reporter = new PollRun.Reporter(LOG);

    @Autowired
    public BirdSendContactPoller(OutboundClient client, JournalStore journal, CaptureStore store, CaptureProperties props,
                                 OutboundProperties outbound, CaptureMetrics metrics, ObjectMapper json, Clock clock,
                                 BridgeProperties bridge, ShutdownSignal shutdown) {
        this(client, journal, store, props, outbound, metrics, json, clock,
                bridge.instance() == null ? null : bridge.instance().id(), shutdown);
    }

    /** @param instanceId this replica's id; lease owners are it plus a random suffix and the scan kind */
    public BirdSendContactPoller(OutboundClient client, JournalStore journal, CaptureStore store, CaptureProperties props,
                                 OutboundProperties outbound, CaptureMetrics metrics, ObjectMapper json, Clock clock,
                                 String instanceId) {
        this(client, journal, store, props, outbound, metrics, json, clock, instanceId, ShutdownSignal.none());
    }

    private BirdSendContactPoller(OutboundClient client, JournalStore journal, CaptureStore store, CaptureProperties props,
                                  OutboundProperties outbound, CaptureMetrics metrics, ObjectMapper json, Clock clock,
                                  String instanceId, ShutdownSignal shutdown) {
        this.shutdown = shutdown;
        this.client = client;
        this.journal = journal;
        this.store = store;
        this.props = props;
        this.metrics = metrics;
        this.json = json;
        this.clock = clock;
        this.pacer = new RequestPacer("capture-birdsend", outbound.birdsend().rate(), props.birdsend().requestShare(),
                RateBudget.Clock.stoppable(shutdown));
        this.owner = (StringUtils.hasText(instanceId) ? instanceId : "bridge") + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The poller's own cap on one window of the connection's budget (requests per period). */
    public int requestLimit(String window) {
        return pacer.limit(window);
    }

    /**
     * Reads the newest contacts until a page holds nothing new or changed. Before the baseline exists it makes the
     * baseline instead (a full scan). Skipped while a full scan runs. Never throws.
     */
    public PollOutcome quickScan() {
        String connectionId = props.birdsend().connectionId();
        PollRun run = new PollRun(SOURCE, connectionId, QUICK, journal, metrics, clock);
        String lease = lease(QUICK);
        PollOutcome outcome;
        boolean leased = false;
        try {
            leased = store.claim(SOURCE, connectionId, lease, props.leaseDuration());
            if (!leased) {
                outcome = run.outcome(PollOutcome.Status.SKIPPED, "another scan is running");
            } else if (!store.find(SOURCE, connectionId).map(PollState::baselineDone).orElse(false)) {
                outcome = scanAll(run, lease, true);
            } else {
                outcome = scanNewest(run, lease);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = run.outcome(PollOutcome.Status.FAILED, "interrupted");
        } catch (RuntimeException e) {
            outcome = failed(run, e);
        } finally {
            if (leased) {
                releaseQuietly(connectionId, lease);
            }
        }
        finish(outcome);
        return outcome;
    }

    /**
     * Reads every page, then looks for deletions. Waits up to {@code lease-wait} for a running quick scan; skipped
     * when a complete full scan ended while it waited. Never throws.
     */
    public PollOutcome fullScan() {
        String connectionId = props.birdsend().connectionId();
        PollRun run = new PollRun(SOURCE, connectionId, FULL, journal, metrics, clock);
        String lease = lease(FULL);
        Instant requestedAt = clock.instant();
        PollOutcome outcome;
        boolean leased = false;
        try {
            leased = claimWaiting(connectionId, lease);
            if (!leased) {
                outcome = run.outcome(PollOutcome.Status.SKIPPED, "another scan held the poller for longer than lease-wait");
            } else {
                PollState state = store.find(SOURCE, connectionId).orElseThrow();
                if (state.lastFullScanAt() != null && !state.lastFullScanAt().isBefore(requestedAt)) {
                    outcome = run.outcome(PollOutcome.Status.SKIPPED, "a full scan ended while this one waited");
                } else {
                    outcome = scanAll(run, lease, !state.baselineDone());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = run.outcome(PollOutcome.Status.FAILED, "interrupted");
        } catch (RuntimeException e) {
            outcome = failed(run, e);
        } finally {
            if (leased) {
                releaseQuietly(connectionId, lease);
            }
        }
        finish(outcome);
        return outcome;
    }

    /** A scan that threw: failed, unless the shutdown cut it short (then the snapshots so far are kept). */
    private PollOutcome failed(PollRun run, RuntimeException e) {
        return shutdown.isStopping() ? run.outcome(PollOutcome.Status.PARTIAL, PollRun.STOPPED_FOR_SHUTDOWN)
                : run.outcome(PollOutcome.Status.FAILED, PollRun.describe(e));
    }

    // ---- scans ----------------------------------------------------------------------------------

    private PollOutcome scanNewest(PollRun run, String lease) throws InterruptedException {
        CaptureProperties.BirdSend cfg = props.birdsend();
        for (int page = 1; page <= cfg.quickMaxPages(); page++) {
            Page p = list(run, page, cfg.quickOrderBy(), "desc");
            int found = process(run, p.contacts(), false);
            renew(run, lease);
            if (found == 0 || p.last()) {
                return run.outcome(PollOutcome.Status.OK, null);
            }
            if (shutdown.isStopping()) {
                return run.outcome(PollOutcome.Status.PARTIAL, PollRun.STOPPED_FOR_SHUTDOWN);
            }
        }
        return run.outcome(PollOutcome.Status.PARTIAL, "every page of " + cfg.quickMaxPages() + " (quick-max-pages) had new or "
                + "changed contacts; the full scan finds the rest");
    }

    /** A full scan; {@code baseline}: the first one, which records without reporting (by default). */
    private PollOutcome scanAll(PollRun run, String lease, boolean baseline) throws InterruptedException {
        CaptureProperties.BirdSend cfg = props.birdsend();
        boolean silent = baseline && !cfg.emitExistingOnFirstScan();
        Instant scanStart = clock.instant();
        for (int page = 1; ; page++) {
            Page p = list(run, page, "contact_id", "asc");
            process(run, p.contacts(), silent);
            renew(run, lease);
            if (p.last()) {
                break;
            }
            if (shutdown.isStopping()) {
                // Not a complete scan: no deletions are concluded from it, and the next full scan starts over.
                return run.outcome(PollOutcome.Status.PARTIAL, PollRun.STOPPED_FOR_SHUTDOWN);
            }
        }
        findDeletions(run, lease, scanStart, silent);
        if (!store.recordFullScan(SOURCE, run.connectionId, lease, clock.instant())) {
            throw new IllegalStateException("lost the poll lease to another replica during the full scan");
        }
        if (baseline) {
            LOG.info("BirdSend baseline of connection {} recorded: {} contacts known{}", run.connectionId,
                    store.countSnapshots(run.connectionId), silent ? " (not reported: the backfill handles existing contacts)" : "");
        }
        return run.outcome(PollOutcome.Status.OK, null);
    }

    /** Known contacts a complete scan did not see: deleted if BirdSend answers 404, else compared as usual. */
    private void findDeletions(PollRun run, String lease, Instant scanStart, boolean silent) throws InterruptedException {
        List<BirdSendSnapshot> missing = store.notSeenSince(run.connectionId, scanStart, props.birdsend().maxDeletionChecks());
        for (BirdSendSnapshot known : missing) {
            JsonNode contact = get(run, known.contactId());
            if (contact == null) {
                if (!silent) {
                    ObjectNode payload = json.createObjectNode();
                    payload.set("contact_id", contactIdNode(known.contactId()));
                    payload.put("email", known.email());
                    payload.put("status", known.status());
                    payload.set("tags", json.valueToTree(known.tags()));
                    payload.putObject("changes").put("deleted", true).put("lastSeenAt", known.lastSeenAt().toString());
                    run.append(CONTACT_DELETED, eventId(known.contactId(), known.version() + 1, CONTACT_DELETED,
                            BirdSendContactState.hash(known.contentHash() + "|" + known.tagsHash() + "|deleted")),
                            ContactKeys.birdSend(known.contactId()), write(payload));
                }
                store.deleteSnapshot(run.connectionId, known.contactId());
            } else {
                process(run, List.of(contact), silent);
            }
            renew(run, lease);
            shutdown.check("the remaining deletion checks of the full scan");
        }
    }

    // ---- comparing ------------------------------------------------------------------------------

    /**
     * Compares contacts with their snapshots, appends what changed, and stores what was seen.
     *
     * @return how many of them were new or changed
     */
    private int process(PollRun run, List<JsonNode> contacts, boolean silent) {
        Instant now = clock.instant();
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
        Map<String, BirdSendSnapshot> known = store.snapshots(run.connectionId, states.keySet());
        List<String> unchanged = new ArrayList<>();
        int found = 0;
        for (Map.Entry<String, BirdSendContactState> e : states.entrySet()) {
            BirdSendContactState seen = e.getValue();
            BirdSendSnapshot before = known.get(e.getKey());
            if (before == null) {
                BirdSendSnapshot first = BirdSendSnapshot.first(run.connectionId, seen, now);
                if (!silent) {
                    run.append(CONTACT_CREATED, eventId(seen.contactId(), first.version(), CONTACT_CREATED, seen.stateHash()),
                            ContactKeys.birdSend(seen.contactId()), payload(byId.get(e.getKey()), json.createObjectNode()));
                }
                store.saveSnapshot(first);
                found++;
            } else if (changed(before, seen)) {
                if (!silent) {
                    appendChanges(run, before, seen, byId.get(e.getKey()));
                }
                store.saveSnapshot(before.next(seen, now));
                found++;
            } else {
                unchanged.add(e.getKey());
            }
        }
        store.touch(run.connectionId, unchanged, now);
        return found;
    }

    private static boolean changed(BirdSendSnapshot before, BirdSendContactState seen) {
        return !before.contentHash().equals(seen.contentHash()) || !before.tagsHash().equals(seen.tagsHash())
                || (seen.status() != null && !seen.status().equals(before.status()));
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
            run.append(CONTACT_CHANGED, eventId(id, version, CONTACT_CHANGED, seen.stateHash()), key, payload(contact, changes));
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
            run.append(CONTACT_TAGS_CHANGED, eventId(id, version, CONTACT_TAGS_CHANGED, seen.stateHash()), key,
                    payload(contact, changes));
        }
        if (unsubscribed || resubscribed) {
            String type = unsubscribed ? CONTACT_UNSUBSCRIBED : CONTACT_RESUBSCRIBED;
            ObjectNode changes = json.createObjectNode();
            changes.putObject("status").put("from", oldStatus).put("to", newStatus);
            run.append(type, eventId(id, version, type, seen.stateHash()), key, payload(contact, changes));
        }
    }

    /** {@code <contact_id>:<version>:<event type>:<hash of the new state>}; see the class comment. */
    static String eventId(String contactId, int version, String eventType, String stateHash) {
        return contactId + ":" + version + ":" + eventType + ":" + stateHash.substring(0, Math.min(16, stateHash.length()));
    }

    private String payload(JsonNode contact, ObjectNode changes) {
        ObjectNode payload = contact.deepCopy();
        payload.set("changes", changes);
        return write(payload);
    }

    // ---- BirdSend requests ----------------------------------------------------------------------

    private record Page(List<JsonNode> contacts, boolean last) {
    }

    private Page list(PollRun run, int page, String orderBy, String sort) throws InterruptedException {
        int perPage = props.birdsend().perPage();
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("page", page);
        query.put("per_page", perPage);
        query.put("order_by", orderBy);
        query.put("sort", sort);
        run.requests++;
        OutboundResponse response = pacer.call(() -> client.call(run.connectionId, "list-contacts", "GET", "/contacts", query, null));
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
    private JsonNode get(PollRun run, String contactId) throws InterruptedException {
        run.requests++;
        try {
            OutboundResponse response = pacer.call(() -> client.call(run.connectionId, "get-contact", "GET",
                    "/contacts/" + contactId, null, null));
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
            if (System.nanoTime() >= deadline || !shutdown.sleep(java.time.Duration.ofMillis(LEASE_RETRY_MS))) {
                return false;
            }
        }
    }

    private void renew(PollRun run, String lease) {
        if (!store.renew(SOURCE, run.connectionId, lease, props.leaseDuration())) {
            throw new IllegalStateException("lost the poll lease to another replica; the scan stops");
        }
    }

    private void finish(PollOutcome outcome) {
        try {
            store.recordPoll(SOURCE, outcome.connectionId(), outcome);
        } catch (RuntimeException e) {
            LOG.warn("Could not record the BirdSend scan's outcome: {}", e.toString());
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
