package io.contactsbridge.sync;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.auth.HighLevelAppLifecycle;
import io.contactsbridge.journal.ContactKeys;
import io.contactsbridge.journal.JournalEvent;
import io.contactsbridge.journal.JournalHeaders;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.mapping.BirdSendWrite;
import io.contactsbridge.mapping.CanonicalContact;
import io.contactsbridge.mapping.ContactMapping;
import io.contactsbridge.mapping.FieldRule;
import io.contactsbridge.mapping.HighLevelFieldKeys;
import io.contactsbridge.mapping.HighLevelWrite;
import io.contactsbridge.mapping.Side;
import io.contactsbridge.outbound.DeadLetterReplay;
import io.contactsbridge.outbound.DeadLetterStore;
import io.contactsbridge.outbound.UpstreamError;
import io.contactsbridge.outbound.UpstreamRejectedException;
import io.contactsbridge.outbound.contacts.HighLevelContactApi;
import io.contactsbridge.outbound.contacts.BirdSendContactApi;
import io.contactsbridge.outbound.contacts.ContactRefusedException;
import io.contactsbridge.reports.ReportCounters;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Keeps one contact the same on both sides, in steps ({@link #STEPS}: read, unlink, merge, create, write each side,
 * record the link) over a {@link SyncCase}. Route {@code contact-sync} turns every journal event (HighLevel webhooks
 * and polls, BirdSend polls and notifications, backfill items handed over) into a case ({@link #begin}) and route {@code contact-reconcile} runs
 * the steps; the backfill runs the same steps for every pair ({@link #run}).
 *
 * <p>An event is only a hint that a contact may have changed. If the event's own copy of the contact matches
 * what both sides last agreed on (the link's shadow), it is the echo of the bridge's own write, or old news,
 * and nothing is called at all. Otherwise both sides are read as they are now, merged three ways
 * ({@link ContactMerge}) and each side gets only what differs. Reading current state rather than trusting the
 * event makes late, repeated and out-of-order events harmless, and makes every step safe to repeat after a
 * crash: a write that was made but not recorded is found already done.
 *
 * <p>Identity: an existing link, else the normalised email, else (towards HighLevel, whose duplicate search
 * takes a phone) the E.164 phone. Creates go through the services' own duplicate checks (HighLevel's
 * duplicate answer names the existing contact, BirdSend's "email has already been taken"), so a contact that
 * exists is linked, never created twice.
 */
@Component("contactSync")
public class ContactSync {

    private static final Logger LOG = LoggerFactory.getLogger(ContactSync.class);

    private final SyncProperties props;
    /** The bridge's mapping; a pair may have its own ({@link #mapping(SyncPair)}). */
    private final ContactMapping defaultMapping;
    private volatile PairMappings pairMappings;
    /**
     * Each pair's merge, made again when the pair's mapping changes (a pair re-added with another): kept by pair, not
     * by mapping, so a replaced mapping's merge goes with it instead of staying for the life of the bridge.
     */
    private final Map<SyncPair, ContactMerge> merges = new java.util.concurrent.ConcurrentHashMap<>();
    private final LinkStore links;
    private final HighLevelContactApi highlevel;
    private final BirdSendContactApi birdsend;
    private final SyncMetrics metrics;
    private final ObjectMapper json;
    private final MappingCheck mappingCheck;
    private final ContactTurns turns;
    private final RefusalStore refusals;
    private final JournalStore journal;
    private final String consumerId;
    private final DeadLetterStore deadLetters;
    private final Clock clock;
    private final ReportCounters reports;
    private final SyncPairs pairs;
    private final HighLevelAppLifecycle appLifecycle;

    public ContactSync(SyncProperties props, ContactMapping mapping, LinkStore links, HighLevelContactApi highlevel,
                       BirdSendContactApi birdsend, SyncMetrics metrics, ObjectMapper json, MappingCheck mappingCheck,
                       ContactTurns turns, RefusalStore refusals, JournalStore journal,
                       @Value("${bridge.sync.consumer:contact-sync}") String consumerId, Clock clock,
                       DeadLetterStore deadLetters, ReportCounters reports, SyncPairs pairs,
                       HighLevelAppLifecycle appLifecycle) {
        this.props = props;
        this.defaultMapping = mapping;
        this.links = links;
        this.highlevel = highlevel;
        this.birdsend = birdsend;
        this.metrics = metrics;
        this.json = json;
        this.mappingCheck = mappingCheck;
        this.turns = turns;
        this.refusals = refusals;
        this.journal = journal;
        this.consumerId = consumerId;
        this.deadLetters = deadLetters;
        this.clock = clock;
        this.reports = reports;
        this.pairs = pairs;
        this.appLifecycle = appLifecycle;
    }

    // ---- the steps ----------------------------------------------------------------------------------

    /** Passes of the steps one case may take before it fails (and the journal retries it later). */
    static final int MAX_PASSES = 20;

    /** One step of the sync: a method of this bean taking the {@link SyncCase}, and its node id in the route. */
    public record Step(String id, String method, BiConsumer<ContactSync, SyncCase> action) {
    }

    /**
     * The sync's steps in order. Route {@code contact-reconcile} ({@link ContactSyncRoutes}) draws them as its steps,
     * repeated while the case asks to start again; {@link #run} runs the same list for Java callers (the backfill).
     */
    public static final List<Step> STEPS = List.of(
            new Step("sync-read", "read", ContactSync::read),
            new Step("sync-unlink", "unlink", ContactSync::unlink),
            new Step("sync-merge", "merge", ContactSync::merge),
            new Step("sync-create", "create", ContactSync::create),
            new Step("sync-write-birdsend", "writeBirdSend", ContactSync::writeBirdSend),
            new Step("sync-write-highlevel", "writeHighLevel", ContactSync::writeHighLevel),
            new Step("sync-record-link", "recordLink", ContactSync::recordLink));

    /**
     * The route's first step: one journal event (body: its payload; headers from the journal consumer) as a case of
     * the pair it is for, in the turn of the contact it names. The turn ends with the exchange, whatever its outcome.
     * An event no pair of this bridge syncs (a webhook of another location) ends at once, skipped, without a call.
     */
    public SyncCase begin(Exchange exchange) {
        Message in = exchange.getMessage();
        String source = in.getHeader(JournalHeaders.EVENT_SOURCE, String.class);
        String type = in.getHeader(JournalHeaders.EVENT_TYPE, String.class);
        String key = in.getHeader(JournalHeaders.CONTACT_KEY, String.class);
        String connectionId = in.getHeader(JournalHeaders.CONNECTION_ID, String.class);
        Object body = in.getBody();
        JsonNode payload = body == null || body instanceof JsonNode ? (JsonNode) body : json.valueToTree(body);
        Optional<SyncPair> pair = pairs.forEvent(source, connectionId, payload);
        if (pair.isEmpty()) {
            // Not this bridge's to sync: holding or retrying it would change nothing. Its case keeps no pair (see finish).
            SyncCase none = new SyncCase(new SyncCase.Event(source, type, key, payload));
            none.again = false;
            none.outcome = SyncOutcome.skipped(noPair(source, connectionId, payload));
            return none;
        }
        if (!pairs.active(pair.get())) {
            // Paused: the resume hands the pair's contacts named since the pause began to the sync again (PairPause).
            SyncCase held = new SyncCase(new SyncCase.Event(source, type, key, payload));
            held.again = false;
            held.outcome = SyncOutcome.skipped("pair " + pairs.idOf(pair.get()).orElse("?") + " is paused");
            return held;
        }
        // While HighLevel has the app uninstalled from the pair's location (or it awaits its connect), its events stay in
        // the journal, retried with back-off, until it is connected again: nothing is lost, nothing is written.
        appLifecycle.requireSyncAllowed(pair.get().highlevelConnection());
        // A mapping naming a field the accounts lack cannot sync as mapped: the event is held in the journal until the
        // check (at most every bridge.sync.mapping-recheck) finds the field or the mapping changed; health and status say why.
        mappingCheck.requireUsable(pair.get());
        SyncCase c = new SyncCase(new SyncCase.Event(source, type, key, payload), pair.get());
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                turns.close(c.turn);
                c.turn = null;
            }
        });
        c.turn = turns.open(pair(c), initialKeys(c.origin()));
        return c;
    }

    /** Why an event is for no pair of this bridge, in words. */
    private static String noPair(String source, String connectionId, JsonNode payload) {
        if (connectionId != null) {
            return "no pair of this bridge syncs connection " + connectionId;
        }
        String location = payload == null ? null : payload.path("locationId").asText(null);
        if (SyncPairs.fromHighLevel(source) && location != null) {
            return "no pair of this bridge syncs HighLevel location " + location;
        }
        return "the event names no connection or location, and this bridge syncs several pairs";
    }

    /** The pair a case syncs in: its own, else the bridge's only one (kept, so every step of the case uses the same). */
    private SyncPair pair(SyncCase c) {
        if (c.pair == null) {
            c.pair = pairs.only();
        }
        return c.pair;
    }

    /** Each pair's own mapping, where it has one (else every pair syncs by the bridge's). */
    @org.springframework.beans.factory.annotation.Autowired(required = false)
    public void setPairMappings(PairMappings pairMappings) {
        this.pairMappings = pairMappings;
    }

    /** The contact mapping {@code pair} syncs by. */
    public ContactMapping mapping(SyncPair pair) {
        return PairMappings.of(pairMappings, defaultMapping, pair);
    }

    private ContactMerge merger(SyncPair pair) {
        ContactMapping mapping = mapping(pair);
        ContactMerge merge = merges.get(pair);
        if (merge != null && merge.mapping() == mapping) {
            return merge;
        }
        return merges.compute(pair, (p, old) -> old != null && old.mapping() == mapping ? old
                : new ContactMerge(mapping, props.conflict()));
    }

    /** The pair's id for the metrics' {@code pair} tag; null when the pair is none of this bridge's. */
    private String pairTag(SyncPair pair) {
        return pairs.idOf(pair).orElse(null);
    }

    /** The route's loop condition: the steps run (again) while the case asks for it. */
    public boolean again(SyncCase c) {
        return c.again;
    }

    /** The route's last step: counts and logs what the sync did, and answers it. */
    public SyncOutcome finish(SyncCase c) {
        SyncOutcome outcome = c.outcome();
        metrics.event(outcome, pairTag(c.pair));
        reportOutcome(c.pair, outcome); // no pair (an event for none of this bridge's): in no pair's reports
        if (replayRequested(c)) {
            recordReplay(((SyncCase.Event) c.origin()).payload().get(DeadLetterReplay.REPLAY_MARK).asLong(), outcome);
        }
        if (outcome.action() != SyncOutcome.Action.UNCHANGED && c.origin() instanceof SyncCase.Event e) {
            LOG.info("{} {} for {}: {}{}{}", e.source(), e.type(), e.key(), outcome.action(),
                    outcome.conflicts().isEmpty() ? "" : " (conflicts: " + String.join(", ", outcome.conflicts()) + ")",
                    outcome.detail() == null ? "" : " - " + outcome.detail());
        }
        return outcome;
    }

    /** Runs the steps for a Java caller, in the person's turn (or in the caller's turn, when it holds one). */
    public SyncOutcome run(SyncCase c) {
        c.turn = turns.open(pair(c), initialKeys(c.origin()));
        try {
            steps(c);
            SyncOutcome outcome = c.outcome();
            reportOutcome(c.pair, outcome);
            return outcome;
        } finally {
            turns.close(c.turn);
            c.turn = null;
        }
    }

    private void steps(SyncCase c) {
        while (c.again) {
            for (Step step : STEPS) {
                step.action().accept(this, c);
            }
        }
    }

    /**
     * The whole sync as one bean call, as routes written for earlier versions call it ({@code method: apply}); the
     * same steps as {@code begin}, {@code direct:contact-reconcile} and {@code finish}, without Hawtio seeing them.
     *
     * @deprecated call {@code begin}, send to {@code direct:contact-reconcile}, then {@code finish} (see
     *     routes/contact-sync.yaml); this goes in the next release
     */
    @Deprecated(forRemoval = true)
    public SyncOutcome apply(Exchange exchange) {
        if (!applyWarned) {
            applyWarned = true;
            LOG.warn("A route calls contactSync's method apply, which is deprecated and goes in the next release: call begin,"
                    + " send to direct:contact-reconcile, then finish (as routes/contact-sync.yaml does)");
        }
        SyncCase c = begin(exchange);
        steps(c);
        return finish(c);
    }

    private volatile boolean applyWarned;

    /** A HighLevel contact may have changed; {@code hint} is the event's copy of it (may be partial or null). */
    public SyncOutcome fromHighLevel(String hlId, JsonNode hint) {
        return fromHighLevel(null, hlId, hint);
    }

    /** As {@link #fromHighLevel(String, JsonNode)}, in {@code pair} (null: the bridge's only pair). */
    public SyncOutcome fromHighLevel(SyncPair pair, String hlId, JsonNode hint) {
        return run(new SyncCase(new SyncCase.HighLevelContact(hlId, hint), pair));
    }

    /** A BirdSend contact may have changed; {@code hint} is the event's copy of it (or null). */
    public SyncOutcome fromBirdSend(String bsId, JsonNode hint) {
        return fromBirdSend(null, bsId, hint);
    }

    /** As {@link #fromBirdSend(String, JsonNode)}, in {@code pair} (null: the bridge's only pair). */
    public SyncOutcome fromBirdSend(SyncPair pair, String bsId, JsonNode hint) {
        return run(new SyncCase(new SyncCase.BirdSendContact(bsId, hint), pair));
    }

    /**
     * HighLevel reported the contact deleted (a ContactDelete webhook). An event may be late, repeated or out of
     * order, so the contact is looked up first: only HighLevel answering that it is gone counts as a delete; a
     * contact that exists is synced as a change.
     */
    public SyncOutcome highLevelDeleted(String hlId) {
        return run(new SyncCase(new SyncCase.Deleted(Side.HIGHLEVEL, hlId)));
    }

    /** BirdSend's poll reported the contact deleted: as {@link #highLevelDeleted}, checked with BirdSend first. */
    public SyncOutcome birdSendDeleted(String bsId) {
        return run(new SyncCase(new SyncCase.Deleted(Side.BIRDSEND, bsId)));
    }

    /** The service itself just answered that the contact on {@code side} of {@code pair} does not exist (404 / not found). */
    SyncOutcome gone(SyncPair pair, Side side, String id) {
        return run(new SyncCase(new SyncCase.Gone(side, id), pair));
    }

    /** The keys a case's turn starts with; the steps include more as they find them. */
    private static List<String> initialKeys(SyncCase.Origin origin) {
        List<String> keys = new ArrayList<>();
        if (origin instanceof SyncCase.Event e) {
            String key = e.key();
            String id = key != null && key.indexOf(':') > 0 ? key.substring(key.indexOf(':') + 1) : null;
            if (id != null && key.startsWith("highlevel:")) {
                keys.add(ContactTurns.highLevel(id));
            } else if (id != null && key.startsWith("birdsend:")) {
                keys.add(ContactTurns.birdSend(id));
            } else if (id != null && key.startsWith("email:")) {
                keys.add(ContactTurns.email(id));
            }
        } else if (origin instanceof SyncCase.HighLevelContact h) {
            keys.add(ContactTurns.highLevel(h.id()));
        } else if (origin instanceof SyncCase.BirdSendContact b) {
            keys.add(ContactTurns.birdSend(b.id()));
        } else if (origin instanceof SyncCase.Deleted d) {
            keys.add(d.side() == Side.HIGHLEVEL ? ContactTurns.highLevel(d.id()) : ContactTurns.birdSend(d.id()));
        } else if (origin instanceof SyncCase.Gone g) {
            keys.add(g.side() == Side.HIGHLEVEL ? ContactTurns.highLevel(g.id()) : ContactTurns.birdSend(g.id()));
        } else if (origin instanceof SyncCase.Contacts k) {
            keys.addAll(keysOf(k));
        }
        return keys;
    }

    /** Both contacts' keys and their link's. */
    private static List<String> keysOf(SyncCase.Contacts k) {
        List<String> keys = new ArrayList<>();
        if (k.link() != null) {
            keys.add(ContactTurns.highLevel(k.link().highlevelId()));
            keys.add(ContactTurns.birdSend(k.link().birdsendId()));
        }
        if (k.hasBirdSend()) {
            keys.add(ContactTurns.birdSend(k.birdsendId()));
        }
        if (k.hasHighLevel()) {
            keys.add(ContactTurns.highLevel(k.highlevelId()));
        }
        return keys;
    }

    /**
     * Runs one step's work unless the case is decided or about to start over. A key found taken by another turn
     * starts the case over with all its keys (when the case holds its own turn; inside another's turn, that turn
     * starts over); a link changed meanwhile (an expected race with the backfill or another replica, not a failure)
     * starts it over once, at once; a second change fails it and the journal retries the event.
     */
    private void step(SyncCase c, Consumer<SyncCase> work) {
        if (c.decided()) {
            return;
        }
        try {
            work.accept(c);
        } catch (ContactTurns.Relock relock) {
            if (c.turn == null) {
                throw relock;
            }
            c.turn = turns.reopen(c.turn, relock);
            c.startOver();
        } catch (LinkChangedException e) {
            if (c.turn == null || c.linkChanges > 0) {
                throw e;
            }
            c.linkChanges++;
            LOG.info("{}: {}; syncing it again", c, e.getMessage());
            c.startOver();
        }
    }

    // ---- step: read -------------------------------------------------------------------------------

    /** Finds the person's contacts on both sides as they are now, and their link; or that nothing needs writing. */
    public void read(SyncCase c) {
        c.again = false;
        if (++c.passes > MAX_PASSES) {
            // Each start-over has a cause that passes (a key freed, a duplicate linked); this many means something does not.
            throw new IllegalStateException(c + " started over " + MAX_PASSES + " times without an outcome");
        }
        step(c, k -> {
            SyncCase.Found found = k.next != null ? k.next : resolve(pair(k), k.origin());
            k.next = null;
            if (found instanceof SyncCase.Decided d) {
                k.outcome = d.outcome();
            } else if (found instanceof SyncCase.Gone g) {
                k.gone = g;
            } else if (found instanceof SyncCase.Contacts contacts) {
                keysOf(contacts).forEach(turns::include);
                k.contacts = contacts;
            }
        });
    }

    private SyncCase.Found resolve(SyncPair pair, SyncCase.Origin origin) {
        if (origin instanceof SyncCase.Event e) {
            return resolveEvent(pair, e);
        } else if (origin instanceof SyncCase.HighLevelContact h) {
            return resolveHighLevel(pair, h.id(), h.hint());
        } else if (origin instanceof SyncCase.BirdSendContact b) {
            return resolveBirdSend(pair, b.id(), b.hint());
        } else if (origin instanceof SyncCase.Deleted d) {
            return resolveDeleted(pair, d.side(), d.id());
        } else if (origin instanceof SyncCase.Gone g) {
            return g;
        }
        return (SyncCase.Contacts) origin;
    }

    private static SyncCase.Decided decided(SyncOutcome outcome) {
        return new SyncCase.Decided(outcome);
    }

    private SyncCase.Found resolveEvent(SyncPair pair, SyncCase.Event event) {
        String source = event.source();
        String type = event.type();
        String key = event.key();
        String id = key != null && key.indexOf(':') > 0 ? key.substring(key.indexOf(':') + 1) : null;
        switch (source == null ? "" : source) {
            case JournalSources.HIGHLEVEL_WEBHOOK, JournalSources.HIGHLEVEL_POLL -> {
                if (key == null || !key.startsWith("highlevel:")) {
                    return decided(SyncOutcome.skipped("not about a HighLevel contact"));
                }
                if ("ContactDelete".equals(type)) {
                    return resolveDeleted(pair, Side.HIGHLEVEL, id);
                }
                if (!isHighLevelContactEvent(type)) {
                    return decided(SyncOutcome.skipped("not a contact change"));
                }
                return resolveHighLevel(pair, id, event.payload());
            }
            case JournalSources.BIRDSEND_POLL -> {
                if ("ContactDeleted".equals(type)) {
                    return resolveDeleted(pair, Side.BIRDSEND, id);
                }
                return resolveBirdSend(pair, id, event.payload());
            }
            case JournalSources.BIRDSEND_NOTIFICATION -> {
                if (key != null && key.startsWith("email:")) {
                    Optional<JsonNode> found = birdsend.findByEmail(pair.birdsendConnection(), id);
                    return found.map(c -> resolveBirdSend(pair, c.path("contact_id").asText(), null))
                            .orElseGet(() -> decided(SyncOutcome.skipped("BirdSend has no contact " + id)));
                }
                return resolveBirdSend(pair, id, null);
            }
            case JournalSources.BACKFILL -> {
                // A backfill item that failed for a reason not its own: synced as a change of its contact.
                if (id != null && key.startsWith("birdsend:")) {
                    return resolveBirdSend(pair, id, null);
                }
                if (id != null && key.startsWith("highlevel:")) {
                    return resolveHighLevel(pair, id, null);
                }
                return decided(SyncOutcome.skipped("not about a BirdSend or HighLevel contact"));
            }
            default -> {
                return decided(SyncOutcome.skipped("unknown source " + source));
            }
        }
    }

    /** The polls' event types whose payload is the whole contact (see {@link #lastWords}). */
    private static final List<String> BIRDSEND_COPIES = List.of("ContactCreated", "ContactChanged", "ContactTagsChanged",
            "ContactUnsubscribed", "ContactResubscribed", "ContactSequencesChanged");
    private static final List<String> HIGHLEVEL_COPIES = List.of("ContactChanged");

    private static boolean isHighLevelContactEvent(String type) {
        return type != null && (type.equals("ContactChanged") || (type.startsWith("Contact") && !type.equals("ContactDelete")));
    }

    /**
     * A deleted contact, as a service reported it: only the service answering that it is gone counts; a contact that
     * exists is synced as a change.
     */
    private SyncCase.Found resolveDeleted(SyncPair pair, Side side, String id) {
        if (side == Side.HIGHLEVEL) {
            turns.include(ContactTurns.highLevel(id));
            links.byHighLevel(pair, id).ifPresent(l -> turns.include(ContactTurns.birdSend(l.birdsendId())));
            return highlevel.get(pair.highlevelConnection(), id).isEmpty() ? new SyncCase.Gone(Side.HIGHLEVEL, id)
                    : resolveHighLevel(pair, id, null);
        }
        turns.include(ContactTurns.birdSend(id));
        links.byBirdSend(pair, id).ifPresent(l -> turns.include(ContactTurns.highLevel(l.highlevelId())));
        return birdsend.get(pair.birdsendConnection(), id).isEmpty() ? new SyncCase.Gone(Side.BIRDSEND, id)
                : resolveBirdSend(pair, id, null);
    }

    private SyncCase.Found resolveHighLevel(SyncPair pair, String hlId, JsonNode hint) {
        ContactMapping mapping = mapping(pair);
        turns.include(ContactTurns.highLevel(hlId));
        HighLevelFieldKeys keys = highlevel.fieldKeys(pair.highlevelConnection());
        Optional<ContactLink> link = links.byHighLevel(pair, hlId);
        if (link.isPresent() && !link.get().isLive()) {
            return decided(leftAlone(link.get()));
        }
        if (link.isPresent() && hint != null && agrees(mapping, mapping.readHighLevel(hint, keys), link.get(), Side.HIGHLEVEL)) {
            LOG.debug("HighLevel {}: the event's copy agrees with the link's shadow", hlId);
            return decided(SyncOutcome.unchanged());
        }
        link.ifPresent(l -> turns.include(ContactTurns.birdSend(l.birdsendId())));
        Optional<JsonNode> hlNow = highlevel.get(pair.highlevelConnection(), hlId);
        if (hlNow.isEmpty()) {
            return new SyncCase.Gone(Side.HIGHLEVEL, hlId);
        }
        if (link.isPresent()) {
            if (agrees(mapping, mapping.readHighLevel(hlNow.get(), keys), link.get(), Side.HIGHLEVEL)) {
                LOG.debug("HighLevel {}: agrees with the link's shadow", hlId);
                return decided(SyncOutcome.unchanged());
            }
            Optional<JsonNode> bsNow = birdsend.get(pair.birdsendConnection(), link.get().birdsendId());
            if (bsNow.isEmpty()) {
                return new SyncCase.Gone(Side.BIRDSEND, link.get().birdsendId());
            }
            return new SyncCase.Contacts(link.get(), bsNow.get(), hlNow.get());
        }
        CanonicalContact h = mapping.readHighLevel(hlNow.get(), keys);
        String email = (String) h.get(mapping.emailField());
        if (email == null) {
            return decided(SyncOutcome.skipped("HighLevel contact " + hlId + " has no email, which BirdSend requires"));
        }
        turns.include(ContactTurns.email(email));
        Optional<JsonNode> bsMatch = birdsend.findByEmail(pair.birdsendConnection(), email);
        if (bsMatch.isPresent()) {
            String bsId = bsMatch.get().path("contact_id").asText();
            turns.include(ContactTurns.birdSend(bsId));
            // Read again now that this turn holds it: the search may have answered while someone else wrote it.
            bsMatch = birdsend.get(pair.birdsendConnection(), bsId);
            if (bsMatch.isEmpty()) {
                return new SyncCase.Contacts(null, null, hlNow.get());
            }
            Optional<ContactLink> taken = links.byBirdSend(pair, bsId);
            if (taken.isPresent() && taken.get().highlevelId().equals(hlId)) {
                return resolveHighLevel(pair, hlId, null); // linked meanwhile (by the backfill or another replica)
            }
            if (taken.isPresent() && !releaseIfGone(pair, taken.get(), Side.HIGHLEVEL)) {
                return decided(SyncOutcome.skipped("BirdSend contact " + bsId + " with the same email is linked to HighLevel contact "
                        + taken.get().highlevelId() + "; HighLevel holds two contacts with this email"));
            }
        }
        return new SyncCase.Contacts(null, bsMatch.orElse(null), hlNow.get());
    }

    private SyncCase.Found resolveBirdSend(SyncPair pair, String bsId, JsonNode hint) {
        ContactMapping mapping = mapping(pair);
        turns.include(ContactTurns.birdSend(bsId));
        Optional<ContactLink> link = links.byBirdSend(pair, bsId);
        if (link.isPresent() && !link.get().isLive()) {
            return decided(leftAlone(link.get()));
        }
        if (link.isPresent() && hint != null && agrees(mapping, mapping.readBirdSend(hint), link.get(), Side.BIRDSEND)) {
            LOG.debug("BirdSend {}: the event's copy agrees with the link's shadow", bsId);
            return decided(SyncOutcome.unchanged());
        }
        link.ifPresent(l -> turns.include(ContactTurns.highLevel(l.highlevelId())));
        Optional<JsonNode> bsNow = birdsend.get(pair.birdsendConnection(), bsId);
        if (bsNow.isEmpty()) {
            return new SyncCase.Gone(Side.BIRDSEND, bsId);
        }
        if (link.isPresent()) {
            if (agrees(mapping, mapping.readBirdSend(bsNow.get()), link.get(), Side.BIRDSEND)) {
                LOG.debug("BirdSend {}: agrees with the link's shadow", bsId);
                return decided(SyncOutcome.unchanged());
            }
            Optional<JsonNode> hlNow = highlevel.get(pair.highlevelConnection(), link.get().highlevelId());
            if (hlNow.isEmpty()) {
                return new SyncCase.Gone(Side.HIGHLEVEL, link.get().highlevelId());
            }
            return new SyncCase.Contacts(link.get(), bsNow.get(), hlNow.get());
        }
        CanonicalContact a = mapping.readBirdSend(bsNow.get());
        String email = (String) a.get(mapping.emailField());
        String phone = mapping.phoneField().map(f -> (String) a.get(f)).filter(p -> p.startsWith("+")).orElse(null);
        if (email != null) {
            turns.include(ContactTurns.email(email));
        }
        Optional<JsonNode> hlMatch = highlevel.findDuplicate(pair.highlevelConnection(), email, phone);
        if (hlMatch.isPresent()) {
            String hlId = hlMatch.get().path("id").asText();
            turns.include(ContactTurns.highLevel(hlId));
            Optional<ContactLink> taken = links.byHighLevel(pair, hlId);
            if (taken.isPresent() && taken.get().birdsendId().equals(bsId)) {
                return resolveBirdSend(pair, bsId, null); // linked meanwhile (by the backfill or another replica)
            }
            if (taken.isPresent() && !releaseIfGone(pair, taken.get(), Side.BIRDSEND)) {
                return decided(SyncOutcome.skipped("HighLevel contact " + hlId + " matching by email or phone is linked to BirdSend contact "
                        + taken.get().birdsendId()));
            }
            HighLevelFieldKeys keys = highlevel.fieldKeys(pair.highlevelConnection());
            String otherEmail = (String) mapping.readHighLevel(hlMatch.get(), keys).get(mapping.emailField());
            if (otherEmail != null && !otherEmail.equals(email)) {
                // Matched by phone only. If its email is another BirdSend contact's, the HighLevel contact is that
                // person: linking would write one's email over the other's (BirdSend refuses a taken email).
                Optional<JsonNode> owner = birdsend.findByEmail(pair.birdsendConnection(), otherEmail);
                if (owner.isPresent() && !bsId.equals(owner.get().path("contact_id").asText())) {
                    return decided(SyncOutcome.skipped("it shares its phone with HighLevel contact " + hlId + ", whose email belongs to "
                            + "BirdSend contact " + owner.get().path("contact_id").asText()));
                }
            }
            // The duplicate search may answer with a summary: work on the full contact.
            hlMatch = highlevel.get(pair.highlevelConnection(), hlId);
        }
        return new SyncCase.Contacts(null, bsNow.get(), hlMatch.orElse(null));
    }

    /**
     * A linked contact whose partner on {@code partnerSide} is gone (deleted, or merged into another) no longer
     * holds its partner: the link is dropped and true returned. False when the partner still exists.
     */
    private boolean releaseIfGone(SyncPair pair, ContactLink link, Side partnerSide) {
        turns.include(partnerSide == Side.HIGHLEVEL ? ContactTurns.highLevel(link.highlevelId())
                : ContactTurns.birdSend(link.birdsendId()));
        boolean gone = partnerSide == Side.HIGHLEVEL
                ? highlevel.get(pair.highlevelConnection(), link.highlevelId()).isEmpty()
                : birdsend.get(pair.birdsendConnection(), link.birdsendId()).isEmpty();
        if (gone) {
            links.delete(link);
            LOG.info("Link {} <-> {} dropped: the {} contact no longer exists", link.birdsendId(), link.highlevelId(), partnerSide.key());
        }
        return gone;
    }

    // ---- step: unlink -----------------------------------------------------------------------------

    /** A contact the read found gone on one side: its link is marked (or its partner deleted, as configured). */
    public void unlink(SyncCase c) {
        step(c, k -> {
            if (k.gone == null) {
                return;
            }
            Side side = k.gone.side();
            String id = k.gone.id();
            SyncPair pair = pair(k);
            Optional<ContactLink> link = side == Side.HIGHLEVEL ? links.byHighLevel(pair, id) : links.byBirdSend(pair, id);
            link.ifPresent(l -> turns.include(side == Side.HIGHLEVEL ? ContactTurns.birdSend(l.birdsendId())
                    : ContactTurns.highLevel(l.highlevelId())));
            k.outcome = deleted(pair, side, link, id);
        });
    }

    /**
     * A contact is gone from {@code side}. Unlink mode keeps the link row marked, so later events of the survivor
     * leave it alone rather than create it again where it was deleted; propagate mode deletes the survivor too.
     */
    private SyncOutcome deleted(SyncPair pair, Side side, Optional<ContactLink> link, String id) {
        if (link.isEmpty() || !link.get().isLive()) {
            return SyncOutcome.skipped(side.key() + " contact " + id + " is gone and was not linked");
        }
        if (props.deletes() == SyncProperties.Deletes.PROPAGATE) {
            if (side == Side.HIGHLEVEL) {
                birdsend.delete(pair.birdsendConnection(), link.get().birdsendId());
            } else {
                highlevel.delete(pair.highlevelConnection(), link.get().highlevelId());
            }
            metrics.write(side.other(), pairTag(pair));
            reports.add(reportScope(pair), ReportCounters.DELETED, towards(side.other()), 1);
            links.delete(link.get());
            return SyncOutcome.unlinked(1);
        }
        int writes = lastWords(pair, side, link.get());
        if (!links.markUnlinked(link.get(), side)) {
            throw new LinkChangedException("the link of " + side.key() + " contact " + id + " changed while unlinking it");
        }
        return SyncOutcome.unlinked(writes);
    }

    /**
     * Before a link is marked for a deleted contact: a change the bridge saw the contact make (journaled by a poll,
     * after the link was last written) but had not applied yet is applied to the survivor. Without this an edit made
     * shortly before a delete is lost whenever the sync is behind (a backlog, a restart): by the time its event is
     * handled, the contact it would be read from is gone. Only the polls' copies count: they hold the whole contact
     * (a webhook's copy may leave fields out, which would read as cleared). Returns the writes made (0 or 1).
     */
    private int lastWords(SyncPair pair, Side side, ContactLink link) {
        ContactMapping mapping = mapping(pair);
        String goneId = side == Side.HIGHLEVEL ? link.highlevelId() : link.birdsendId();
        Optional<Instant> linkWritten = links.updatedAt(link);
        if (linkWritten.isEmpty()) {
            return 0;
        }
        Optional<JournalEvent> copy = side == Side.BIRDSEND
                ? journal.newestUnprocessed(consumerId, ContactKeys.birdSend(goneId), pair.birdsendConnection(),
                        List.of(JournalSources.BIRDSEND_POLL), BIRDSEND_COPIES, linkWritten.get())
                : journal.newestUnprocessed(consumerId, ContactKeys.highLevel(goneId), pair.highlevelConnection(),
                        List.of(JournalSources.HIGHLEVEL_POLL), HIGHLEVEL_COPIES, linkWritten.get());
        if (copy.isEmpty()) {
            return 0;
        }
        HighLevelFieldKeys keys = highlevel.fieldKeys(pair.highlevelConnection());
        JsonNode last;
        try {
            last = json.readTree(copy.get().payload());
        } catch (JsonProcessingException e) {
            return 0;
        }
        CanonicalContact gone = side == Side.BIRDSEND ? mapping.readBirdSend(last) : mapping.readHighLevel(last, keys);
        if (agrees(mapping, gone, link, side)) {
            return 0;
        }
        if (side == Side.BIRDSEND) {
            Optional<JsonNode> hlNow = highlevel.get(pair.highlevelConnection(), link.highlevelId());
            if (hlNow.isEmpty()) {
                return 0;
            }
            CanonicalContact h = mapping.readHighLevel(hlNow.get(), keys);
            ContactMerge.Result result = merge(pair, link, gone, h, BirdSendContactApi.updatedAt(last),
                    HighLevelContactApi.updatedAt(hlNow.get()));
            HighLevelWrite write = withoutConstants(mapping, mapping.writeHighLevel(result.highlevel(), h, keys), keys);
            if (write.isEmpty()) {
                return 0;
            }
            highlevel.apply(pair.highlevelConnection(), link.highlevelId(), write,
                    (String) result.shadow().get(mapping.emailField()));
            metrics.write(Side.HIGHLEVEL, pairTag(pair));
            reportWrite(pair, ReportCounters.UPDATED, write);
        } else {
            Optional<JsonNode> bsNow = birdsend.get(pair.birdsendConnection(), link.birdsendId());
            if (bsNow.isEmpty()) {
                return 0;
            }
            CanonicalContact a = mapping.readBirdSend(bsNow.get());
            ContactMerge.Result result = merge(pair, link, a, gone, BirdSendContactApi.updatedAt(bsNow.get()),
                    HighLevelContactApi.updatedAt(last));
            BirdSendWrite write = withoutConstants(mapping, mapping.writeBirdSend(result.birdsend(), a));
            if (write.isEmpty()) {
                return 0;
            }
            birdsend.apply(pair.birdsendConnection(), link.birdsendId(), bsNow.get(), write);
            metrics.write(Side.BIRDSEND, pairTag(pair));
            reportWrite(pair, ReportCounters.UPDATED, write);
        }
        LOG.info("{} contact {} was deleted after a change the sync had not applied yet (journal event {}): applied to its partner"
                + " first", side.key(), goneId, copy.get().seq());
        return 1;
    }

    private SyncOutcome leftAlone(ContactLink link) {
        Side deleted = link.unlinkedSide();
        return SyncOutcome.skipped("its " + deleted.key() + " partner (" + (deleted == Side.HIGHLEVEL ? link.highlevelId()
                : link.birdsendId()) + ") was deleted; with bridge.sync.deletes=unlink it is left alone");
    }

    // ---- reconciliation ---------------------------------------------------------------------------

    /**
     * Makes the two contacts agree and records the link. Either contact may be null: it is then created from
     * the other. With {@code dryRun} nothing is written and the outcome says what would have been.
     */
    public SyncOutcome reconcile(ContactLink link, JsonNode bsNow, JsonNode hlNow, boolean dryRun) {
        return reconcile(pairs.only(), link, bsNow, hlNow, dryRun);
    }

    /** As {@link #reconcile(ContactLink, JsonNode, JsonNode, boolean)}, for contacts of {@code pair}. */
    public SyncOutcome reconcile(SyncPair pair, ContactLink link, JsonNode bsNow, JsonNode hlNow, boolean dryRun) {
        ContactMapping mapping = mapping(pair);
        if (dryRun) {
            HighLevelFieldKeys keys = highlevel.fieldKeys(pair.highlevelConnection());
            return plan(pair, link, bsNow == null ? null : mapping.readBirdSend(bsNow), BirdSendContactApi.updatedAt(bsNow),
                    hlNow == null ? null : mapping.readHighLevel(hlNow, keys), HighLevelContactApi.updatedAt(hlNow));
        }
        return run(new SyncCase(new SyncCase.Contacts(link, bsNow, hlNow), pair));
    }

    /**
     * Creates BirdSend contact {@code listed}'s partner in HighLevel from the copy the backfill listed, without reading
     * it again. The backfill asks this only for a BirdSend contact with no partner and no link, of which the journal has
     * heard nothing since the listing began: an edit made since then arrives as its own event and is merged against the
     * link this records, as any later edit is. (A HighLevel contact is always read again: HighLevel's search answers
     * with fewer fields than its contact does.)
     */
    public SyncOutcome createFromListing(BackfillListingStore.Listed listed) {
        return createFromListing(null, listed);
    }

    /** As {@link #createFromListing(BackfillListingStore.Listed)}, for a contact of {@code pair} (null: the only pair). */
    public SyncOutcome createFromListing(SyncPair pair, BackfillListingStore.Listed listed) {
        return run(new SyncCase(new SyncCase.Contacts(null, null, null, listed, null), pair));
    }

    /**
     * What {@link #reconcile} would do with contacts as mapped (null: no contact on that side), without a call or a
     * write: the dry run's plan. The backfill keeps its listings mapped in the store and plans from them.
     */
    public SyncOutcome plan(ContactLink link, CanonicalContact bsMapped, Instant bsUpdated, CanonicalContact hlMapped,
                            Instant hlUpdated) {
        return plan(pairs.only(), link, bsMapped, bsUpdated, hlMapped, hlUpdated);
    }

    /** As {@link #plan(ContactLink, CanonicalContact, Instant, CanonicalContact, Instant)}, for contacts of {@code pair}. */
    public SyncOutcome plan(SyncPair pair, ContactLink link, CanonicalContact bsMapped, Instant bsUpdated,
                            CanonicalContact hlMapped, Instant hlUpdated) {
        ContactMapping mapping = mapping(pair);
        HighLevelFieldKeys keys = highlevel.fieldKeys(pair.highlevelConnection());
        CanonicalContact a = bsMapped == null ? CanonicalContact.EMPTY : bsMapped;
        CanonicalContact h = hlMapped == null ? CanonicalContact.EMPTY : hlMapped;
        ContactMerge.Result result = merge(pair, link, a, h, bsUpdated, hlUpdated);
        if (result.shadow().get(mapping.emailField()) == null) {
            return SyncOutcome.skipped("no email on either side, which BirdSend requires");
        }
        BirdSendWrite bsWrite = mapping.writeBirdSend(result.birdsend(), a);
        if (bsMapped != null) {
            bsWrite = withoutConstants(mapping, bsWrite);
        }
        HighLevelWrite hlWrite = mapping.writeHighLevel(result.highlevel(), h, keys);
        if (hlMapped != null) {
            hlWrite = withoutConstants(mapping, hlWrite, keys);
        }
        List<String> conflicts = new ArrayList<>(result.conflicts().keySet());
        if (bsMapped == null) {
            return new SyncOutcome(SyncOutcome.Action.CREATED_BIRDSEND, 1 + (hlWrite.isEmpty() ? 0 : 1), conflicts, null);
        }
        if (hlMapped == null) {
            return new SyncOutcome(SyncOutcome.Action.CREATED_HIGHLEVEL, 1 + (bsWrite.isEmpty() ? 0 : 1), conflicts, null);
        }
        int writes = (bsWrite.isEmpty() ? 0 : 1) + (hlWrite.isEmpty() ? 0 : 1);
        SyncOutcome.Action action = link != null ? (writes > 0 ? SyncOutcome.Action.UPDATED : SyncOutcome.Action.UNCHANGED)
                : SyncOutcome.Action.LINKED;
        if (!conflicts.isEmpty()) {
            metrics.conflicts(conflicts.size(), pairTag(pair));
        }
        return new SyncOutcome(action, writes, conflicts, null);
    }

    // ---- step: merge ------------------------------------------------------------------------------

    /** The three-way merge against the link's shadow, or against its pending writes while it has some. */
    private ContactMerge.Result merge(SyncPair pair, ContactLink link, CanonicalContact a, CanonicalContact h,
                                      Instant bsUpdated, Instant hlUpdated) {
        ContactMerge merge = merger(pair);
        if (link != null && !link.settled()) {
            return merge.mergePending(link.pending(), a, h, bsUpdated, hlUpdated);
        }
        return merge.merge(link == null ? null : link.shadow(), a, h, bsUpdated, hlUpdated);
    }

    /**
     * Merges the two contacts three ways (with the link's shadow) and plans each side's write. A write the service
     * refused before, for a reason the person's data still has, is not planned again: the case ends skipped.
     */
    public void merge(SyncCase c) {
        step(c, k -> {
            if (k.contacts != null) {
                k.plan = planWrites(k, k.contacts);
            }
        });
    }

    private SyncCase.Plan planWrites(SyncCase c, SyncCase.Contacts contacts) {
        SyncPair pair = pair(c);
        ContactMapping mapping = mapping(pair);
        HighLevelFieldKeys keys = highlevel.fieldKeys(pair.highlevelConnection());
        ContactLink link = contacts.link();
        JsonNode bsNow = contacts.birdsend();
        JsonNode hlNow = contacts.highlevel();
        BackfillListingStore.Listed bsListed = contacts.birdsendListed();
        BackfillListingStore.Listed hlListed = contacts.highlevelListed();
        CanonicalContact a = bsNow != null ? mapping.readBirdSend(bsNow) : bsListed != null ? bsListed.mapped() : CanonicalContact.EMPTY;
        CanonicalContact h = hlNow != null ? mapping.readHighLevel(hlNow, keys) : hlListed != null ? hlListed.mapped()
                : CanonicalContact.EMPTY;
        Instant bsUpdated = bsNow != null ? BirdSendContactApi.updatedAt(bsNow) : bsListed != null ? bsListed.updatedAt() : null;
        Instant hlUpdated = hlNow != null ? HighLevelContactApi.updatedAt(hlNow) : hlListed != null ? hlListed.updatedAt() : null;
        // Two contacts not linked, one perhaps created by an earlier attempt whose answer was lost: merged as that create.
        Optional<PendingWrite> created = link != null || !contacts.hasBirdSend() || !contacts.hasHighLevel() ? Optional.empty()
                : links.pendingCreate(pair, contacts.highlevelId(), contacts.birdsendId());
        c.createPending = created.isPresent();
        ContactMerge.Result result = created.isPresent()
                ? merger(pair).mergePending(created.get(), a, h, bsUpdated, hlUpdated)
                : merge(pair, link, a, h, bsUpdated, hlUpdated);
        String email = (String) result.shadow().get(mapping.emailField());
        if (email == null) {
            c.outcome = SyncOutcome.skipped("no email on either side, which BirdSend requires");
            return null;
        }
        if (link == null) {
            turns.include(ContactTurns.email(email));
        }
        // One-sided constants (the mapping's defaults, e.g. HighLevel's source) go only into contacts the bridge
        // creates: writing them into an existing contact would be a write nobody made on the other side.
        BirdSendWrite bsWrite = mapping.writeBirdSend(result.birdsend(), a);
        if (contacts.hasBirdSend()) {
            bsWrite = withoutConstants(mapping, bsWrite);
        }
        HighLevelWrite hlWrite = mapping.writeHighLevel(result.highlevel(), h, keys);
        if (contacts.hasHighLevel()) {
            hlWrite = withoutConstants(mapping, hlWrite, keys);
        }
        List<String> conflicts = new ArrayList<>(result.conflicts().keySet());
        if (LOG.isDebugEnabled()) {
            // DEBUG prints contact data (names, emails): for finding a wrong merge, not for production logs.
            LOG.debug("reconcile BirdSend {} / HighLevel {}: shadow {}; BirdSend {} (updated {}); HighLevel {} (updated {})"
                            + " -> BirdSend write {}; HighLevel write {}; conflicts {}",
                    contacts.birdsendId(), contacts.highlevelId(), link == null ? null : link.shadow(), a, bsUpdated, h,
                    hlUpdated, bsWrite, hlWrite, result.conflicts());
        }
        c.link = link;
        c.birdsendId = contacts.birdsendId();
        c.highlevelId = contacts.highlevelId();
        c.writes = 0;
        // What each side would be sent (null: nothing); a write refused before is not sent again unchanged.
        String subject = c.birdsendId != null ? "birdsend:" + c.birdsendId : "highlevel:" + c.highlevelId;
        JsonNode hlPlanned = !contacts.hasHighLevel() ? hlWrite.createBody() : hlWrite.isEmpty() ? null : planned(hlWrite);
        JsonNode bsPlanned = !contacts.hasBirdSend() || !bsWrite.isEmpty() ? json.valueToTree(bsWrite) : null;
        boolean refusedBefore = false;
        if (hlPlanned != null || bsPlanned != null) {
            for (RefusalStore.Refusal refusal : refusals.find(pair, subject)) {
                refusedBefore = true;
                JsonNode planned = refusal.side() == Side.HIGHLEVEL ? hlPlanned : bsPlanned;
                if (planned != null && !replayRequested(c) && stillRefused(pair, refusal, planned)) {
                    c.outcome = SyncOutcome.skipped(refusedAgain(refusal));
                    return null;
                }
            }
        }
        return new SyncCase.Plan(result, a, h, email, bsWrite, hlWrite, bsPlanned, hlPlanned, subject, refusedBefore, conflicts);
    }

    // ---- step: create -----------------------------------------------------------------------------

    /**
     * Creates the contact on the side that lacks it, and links it at once. Should the service answer that it has the
     * contact already (created since the read, or by a crashed earlier attempt), the case starts over on the two
     * contacts as they are now, and links them.
     */
    public void create(SyncCase c) {
        step(c, k -> {
            SyncCase.Plan plan = k.plan;
            if (plan == null) {
                return;
            }
            SyncPair pair = pair(k);
            if (!k.contacts.hasBirdSend()) {
                createBirdSend(k, pair, plan, k.contacts.hasHighLevel());
            } else if (!k.contacts.hasHighLevel()) {
                createHighLevel(k, pair, plan);
            } else {
                // A link still holding its first writes is being made: a retry of it links the pair as much as the first try.
                boolean linking = k.link == null || (!k.link.settled() && k.link.pending().base() == null);
                k.action = linking ? SyncOutcome.Action.LINKED : SyncOutcome.Action.UNCHANGED;
                hold(k, pair, plan);
            }
        });
    }

    /**
     * Before writing two existing contacts, the link records the writes ({@link PendingWrite}), a new link included: if
     * the case fails after the first write, or a write is made without the bridge hearing so, the next attempt tells the
     * bridge's writes from a person's edits made meanwhile, rather than taking the pair for new and uniting their tags.
     */
    private void hold(SyncCase c, SyncPair pair, SyncCase.Plan plan) {
        if (plan.birdsendWrite().isEmpty() && plan.highlevelWrite().isEmpty()) {
            return;
        }
        ContactLink link = c.link;
        CanonicalContact base = link == null ? null : link.settled() ? link.shadow() : link.pending().base();
        PendingWrite pending = new PendingWrite(base, plan.merged().shadow(), plan.birdsendMapped(), plan.highlevelMapped());
        if (link == null) {
            c.link = links.insertPending(pair, c.highlevelId, c.birdsendId, plan.email(), pending);
            if (c.createPending) {
                links.dropCreates(pair, c.highlevelId, c.birdsendId); // the link holds it now
                c.createPending = false;
            }
        } else {
            c.link = links.hold(link, pending).orElseThrow(() -> linkChanged(link.birdsendId(), link.highlevelId()));
        }
    }

    private void createBirdSend(SyncCase c, SyncPair pair, SyncCase.Plan plan, boolean fromHighLevel) {
        ContactMapping mapping = mapping(pair);
        BirdSendWrite bsCreate = plan.birdsendWrite();
        String hlGiven = c.highlevelId;
        boolean first = links.holdCreate(pair, Side.HIGHLEVEL, hlGiven,
                new PendingWrite(null, plan.merged().shadow(), CanonicalContact.EMPTY, plan.highlevelMapped()));
        BirdSendContactApi.Created created = notMadeIfRefused(pair, Side.HIGHLEVEL, hlGiven, () -> refusable(pair,
                plan.subject(), Side.BIRDSEND, plan.birdsendPlanned(), () -> birdsend.create(pair.birdsendConnection(), bsCreate)));
        metrics.write(Side.BIRDSEND, pairTag(pair));
        if (created.duplicate()) {
            // BirdSend already has this email (created since we looked, or by a crashed earlier attempt): link it.
            someonesOwnIfFirst(pair, first, Side.HIGHLEVEL, hlGiven);
            turns.include(ContactTurns.birdSend(created.id()));
            JsonNode existing = birdsend.get(pair.birdsendConnection(), created.id())
                    .orElseThrow(() -> new LinkChangedException("BirdSend contact " + created.id() + " vanished while linking"));
            JsonNode hlFresh = !fromHighLevel ? null : highlevel.get(pair.highlevelConnection(), hlGiven)
                    .orElseThrow(() -> new LinkChangedException("HighLevel contact " + hlGiven + " vanished while linking"));
            c.reconcileAgain(new SyncCase.Contacts(c.link, existing, hlFresh));
            return;
        }
        c.birdsendId = created.id();
        c.writes++;
        c.action = SyncOutcome.Action.CREATED_BIRDSEND;
        reportWrite(pair, ReportCounters.CREATED, new BirdSendWrite(bsCreate.email(), false, Map.of(), bsCreate.addTags(), List.of(), null));
        c.link = linkCreated(pair, c.highlevelId, c.birdsendId, plan.email(), plan.merged().shadow(),
                mapping.readBirdSend(created.contact()));
        if (Boolean.TRUE.equals(bsCreate.unsubscribed())) {
            String bsTarget = c.birdsendId;
            BirdSendWrite unsubscribe = new BirdSendWrite(bsCreate.email(), false, Map.of(), List.of(), List.of(), Boolean.TRUE);
            refusable(pair, plan.subject(), Side.BIRDSEND, plan.birdsendPlanned(),
                    () -> birdsend.apply(pair.birdsendConnection(), bsTarget, created.contact(), unsubscribe));
            reports.add(reportScope(pair), ReportCounters.UNSUBSCRIBES, ReportCounters.HIGHLEVEL_TO_BIRDSEND, 1);
        }
    }

    private void createHighLevel(SyncCase c, SyncPair pair, SyncCase.Plan plan) {
        ContactMapping mapping = mapping(pair);
        HighLevelWrite hlCreate = plan.highlevelWrite();
        String bsGiven = c.birdsendId;
        boolean first = links.holdCreate(pair, Side.BIRDSEND, bsGiven,
                new PendingWrite(null, plan.merged().shadow(), plan.birdsendMapped(), CanonicalContact.EMPTY));
        HighLevelContactApi.Created created = notMadeIfRefused(pair, Side.BIRDSEND, bsGiven, () -> refusable(pair,
                plan.subject(), Side.HIGHLEVEL, plan.highlevelPlanned(), () -> highlevel.create(pair.highlevelConnection(),
                        hlCreate.createBody())));
        metrics.write(Side.HIGHLEVEL, pairTag(pair));
        if (created.duplicate()) {
            someonesOwnIfFirst(pair, first, Side.BIRDSEND, bsGiven);
            JsonNode existing = highlevel.get(pair.highlevelConnection(), created.id())
                    .orElseThrow(() -> new LinkChangedException("HighLevel contact " + created.id() + " vanished while linking"));
            turns.include(ContactTurns.highLevel(created.id()));
            Optional<ContactLink> taken = links.byHighLevel(pair, created.id());
            if (taken.isPresent() && !Objects.equals(taken.get().birdsendId(), bsGiven)) {
                // Not the same person as far as the links know: a conflict for a person to resolve, recorded once.
                links.dropCreate(pair, Side.BIRDSEND, bsGiven); // nothing was created
                throw duplicateConflict(pair, plan.subject(), plan.highlevelPlanned(), created, taken.get());
            }
            // Both contacts will be written: merge what they hold now (the BirdSend copy may come from a backfill listing).
            JsonNode bsFresh = birdsend.get(pair.birdsendConnection(), bsGiven)
                    .orElseThrow(() -> new LinkChangedException("BirdSend contact " + bsGiven + " vanished while linking"));
            c.reconcileAgain(new SyncCase.Contacts(taken.orElse(c.link), bsFresh, existing));
            return;
        }
        c.highlevelId = created.id();
        c.writes++;
        c.action = SyncOutcome.Action.CREATED_HIGHLEVEL;
        reportWrite(pair, ReportCounters.CREATED, hlCreate);
        HighLevelFieldKeys keys = highlevel.fieldKeys(pair.highlevelConnection());
        c.link = linkCreated(pair, c.highlevelId, c.birdsendId, plan.email(), plan.merged().shadow(),
                created.contact() == null ? CanonicalContact.EMPTY : mapping.readHighLevel(created.contact(), keys));
    }

    /** A create the service refused was not made: the create recorded before it is forgotten. */
    private <T> T notMadeIfRefused(SyncPair pair, Side source, String sourceId, Supplier<T> create) {
        try {
            return create.get();
        } catch (UpstreamRejectedException | ContactRefusedException refused) {
            links.dropCreate(pair, source, sourceId);
            throw refused;
        }
    }

    /**
     * The service answered that it has the contact already. On the first create recorded for the source contact, that
     * contact was there before this create (someone's own, made since the read): the two are linked as a new pair, so
     * the recorded create is forgotten (merged as the bridge's create, a tag it lacks would count as removed). After an
     * earlier create whose outcome is unknown, it may be that create's contact: the record stays for the merge.
     */
    private void someonesOwnIfFirst(SyncPair pair, boolean first, Side source, String sourceId) {
        if (first) {
            links.dropCreate(pair, source, sourceId);
        }
    }

    // ---- steps: write each side -------------------------------------------------------------------

    /** Writes what BirdSend's existing contact lacks (nothing when the create step just made it). */
    public void writeBirdSend(SyncCase c) {
        step(c, k -> {
            SyncCase.Plan plan = k.plan;
            if (plan == null || k.action == SyncOutcome.Action.CREATED_BIRDSEND || plan.birdsendWrite().isEmpty()) {
                return;
            }
            SyncPair pair = pair(k);
            String bsTarget = k.birdsendId;
            // A contact planned from the backfill's listing is not written from that copy (a create from it never
            // plans a write to it: the merge of a contact with nothing is the contact), but read for the tag ids.
            JsonNode bsNow = k.contacts.birdsend() != null ? k.contacts.birdsend()
                    : birdsend.get(pair.birdsendConnection(), bsTarget)
                    .orElseThrow(() -> new LinkChangedException("BirdSend contact " + bsTarget + " vanished while syncing it"));
            refusable(pair, plan.subject(), Side.BIRDSEND, plan.birdsendPlanned(),
                    () -> birdsend.apply(pair.birdsendConnection(), bsTarget, bsNow, plan.birdsendWrite()));
            metrics.write(Side.BIRDSEND, pairTag(c.pair));
            reportWrite(pair, ReportCounters.UPDATED, plan.birdsendWrite());
            k.writes++;
        });
    }

    /** Writes what HighLevel's existing contact lacks (nothing when the create step just made it). */
    public void writeHighLevel(SyncCase c) {
        step(c, k -> {
            SyncCase.Plan plan = k.plan;
            if (plan == null || k.action == SyncOutcome.Action.CREATED_HIGHLEVEL || plan.highlevelWrite().isEmpty()) {
                return;
            }
            SyncPair pair = pair(k);
            String hlTarget = k.highlevelId;
            refusable(pair, plan.subject(), Side.HIGHLEVEL, plan.highlevelPlanned(),
                    () -> highlevel.apply(pair.highlevelConnection(), hlTarget, plan.highlevelWrite(), plan.email()));
            metrics.write(Side.HIGHLEVEL, pairTag(c.pair));
            reportWrite(pair, ReportCounters.UPDATED, plan.highlevelWrite());
            k.writes++;
        });
    }

    // ---- step: record the link --------------------------------------------------------------------

    /** Records the link and what both sides now agree on (its shadow); the case's outcome. */
    public void recordLink(SyncCase c) {
        step(c, k -> {
            SyncCase.Plan plan = k.plan;
            if (plan == null) {
                return;
            }
            SyncPair pair = pair(k);
            record(pair, k.link, k.highlevelId, k.birdsendId, plan.email(), plan.merged().shadow());
            if (k.createPending) {
                links.dropCreates(pair, k.highlevelId, k.birdsendId); // linked: the recorded create is accounted for
            }
            if (plan.refusedBefore() && refusals.clear(pair, plan.subject()) > 0) {
                LOG.info("{}: the write refused before went through; it is no longer refused", plan.subject());
            }
            if (!plan.conflicts().isEmpty()) {
                metrics.conflicts(plan.conflicts().size(), pairTag(pair));
            }
            SyncOutcome.Action action = k.action == SyncOutcome.Action.UNCHANGED && k.writes > 0 ? SyncOutcome.Action.UPDATED
                    : k.action;
            k.outcome = new SyncOutcome(action, k.writes, plan.conflicts(), null);
        });
    }

    // ---- reports ----------------------------------------------------------------------------------------------

    /** The scope of {@code pair}'s figures; null (nothing counted) for no pair. */
    private static String reportScope(SyncPair pair) {
        return pair == null ? null : ReportCounters.pairScope(pair.highlevelConnection(), pair.birdsendConnection());
    }

    /** The direction of a write to {@code written}: from the other side to it. */
    private static String towards(Side written) {
        return written == Side.BIRDSEND ? ReportCounters.HIGHLEVEL_TO_BIRDSEND : ReportCounters.BIRDSEND_TO_HIGHLEVEL;
    }

    private void reportOutcome(SyncPair pair, SyncOutcome outcome) {
        reports.add(reportScope(pair), ReportCounters.OUTCOMES, outcome.action().name().toLowerCase(java.util.Locale.ROOT), 1);
    }

    /** A write BirdSend took: created or updated, with its tag changes and an unsubscribe it carried. */
    private void reportWrite(SyncPair pair, String metric, BirdSendWrite write) {
        String scope = reportScope(pair);
        reports.add(scope, metric, ReportCounters.HIGHLEVEL_TO_BIRDSEND, 1);
        reports.add(scope, ReportCounters.TAGS_ADDED, Side.BIRDSEND.key(), write.addTags().size());
        reports.add(scope, ReportCounters.TAGS_REMOVED, Side.BIRDSEND.key(), write.removeTags().size());
        if (Boolean.TRUE.equals(write.unsubscribed())) {
            reports.add(scope, ReportCounters.UNSUBSCRIBES, ReportCounters.HIGHLEVEL_TO_BIRDSEND, 1);
        }
    }

    /** A write HighLevel took; an unsubscribe there is DND set. */
    private void reportWrite(SyncPair pair, String metric, HighLevelWrite write) {
        String scope = reportScope(pair);
        reports.add(scope, metric, ReportCounters.BIRDSEND_TO_HIGHLEVEL, 1);
        reports.add(scope, ReportCounters.TAGS_ADDED, Side.HIGHLEVEL.key(), write.addTags().size());
        reports.add(scope, ReportCounters.TAGS_REMOVED, Side.HIGHLEVEL.key(), write.removeTags().size());
        if (write.body().path("dnd").asBoolean(false)) {
            reports.add(scope, ReportCounters.UNSUBSCRIBES, ReportCounters.BIRDSEND_TO_HIGHLEVEL, 1);
        }
    }

    // ---- refusals: one dead letter per problem -----------------------------------------------------------------

    /**
     * Makes a write; should the service refuse it (a 4xx other than not-found, or a {@link ContactRefusedException}), the
     * refusal is remembered for the person before it goes on to be stored as a dead letter (by the route or the
     * backfill). While the person's data would make the same write again, their later events are skipped without a call
     * ({@link #stillRefused}), so the problem has one dead letter, not one per event.
     */
    private <T> T refusable(SyncPair pair, String subject, Side side, JsonNode planned, Supplier<T> write) {
        try {
            return refusableOnce(pair, subject, side, planned, write);
        } catch (RuntimeException e) {
            reports.add(reportScope(pair), ReportCounters.FAILED, towards(side), 1);
            throw e;
        }
    }

    private <T> T refusableOnce(SyncPair pair, String subject, Side side, JsonNode planned, Supplier<T> write) {
        try {
            return write.get();
        } catch (UpstreamRejectedException e) {
            if (!HighLevelContactApi.notFound(e)) {
                rememberRefusal(pair, subject, side, planned, e.operation(), e.meta(), e.getMessage());
            }
            throw e;
        } catch (ContactRefusedException e) {
            rememberRefusal(pair, subject, side, planned, null, null, e.getMessage());
            throw e;
        }
    }

    private void refusable(SyncPair pair, String subject, Side side, JsonNode planned, Runnable write) {
        refusable(pair, subject, side, planned, () -> {
            write.run();
            return null;
        });
    }

    /**
     * HighLevel's duplicate rule matched a contact already linked to another BirdSend contact: the refusal, remembered,
     * with what it matched in words (it is stored as the dead letter's error).
     */
    private UpstreamRejectedException duplicateConflict(SyncPair pair, String subject, JsonNode planned,
                                                       HighLevelContactApi.Created created, ContactLink taken) {
        UpstreamRejectedException answer = created.refusal();
        String field = answer.meta().path("matchingField").asText("email or phone");
        UpstreamRejectedException conflict = new UpstreamRejectedException(answer.call(), answer.status(),
                new UpstreamError(answer.upstreamMessage(), answer.fieldErrors(), answer.upstreamMessage() + " Its "
                        + field + " is HighLevel contact " + created.id() + "'s, who is linked to BirdSend contact "
                        + taken.birdsendId() + ": two people, or one person twice in BirdSend", answer.meta()));
        rememberRefusal(pair, subject, Side.HIGHLEVEL, planned, answer.operation(), answer.meta(), conflict.getMessage());
        reports.add(reportScope(pair), ReportCounters.FAILED, towards(Side.HIGHLEVEL), 1);
        return conflict;
    }

    private void rememberRefusal(SyncPair pair, String subject, Side side, JsonNode planned, String operation, JsonNode meta,
                                 String message) {
        String field = meta == null ? null : meta.path("matchingField").asText(null);
        String conflictingId = meta == null ? null : meta.path("contactId").asText(null);
        String value = field == null || planned == null ? null : RefusalStore.normalise(field, planned.path(field).asText(null));
        RefusalStore.Refusal refusal = value != null
                ? new RefusalStore.Refusal(subject, side, operation, field, value, conflictingId, null, message, clock.instant())
                : new RefusalStore.Refusal(subject, side, operation, null, null, null, fingerprint(planned), message,
                clock.instant());
        refusals.record(pair, refusal);
    }

    /**
     * Whether {@code planned} would be refused as it was: the same value in the field HighLevel's duplicate rule matched,
     * while the contact that holds it still does; otherwise the very same write.
     */
    private boolean stillRefused(SyncPair pair, RefusalStore.Refusal refusal, JsonNode planned) {
        if (refusal.field() == null) {
            return Objects.equals(refusal.fingerprint(), fingerprint(planned));
        }
        if (!refusal.value().equals(RefusalStore.normalise(refusal.field(), planned.path(refusal.field()).asText(null)))) {
            return false; // the person changed it: try again
        }
        if (refusal.conflictingId() == null) {
            return true;
        }
        Optional<JsonNode> holder = highlevel.get(pair.highlevelConnection(), refusal.conflictingId());
        return holder.isPresent() && refusal.value().equals(
                RefusalStore.normalise(refusal.field(), holder.get().path(refusal.field()).asText(null)));
    }

    /** A dead letter's replay the sync carried out: its letter says so (the replay answered {@code queued}). */
    private void recordReplay(long letterId, SyncOutcome outcome) {
        try {
            deadLetters.queuedReplayDone(letterId, "synced by the live sync: " + outcome.action()
                    + (outcome.detail() == null ? "" : " - " + outcome.detail()), clock.instant());
        } catch (RuntimeException e) {
            // The sync is done; only the letter's record of it is missing (it keeps "queued").
            LOG.warn("Dead letter {}: its replay synced, but the letter could not be updated: {}", letterId, e.getMessage());
        }
    }

    /**
     * Whether the case is a person's replay of a dead letter ({@code POST /api/dead-letters/{id}/replay}: a hand-over
     * naming the letter): a write refused before is sent again, as they fixed the cause, say a rule of the service.
     */
    private static boolean replayRequested(SyncCase c) {
        return c.origin() instanceof SyncCase.Event e && JournalSources.BACKFILL.equals(e.source()) && e.payload() != null
                && e.payload().hasNonNull(DeadLetterReplay.REPLAY_MARK);
    }

    private static String refusedAgain(RefusalStore.Refusal refusal) {
        String what = refusal.field() != null
                ? "while its " + refusal.field() + " is still HighLevel contact " + refusal.conflictingId() + "'s"
                : "while it is the same";
        return (refusal.side() == Side.HIGHLEVEL ? "HighLevel" : "BirdSend") + " refused this write before (a dead letter"
                + " since " + refusal.refusedAt() + " says why); it is not sent again " + what;
    }

    /** A HighLevel write as one JSON value: its properties and the tags it adds and removes. */
    private JsonNode planned(HighLevelWrite write) {
        com.fasterxml.jackson.databind.node.ObjectNode planned = write.body().deepCopy();
        write.addTags().forEach(planned.putArray("+tags")::add);
        write.removeTags().forEach(planned.putArray("-tags")::add);
        return planned;
    }

    private String fingerprint(JsonNode planned) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(json.writeValueAsString(planned).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("cannot fingerprint a write", e);
        }
    }

    private static BirdSendWrite withoutConstants(ContactMapping mapping, BirdSendWrite write) {
        Map<String, String> fields = new java.util.LinkedHashMap<>(write.fields());
        for (FieldRule rule : mapping.fields()) {
            if (rule.isOneSided() && rule.birdsendPath() != null && rule.birdsendPath().startsWith("fields.")) {
                fields.remove(rule.birdsendPath().substring("fields.".length()));
            }
        }
        return fields.size() == write.fields().size() ? write : new BirdSendWrite(write.email(), write.emailChanged(), fields,
                write.addTags(), write.removeTags(), write.unsubscribed());
    }

    private static HighLevelWrite withoutConstants(ContactMapping mapping, HighLevelWrite write, HighLevelFieldKeys keys) {
        com.fasterxml.jackson.databind.node.ObjectNode body = write.body().deepCopy();
        for (FieldRule rule : mapping.fields()) {
            if (!rule.isOneSided() || !rule.isMapped(Side.HIGHLEVEL)) {
                continue;
            }
            for (String path : rule.highlevelPaths()) {
                if (!path.startsWith("customFields.")) {
                    body.remove(path);
                } else if (body.path("customFields").isArray()) {
                    String id = keys.idOf(path.substring("customFields.".length())).orElse(null);
                    var remaining = body.arrayNode();
                    body.get("customFields").forEach(f -> {
                        if (!f.path("id").asText("").equals(id)) {
                            remaining.add(f);
                        }
                    });
                    if (remaining.isEmpty()) {
                        body.remove("customFields");
                    } else {
                        body.set("customFields", remaining);
                    }
                }
            }
        }
        return write.withBody(body);
    }

    /**
     * Links a contact the bridge just created, before any further write: a stop or crash between the create and the
     * end of the reconciliation must not leave a contact the links do not know (it would later be paired by email
     * with no shadow, and a change made meanwhile, such as a removed tag, would be taken for something never synced).
     * The shadow holds, for every two-sided field, what the new contact holds as created: a value the further writes
     * were still to bring is then a change of the side it came from, and is synced again after a restart.
     */
    private ContactLink linkCreated(SyncPair pair, String hlId, String bsId, String email, CanonicalContact planned,
                                    CanonicalContact created) {
        ContactMapping mapping = mapping(pair);
        Map<String, Object> values = new java.util.LinkedHashMap<>(planned.values());
        for (FieldRule rule : mapping.fields()) {
            if (!rule.isOneSided()) {
                Object value = created.get(rule.name());
                if (value == null) {
                    values.remove(rule.name());
                } else {
                    values.put(rule.name(), value);
                }
            }
        }
        return links.insertCreated(pair, hlId, bsId, email, new CanonicalContact(values)); // and forgets the recorded create
    }

    private void record(SyncPair pair, ContactLink link, String hlId, String bsId, String email, CanonicalContact shadow) {
        if (link == null) {
            links.insert(pair, hlId, bsId, email, shadow);
        } else if (!link.settled() || !link.shadow().equals(shadow) || !Objects.equals(link.email(), email)) {
            if (!links.update(link, email, shadow)) {
                throw linkChanged(bsId, hlId);
            }
        }
    }

    /** Another attempt (a replica, a redelivery) wrote the link since this case read it: the case starts over. */
    private static LinkChangedException linkChanged(String bsId, String hlId) {
        return new LinkChangedException("the link of BirdSend contact " + bsId + " and HighLevel contact " + hlId
                + " changed while syncing it; trying again");
    }

    /**
     * Whether the side's contact holds what both sides last agreed on (the link's shadow), for every field that side
     * feeds. A contact that agrees has nothing new to tell: its event is an echo of our own write, or old news. Never
     * while the link has writes pending: what the sides agree on is then not known.
     */
    boolean agrees(ContactMapping mapping, CanonicalContact side, ContactLink link, Side from) {
        if (!link.settled()) {
            return false;
        }
        CanonicalContact shadow = link.shadow();
        for (FieldRule rule : mapping.fields()) {
            if (!rule.isOneSided() && rule.direction().readsFrom(from) && !Objects.equals(side.get(rule.name()), shadow.get(rule.name()))) {
                return false;
            }
        }
        return true;
    }

    /** For tests: the bridge's mapping (a pair may have its own: {@link #mapping(SyncPair)}). */
    public ContactMapping mapping() {
        return defaultMapping;
    }
}
