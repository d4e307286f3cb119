package io.contactsbridge.capture;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.auth.Connection;
import io.contactsbridge.auth.ConnectionRegistry;
import io.contactsbridge.journal.ContactKeys;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.ops.BridgeProperties;
import io.contactsbridge.ops.ShutdownSignal;
import io.contactsbridge.outbound.CallerShare;
import io.contactsbridge.outbound.OutboundClient;
import io.contactsbridge.outbound.OutboundResponse;
import io.contactsbridge.outbound.UpstreamRejectedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;
import io.contactsbridge.store.ReplicaProperties;

/**
 * The HighLevel reconciliation poll: finds every contact changed since the cursor with {@code POST /contacts/search}
 * and appends each version to the journal (source {@code highlevel-poll}, type {@code ContactChanged}). Webhooks
 * usually report changes first; this poll catches what they missed (a webhook lost while the bridge was down, an
 * app not subscribed to an event).
 *
 * <h2>How it never misses a change</h2>
 * <ul>
 *   <li>The search filters {@code dateUpdated >= cursor - overlap} and sorts by {@code dateUpdated} ascending; the
 *       search orders contacts sharing a {@code dateUpdated} by id, and each returned contact carries its
 *       {@code searchAfter} (sort values, then id), so paging with it neither skips nor repeats a contact, however
 *       many share one timestamp.</li>
 *   <li>The cursor is the (dateUpdated, id) of the last contact processed, stored after every page, so a restart
 *       or crash continues there. It only moves forward.</li>
 *   <li>Every poll re-reads the overlap window before the cursor, because HighLevel's search is an index and can
 *       show a change some time after its {@code dateUpdated}. The event id is {@code <contactId>:<dateUpdated>},
 *       so a version read again is a journal duplicate and is delivered once.</li>
 *   <li>A backlog larger than {@code max-pages-per-poll} pages continues in the next poll exactly at the cursor
 *       (its {@code searchAfter}), not at the overlap window, so a burst of changes inside one overlap window can
 *       never make polls re-read the same pages forever. The overlap is re-read once the backlog is done (as far as
 *       the page cap reaches: an overlap window holding more changes than one poll reads is re-read in part).</li>
 * </ul>
 * One replica polls a connection at a time (a lease in {@code capture_cursor}); the route
 * {@code highlevel-contact-poll} ({@code routes/highlevel-poll.yaml}) calls {@link #poll} on a schedule.
 */
@Component(HighLevelContactPoller.BEAN)
public class HighLevelContactPoller {

    public static final String BEAN = "highLevelContactPoller";
    public static final String ROUTE_ID = "highlevel-contact-poll";
    public static final String SOURCE = JournalSources.HIGHLEVEL_POLL;
    public static final String EVENT_TYPE = "ContactChanged";
    static final String KIND = "poll";
    static final String OPERATION = "search-contacts";
    /** The name the poll's calls give the outbound layer, which keeps them to {@code request-share} of the budget. */
    public static final String CALLER = "capture-highlevel";

    private static final Logger LOG = LoggerFactory.getLogger(HighLevelContactPoller.class);

    private final OutboundClient client;
    private final ConnectionRegistry connections;
    private final JournalStore journal;
    private final CaptureStore store;
    private final CaptureProperties props;
    private final CaptureMetrics metrics;
    private final ObjectMapper json;
    private final Clock clock;
    private final CallerShare share;
    private final ShutdownSignal shutdown;
    private final String owner;
    private final AtomicLong polls = new AtomicLong();
    private final PollRun.Reporter reporter = new PollRun.Reporter(LOG);

    @Autowired
    public HighLevelContactPoller(OutboundClient client, ConnectionRegistry connections, JournalStore journal,
                                  CaptureStore store, CaptureProperties props,
                                  CaptureMetrics metrics, ObjectMapper json, Clock clock, BridgeProperties bridge,
                                  ShutdownSignal shutdown) {
        this(client, connections, journal, store, props, metrics, json, clock,
                bridge.instance() == null ? null : bridge.instance().id(), shutdown);
    }

    /** @param instanceId this replica's id; the lease owner is it plus a random suffix */
    public HighLevelContactPoller(OutboundClient client, ConnectionRegistry connections, JournalStore journal,
                                  CaptureStore store, CaptureProperties props,
                                  CaptureMetrics metrics, ObjectMapper json, Clock clock, String instanceId) {
        this(client, connections, journal, store, props, metrics, json, clock, instanceId, ShutdownSignal.none());
    }

    private HighLevelContactPoller(OutboundClient client, ConnectionRegistry connections, JournalStore journal,
                                   CaptureStore store, CaptureProperties props,
                                   CaptureMetrics metrics, ObjectMapper json, Clock clock, String instanceId,
                                   ShutdownSignal shutdown) {
        this.shutdown = shutdown;
        this.client = client;
        this.connections = connections;
        this.journal = journal;
        this.store = store;
        this.props = props;
        this.metrics = metrics;
        this.json = json;
        this.clock = clock;
        this.share = new CallerShare(CALLER, props.highlevel().requestShare());
        this.owner = (StringUtils.hasText(instanceId) ? instanceId : "bridge") + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Replicas take turns at the schedule ({@code bridge.replicas.enabled}); off, every schedule that fires polls. */
    private boolean takeTurns = true;

    @Autowired(required = false)
    void replicas(ReplicaProperties replicas) {
        takeTurns = replicas.enabled();
    }

    /**
     * The schedule's poll (route {@code highlevel-contact-poll}): polls unless any replica started one less than 90 %
     * of the interval ago, so replicas sharing the store poll once per interval between them. Never throws.
     */
    public PollOutcome scheduledPoll() {
        return scheduledPoll(props.highlevel().connectionId());
    }

    /** {@link #scheduledPoll()} of one connection (each pair's location is polled on its own). */
    public PollOutcome scheduledPoll(String connectionId) {
        CaptureProperties.HighLevel cfg = props.highlevel();
        try {
            if (takeTurns && !store.takeTurn(SOURCE, connectionId, KIND, owner, Duration.ofMillis(cfg.intervalMs() * 9 / 10))) {
                return new PollRun(SOURCE, connectionId, KIND, journal, metrics, clock)
                        .outcome(PollOutcome.Status.SKIPPED, "another replica polled less than an interval ago");
            }
        } catch (RuntimeException e) {
            LOG.debug("HighLevel poll: could not take the schedule's turn ({}); polling (the lease still excludes others)",
                    e.toString());
        }
        return poll(connectionId);
    }

    /** Polls once; never throws (a failure is in the outcome, the status and the log). */
    public PollOutcome poll() {
        return poll(props.highlevel().connectionId());
    }

    /** {@link #poll()} of one connection. */
    public PollOutcome poll(String connectionId) {
        CaptureProperties.HighLevel cfg = props.highlevel();
        PollRun run = new PollRun(SOURCE, connectionId, KIND, journal, metrics, clock);
        // A lease owner per poll, so two polls of this JVM exclude each other as two replicas do.
        String lease = owner + ":poll-" + polls.incrementAndGet();
        PollOutcome outcome;
        boolean leased = false;
        try {
            leased = store.claim(SOURCE, connectionId, lease, props.leaseDuration());
            outcome = leased ? pollLeased(cfg, run, lease) : run.outcome(PollOutcome.Status.SKIPPED, "another poll is running");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = run.outcome(PollOutcome.Status.FAILED, "interrupted");
        } catch (RuntimeException e) {
            if (shutdown.isStopping()) {
                // Whatever the stop cut short (a slot wait, a call): the stored cursor is where the next poll starts.
                outcome = run.outcome(PollOutcome.Status.PARTIAL, PollRun.STOPPED_FOR_SHUTDOWN);
            } else {
                outcome = run.outcome(PollOutcome.Status.FAILED, PollRun.describe(e));
            }
        } finally {
            if (leased) {
                releaseQuietly(connectionId, lease);
            }
        }
        finish(outcome);
        return outcome;
    }

    private PollOutcome pollLeased(CaptureProperties.HighLevel cfg, PollRun run, String lease) throws InterruptedException {
        String connectionId = run.connectionId;
        String locationId = connections.find(connectionId).map(Connection::locationId).filter(StringUtils::hasText)
                .orElseThrow(() -> new IllegalStateException("connection " + connectionId + " has no HighLevel location id: "
                        + "set bridge.connections." + connectionId + ".location-id, or connect it with OAuth"));
        HighLevelCursor cursor = HighLevelCursor.from(store.find(SOURCE, connectionId).orElse(null));
        if (cursor == null) {
            // First poll of this connection: start at now - initial-lookback, and remember that, so a restart
            // after a long outage still continues from here rather than from its own "now".
            cursor = new HighLevelCursor(clock.instant().minus(cfg.initialLookback()).truncatedTo(ChronoUnit.MILLIS), "",
                    null, false);
            if (!store.saveCursor(SOURCE, connectionId, lease, cursor, props.leaseDuration())) {
                return leaseLost(run);
            }
        }
        Instant from = cursor.dateUpdated().minus(cfg.overlap());
        JsonNode searchAfter = null;
        if (cursor.catchingUp()) {
            searchAfter = parseArray(cursor.searchAfter());
            if (searchAfter == null) {
                // No contact passed yet (only the overlap before the first cursor was read): start right at it.
                searchAfter = json.createArrayNode().add(cursor.dateUpdated().toEpochMilli()).add(cursor.contactId());
            }
        }
        while (true) {
            ObjectNode body = searchBody(locationId, cfg.pageLimit(), from, searchAfter);
            OutboundResponse response;
            run.request();
            try {
                response = client.call(connectionId, OPERATION, "POST", "/contacts/search", null, body, share);
            } catch (UpstreamRejectedException e) {
                if (searchAfter != null && run.pages == 0 && (e.status() == 400 || e.status() == 422)) {
                    // The stored searchAfter no longer fits the search (e.g. the service changed its form): fall
                    // back to the overlap window, which only costs re-reading it.
                    LOG.warn("HighLevel refused the stored searchAfter {} ({}); polling from the overlap window instead",
                            cursor.searchAfter(), e.getMessage());
                    searchAfter = null;
                    cursor = cursor.catchingUp(false);
                    continue;
                }
                throw e;
            }
            JsonNode contacts = response.body() == null ? null : response.body().get("contacts");
            if (contacts == null || !contacts.isArray()) {
                throw new IllegalStateException("HighLevel's contact search answered without a contacts array");
            }
            run.pages++;
            JsonNode lastAfter = null;
            for (JsonNode found : contacts) {
                run.contacts++;
                ObjectNode contact = found.deepCopy();
                JsonNode after = contact.remove("searchAfter");
                String id = text(contact.get("id"));
                Instant updated = instant(contact.get("dateUpdated"));
                if (updated == null) {
                    updated = instant(contact.get("dateAdded"));
                }
                if (after == null || !after.isArray()) {
                    after = id == null || updated == null ? null : json.createArrayNode().add(updated.toEpochMilli()).add(id);
                }
                lastAfter = after == null ? lastAfter : after;
                if (id == null || updated == null) {
                    LOG.warn("HighLevel contact search returned a contact without id or dateUpdated; skipped: {}",
                            abbreviate(contact.toString()));
                    continue;
                }
                run.append(EVENT_TYPE, id + ":" + updated, ContactKeys.highLevel(id), write(contact));
                if (cursor.isBefore(updated, id)) {
                    cursor = new HighLevelCursor(updated, id, after == null ? null : after.toString(), false);
                }
            }
            boolean more = contacts.size() >= cfg.pageLimit() && lastAfter != null;
            boolean capped = more && run.pages >= cfg.maxPagesPerPoll();
            cursor = cursor.catchingUp(capped);
            if (!store.saveCursor(SOURCE, connectionId, lease, cursor, props.leaseDuration())) {
                return leaseLost(run);
            }
            if (!more) {
                return run.outcome(PollOutcome.Status.OK, null);
            }
            if (capped) {
                return run.outcome(PollOutcome.Status.PARTIAL, "stopped after " + run.pages + " pages (max-pages-per-poll); "
                        + "the next poll continues at the cursor");
            }
            if (shutdown.isStopping()) {
                return run.outcome(PollOutcome.Status.PARTIAL, PollRun.STOPPED_FOR_SHUTDOWN);
            }
            searchAfter = lastAfter;
        }
    }

    /** The search for contacts updated since {@code from}, oldest change first. */
    ObjectNode searchBody(String locationId, int pageLimit, Instant from, JsonNode searchAfter) {
        ObjectNode body = json.createObjectNode().put("locationId", locationId).put("pageLimit", pageLimit);
        ObjectNode range = json.createObjectNode().put("gte", from.truncatedTo(ChronoUnit.MILLIS).toString());
        body.putArray("filters").addObject().put("field", "dateUpdated").put("operator", "range").set("value", range);
        body.putArray("sort").addObject().put("field", "dateUpdated").put("direction", "asc");
        if (searchAfter != null) {
            body.set("searchAfter", searchAfter);
        }
        return body;
    }

    private PollOutcome leaseLost(PollRun run) {
        return run.outcome(PollOutcome.Status.FAILED, "lost the poll lease to another replica; it continues from the stored cursor");
    }

    private void finish(PollOutcome outcome) {
        try {
            store.recordPoll(SOURCE, outcome.connectionId(), outcome);
        } catch (RuntimeException e) {
            LOG.warn("Could not record the HighLevel poll's outcome: {}", e.toString());
        }
        metrics.poll(outcome);
        reporter.report(outcome);
    }

    private void releaseQuietly(String connectionId, String lease) {
        try {
            store.release(SOURCE, connectionId, lease);
        } catch (RuntimeException e) {
            LOG.warn("Could not release the HighLevel poll lease (it expires by itself): {}", e.toString());
        }
    }

    private String write(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode parseArray(String text) {
        if (text == null) {
            return null;
        }
        try {
            JsonNode node = json.readTree(text);
            return node != null && node.isArray() ? (ArrayNode) node : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** An ISO-8601 date-time or epoch milliseconds, as HighLevel writes dates; null when absent or unreadable. */
    static Instant instant(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isIntegralNumber()) {
            return Instant.ofEpochMilli(node.asLong());
        }
        String text = node.asText().trim();
        if (text.isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || node.asText().isBlank() ? null : node.asText();
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 299) + "…";
    }
}
