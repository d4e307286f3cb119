package io.contactsbridge.sync;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.JournalConsumerBean;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.mapping.BirdSendWrite;
import io.contactsbridge.mapping.CanonicalContact;
import io.contactsbridge.mapping.ContactMapping;
import io.contactsbridge.mapping.FieldRule;
import io.contactsbridge.mapping.HighLevelFieldKeys;
import io.contactsbridge.mapping.HighLevelWrite;
import io.contactsbridge.mapping.Side;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Keeps one contact the same on both sides. Called by the route {@code contact-sync} for every journal event
 * (HighLevel webhooks and polls, BirdSend polls and notifications) and by the backfill for every pair.
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
    private final ContactMapping mapping;
    private final ContactMerge merge;
    private final LinkStore links;
    private final HighLevelContactApi highlevel;
    private final BirdSendContactApi birdsend;
    private final SyncMetrics metrics;
    private final ObjectMapper json;
    private final MappingCheck mappingCheck;
    private final ContactTurns turns;

    public ContactSync(SyncProperties props, ContactMapping mapping, LinkStore links, HighLevelContactApi highlevel,
                       BirdSendContactApi birdsend, SyncMetrics metrics, ObjectMapper json, MappingCheck mappingCheck,
                       ContactTurns turns) {
        this.props = props;
        this.mapping = mapping;
        this.merge = new ContactMerge(mapping, props.conflict());
        this.links = links;
        this.highlevel = highlevel;
        this.birdsend = birdsend;
        this.metrics = metrics;
        this.json = json;
        this.mappingCheck = mappingCheck;
        this.turns = turns;
    }

    // ---- journal events ---------------------------------------------------------------------------

    /** The route's step: one journal event (body: the payload as a Map; headers from the journal consumer). */
    public SyncOutcome apply(Exchange exchange) {
        Message in = exchange.getMessage();
        String source = in.getHeader(JournalConsumerBean.EVENT_SOURCE, String.class);
        String type = in.getHeader(JournalConsumerBean.EVENT_TYPE, String.class);
        String key = in.getHeader(JournalConsumerBean.CONTACT_KEY, String.class);
        JsonNode payload = json.valueToTree(in.getBody(Map.class));
        // A mapping naming a field the accounts lack cannot sync as mapped: the event is held in the journal until the
        // check (at most every bridge.sync.mapping-recheck) finds the field or the mapping changed; health and status say why.
        mappingCheck.requireUsable();
        SyncOutcome outcome = onEvent(source, type, key, payload);
        metrics.event(outcome);
        if (outcome.action() != SyncOutcome.Action.UNCHANGED) {
            LOG.info("{} {} for {}: {}{}{}", source, type, key, outcome.action(),
                    outcome.conflicts().isEmpty() ? "" : " (conflicts: " + String.join(", ", outcome.conflicts()) + ")",
                    outcome.detail() == null ? "" : " - " + outcome.detail());
        }
        return outcome;
    }

    /** Handles one journal event in the turn of the contact it names (see {@link ContactTurns}). */
    SyncOutcome onEvent(String source, String type, String key, JsonNode payload) {
        String id = key != null && key.indexOf(':') > 0 ? key.substring(key.indexOf(':') + 1) : null;
        List<String> turnKeys = new ArrayList<>();
        if (id != null && key.startsWith("highlevel:")) {
            turnKeys.add(ContactTurns.highLevel(id));
        } else if (id != null && key.startsWith("birdsend:")) {
            turnKeys.add(ContactTurns.birdSend(id));
        } else if (id != null && key.startsWith("email:")) {
            turnKeys.add(ContactTurns.email(id));
        }
        return turns.run(props.pair(), turnKeys, () -> onEventInTurn(source, type, key, id, payload));
    }

    private SyncOutcome onEventInTurn(String source, String type, String key, String id, JsonNode payload) {
        switch (source == null ? "" : source) {
            case JournalSources.HIGHLEVEL_WEBHOOK, JournalSources.HIGHLEVEL_POLL -> {
                if (key == null || !key.startsWith("highlevel:")) {
                    return SyncOutcome.skipped("not about a HighLevel contact");
                }
                if ("ContactDelete".equals(type)) {
                    return highLevelDeleted(id);
                }
                if (!isHighLevelContactEvent(type)) {
                    return SyncOutcome.skipped("not a contact change");
                }
                return fromHighLevel(id, payload);
            }
            case JournalSources.BIRDSEND_POLL -> {
                if ("ContactDeleted".equals(type)) {
                    return birdSendDeleted(id);
                }
                return fromBirdSend(id, payload);
            }
            case JournalSources.BIRDSEND_NOTIFICATION -> {
                if (key != null && key.startsWith("email:")) {
                    Optional<JsonNode> found = birdsend.findByEmail(props.birdsendConnection(), id);
                    return found.map(c -> fromBirdSend(c.path("contact_id").asText(), null))
                            .orElseGet(() -> SyncOutcome.skipped("BirdSend has no contact " + id));
                }
                return fromBirdSend(id, null);
            }
            default -> {
                return SyncOutcome.skipped("unknown source " + source);
            }
        }
    }

    private static boolean isHighLevelContactEvent(String type) {
        return type != null && (type.equals("ContactChanged") || (type.startsWith("Contact") && !type.equals("ContactDelete")));
    }

    /** A HighLevel contact may have changed; {@code hint} is the event's copy of it (may be partial or null). */
    public SyncOutcome fromHighLevel(String hlId, JsonNode hint) {
        return turns.run(props.pair(), List.of(ContactTurns.highLevel(hlId)), () -> fromHighLevelInTurn(hlId, hint));
    }

    private SyncOutcome fromHighLevelInTurn(String hlId, JsonNode hint) {
        SyncPair pair = props.pair();
        HighLevelFieldKeys keys = highlevel.fieldKeys(pair.highlevelConnection());
        Optional<ContactLink> link = links.byHighLevel(pair, hlId);
        if (link.isPresent() && !link.get().isLive()) {
            return leftAlone(link.get());
        }
        if (link.isPresent() && hint != null && agrees(mapping.readHighLevel(hint, keys), link.get().shadow(), Side.HIGHLEVEL)) {
            return SyncOutcome.unchanged();
        }
        link.ifPresent(l -> turns.include(ContactTurns.birdSend(l.birdsendId())));
        Optional<JsonNode> hlNow = highlevel.get(pair.highlevelConnection(), hlId);
        if (hlNow.isEmpty()) {
            return gone(Side.HIGHLEVEL, hlId);
        }
        if (link.isPresent()) {
            if (agrees(mapping.readHighLevel(hlNow.get(), keys), link.get().shadow(), Side.HIGHLEVEL)) {
                return SyncOutcome.unchanged();
            }
            Optional<JsonNode> bsNow = birdsend.get(pair.birdsendConnection(), link.get().birdsendId());
            if (bsNow.isEmpty()) {
                return gone(Side.BIRDSEND, link.get().birdsendId());
            }
            return reconcile(link.get(), bsNow.get(), hlNow.get(), false);
        }
        CanonicalContact h = mapping.readHighLevel(hlNow.get(), keys);
        String email = (String) h.get(mapping.emailField());
        if (email == null) {
            return SyncOutcome.skipped("HighLevel contact " + hlId + " has no email, which BirdSend requires");
        }
        turns.include(ContactTurns.email(email));
        Optional<JsonNode> bsMatch = birdsend.findByEmail(pair.birdsendConnection(), email);
        if (bsMatch.isPresent()) {
            String bsId = bsMatch.get().path("contact_id").asText();
            turns.include(ContactTurns.birdSend(bsId));
            // Read again now that this turn holds it: the search may have answered while someone else wrote it.
            bsMatch = birdsend.get(pair.birdsendConnection(), bsId);
            if (bsMatch.isEmpty()) {
                return reconcile(null, null, hlNow.get(), false);
            }
            Optional<ContactLink> taken = links.byBirdSend(pair, bsId);
            if (taken.isPresent() && taken.get().highlevelId().equals(hlId)) {
                return fromHighLevel(hlId, null); // linked meanwhile (by the backfill or another replica)
            }
            if (taken.isPresent() && !releaseIfGone(taken.get(), Side.HIGHLEVEL)) {
                return SyncOutcome.skipped("BirdSend contact " + bsId + " with the same email is linked to HighLevel contact "
                        + taken.get().highlevelId() + "; HighLevel holds two contacts with this email");
            }
        }
        return reconcile(null, bsMatch.orElse(null), hlNow.get(), false);
    }

    /** A BirdSend contact may have changed; {@code hint} is the event's copy of it (or null). */
    public SyncOutcome fromBirdSend(String bsId, JsonNode hint) {
        return turns.run(props.pair(), List.of(ContactTurns.birdSend(bsId)), () -> fromBirdSendInTurn(bsId, hint));
    }

    private SyncOutcome fromBirdSendInTurn(String bsId, JsonNode hint) {
        SyncPair pair = props.pair();
        Optional<ContactLink> link = links.byBirdSend(pair, bsId);
        if (link.isPresent() && !link.get().isLive()) {
            return leftAlone(link.get());
        }
        if (link.isPresent() && hint != null && agrees(mapping.readBirdSend(hint), link.get().shadow(), Side.BIRDSEND)) {
            return SyncOutcome.unchanged();
        }
        link.ifPresent(l -> turns.include(ContactTurns.highLevel(l.highlevelId())));
        Optional<JsonNode> bsNow = birdsend.get(pair.birdsendConnection(), bsId);
        if (bsNow.isEmpty()) {
            return gone(Side.BIRDSEND, bsId);
        }
        if (link.isPresent()) {
            if (agrees(mapping.readBirdSend(bsNow.get()), link.get().shadow(), Side.BIRDSEND)) {
                return SyncOutcome.unchanged();
            }
            Optional<JsonNode> hlNow = highlevel.get(pair.highlevelConnection(), link.get().highlevelId());
            if (hlNow.isEmpty()) {
                return gone(Side.HIGHLEVEL, link.get().highlevelId());
            }
            return reconcile(link.get(), bsNow.get(), hlNow.get(), false);
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
                return fromBirdSend(bsId, null); // linked meanwhile (by the backfill or another replica)
            }
            if (taken.isPresent() && !releaseIfGone(taken.get(), Side.BIRDSEND)) {
                return SyncOutcome.skipped("HighLevel contact " + hlId + " matching by email or phone is linked to BirdSend contact "
                        + taken.get().birdsendId());
            }
            HighLevelFieldKeys keys = highlevel.fieldKeys(pair.highlevelConnection());
            String otherEmail = (String) mapping.readHighLevel(hlMatch.get(), keys).get(mapping.emailField());
            if (otherEmail != null && !otherEmail.equals(email)) {
                // Matched by phone only. If its email is another BirdSend contact's, the HighLevel contact is that
                // person: linking would write one's email over the other's (BirdSend refuses a taken email).
                Optional<JsonNode> owner = birdsend.findByEmail(pair.birdsendConnection(), otherEmail);
                if (owner.isPresent() && !bsId.equals(owner.get().path("contact_id").asText())) {
                    return SyncOutcome.skipped("it shares its phone with HighLevel contact " + hlId + ", whose email belongs to "
                            + "BirdSend contact " + owner.get().path("contact_id").asText());
                }
            }
            // The duplicate search may answer with a summary: work on the full contact.
            hlMatch = highlevel.get(pair.highlevelConnection(), hlId);
        }
        return reconcile(null, bsNow.get(), hlMatch.orElse(null), false);
    }

    /**
     * A linked contact whose partner on {@code partnerSide} is gone (deleted, or merged into another) no longer
     * holds its partner: the link is dropped and true returned. False when the partner still exists.
     */
    private boolean releaseIfGone(ContactLink link, Side partnerSide) {
        SyncPair pair = props.pair();
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

    /**
     * HighLevel reported the contact deleted (a ContactDelete webhook). An event may be late, repeated or out of
     * order, so the contact is looked up first: only HighLevel answering that it is gone counts as a delete; a
     * contact that exists is synced as a change.
     */
    public SyncOutcome highLevelDeleted(String hlId) {
        return turns.run(props.pair(), List.of(ContactTurns.highLevel(hlId)), () -> {
            Optional<ContactLink> link = links.byHighLevel(props.pair(), hlId);
            link.ifPresent(l -> turns.include(ContactTurns.birdSend(l.birdsendId())));
            return highlevel.get(props.highlevelConnection(), hlId).isEmpty() ? gone(Side.HIGHLEVEL, hlId)
                    : fromHighLevel(hlId, null);
        });
    }

    /** BirdSend's poll reported the contact deleted: as {@link #highLevelDeleted}, checked with BirdSend first. */
    public SyncOutcome birdSendDeleted(String bsId) {
        return turns.run(props.pair(), List.of(ContactTurns.birdSend(bsId)), () -> {
            Optional<ContactLink> link = links.byBirdSend(props.pair(), bsId);
            link.ifPresent(l -> turns.include(ContactTurns.highLevel(l.highlevelId())));
            return birdsend.get(props.birdsendConnection(), bsId).isEmpty() ? gone(Side.BIRDSEND, bsId)
                    : fromBirdSend(bsId, null);
        });
    }

    /** The service itself just answered that the contact on {@code side} does not exist (404 / not found). */
    SyncOutcome gone(Side side, String id) {
        Optional<ContactLink> link = side == Side.HIGHLEVEL ? links.byHighLevel(props.pair(), id) : links.byBirdSend(props.pair(), id);
        link.ifPresent(l -> turns.include(side == Side.HIGHLEVEL ? ContactTurns.birdSend(l.birdsendId())
                : ContactTurns.highLevel(l.highlevelId())));
        return deleted(side, link, id);
    }

    /**
     * A contact is gone from {@code side}. Unlink mode keeps the link row marked, so later events of the survivor
     * leave it alone rather than create it again where it was deleted; propagate mode deletes the survivor too.
     */
    private SyncOutcome deleted(Side side, Optional<ContactLink> link, String id) {
        if (link.isEmpty() || !link.get().isLive()) {
            return SyncOutcome.skipped(side.key() + " contact " + id + " is gone and was not linked");
        }
        SyncPair pair = props.pair();
        if (props.deletes() == SyncProperties.Deletes.PROPAGATE) {
            if (side == Side.HIGHLEVEL) {
                birdsend.delete(pair.birdsendConnection(), link.get().birdsendId());
            } else {
                highlevel.delete(pair.highlevelConnection(), link.get().highlevelId());
            }
            metrics.write(side.other());
            links.delete(link.get());
            return SyncOutcome.unlinked(1);
        }
        if (!links.markUnlinked(link.get(), side)) {
            throw new LinkChangedException("the link of " + side.key() + " contact " + id + " changed while unlinking it");
        }
        return SyncOutcome.unlinked(0);
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
        if (dryRun) {
            HighLevelFieldKeys keys = highlevel.fieldKeys(props.pair().highlevelConnection());
            return plan(link, bsNow == null ? null : mapping.readBirdSend(bsNow), BirdSendContactApi.updatedAt(bsNow),
                    hlNow == null ? null : mapping.readHighLevel(hlNow, keys), HighLevelContactApi.updatedAt(hlNow));
        }
        List<String> keys = new ArrayList<>();
        if (link != null) {
            keys.add(ContactTurns.highLevel(link.highlevelId()));
            keys.add(ContactTurns.birdSend(link.birdsendId()));
        }
        if (bsNow != null) {
            keys.add(ContactTurns.birdSend(bsNow.path("contact_id").asText()));
        }
        if (hlNow != null) {
            keys.add(ContactTurns.highLevel(hlNow.path("id").asText()));
        }
        return turns.run(props.pair(), keys, () -> reconcileInTurn(link, bsNow, hlNow));
    }

    /**
     * What {@link #reconcile} would do with contacts as mapped (null: no contact on that side), without a call or a
     * write: the dry run's plan. The backfill keeps its listings mapped in the store and plans from them.
     */
    public SyncOutcome plan(ContactLink link, CanonicalContact bsMapped, Instant bsUpdated, CanonicalContact hlMapped,
                            Instant hlUpdated) {
        HighLevelFieldKeys keys = highlevel.fieldKeys(props.pair().highlevelConnection());
        CanonicalContact a = bsMapped == null ? CanonicalContact.EMPTY : bsMapped;
        CanonicalContact h = hlMapped == null ? CanonicalContact.EMPTY : hlMapped;
        ContactMerge.Result result = merge.merge(link == null ? null : link.shadow(), a, h, bsUpdated, hlUpdated);
        if (result.shadow().get(mapping.emailField()) == null) {
            return SyncOutcome.skipped("no email on either side, which BirdSend requires");
        }
        BirdSendWrite bsWrite = mapping.writeBirdSend(result.birdsend(), a);
        if (bsMapped != null) {
            bsWrite = withoutConstants(bsWrite);
        }
        HighLevelWrite hlWrite = mapping.writeHighLevel(result.highlevel(), h, keys);
        if (hlMapped != null) {
            hlWrite = withoutConstants(hlWrite, keys);
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
            metrics.conflicts(conflicts.size());
        }
        return new SyncOutcome(action, writes, conflicts, null);
    }

    private SyncOutcome reconcileInTurn(ContactLink link, JsonNode bsNow, JsonNode hlNow) {
        SyncPair pair = props.pair();
        HighLevelFieldKeys keys = highlevel.fieldKeys(pair.highlevelConnection());
        CanonicalContact a = bsNow == null ? CanonicalContact.EMPTY : mapping.readBirdSend(bsNow);
        CanonicalContact h = hlNow == null ? CanonicalContact.EMPTY : mapping.readHighLevel(hlNow, keys);
        ContactMerge.Result result = merge.merge(link == null ? null : link.shadow(), a, h,
                BirdSendContactApi.updatedAt(bsNow), HighLevelContactApi.updatedAt(hlNow));
        String email = (String) result.shadow().get(mapping.emailField());
        if (email == null) {
            return SyncOutcome.skipped("no email on either side, which BirdSend requires");
        }
        if (link == null) {
            turns.include(ContactTurns.email(email));
        }
        // One-sided constants (the mapping's defaults, e.g. HighLevel's source) go only into contacts the bridge
        // creates: writing them into an existing contact would be a write nobody made on the other side.
        BirdSendWrite bsWrite = mapping.writeBirdSend(result.birdsend(), a);
        if (bsNow != null) {
            bsWrite = withoutConstants(bsWrite);
        }
        HighLevelWrite hlWrite = mapping.writeHighLevel(result.highlevel(), h, keys);
        if (hlNow != null) {
            hlWrite = withoutConstants(hlWrite, keys);
        }
        List<String> conflicts = new ArrayList<>(result.conflicts().keySet());
        int writes = 0;
        SyncOutcome.Action action;
        final String bsGiven = bsNow == null ? null : bsNow.path("contact_id").asText();
        final String hlGiven = hlNow == null ? null : hlNow.path("id").asText();
        String bsId = bsGiven;
        String hlId = hlGiven;

        if (bsNow == null) {
            BirdSendContactApi.Created created = birdsend.create(pair.birdsendConnection(), bsWrite);
            metrics.write(Side.BIRDSEND);
            if (created.duplicate()) {
                // BirdSend already has this email (created since we looked, or by a crashed earlier attempt): link it.
                turns.include(ContactTurns.birdSend(created.id()));
                JsonNode existing = birdsend.get(pair.birdsendConnection(), created.id())
                        .orElseThrow(() -> new LinkChangedException("BirdSend contact " + created.id() + " vanished while linking"));
                JsonNode hlFresh = hlNow == null ? null : highlevel.get(pair.highlevelConnection(), hlGiven)
                        .orElseThrow(() -> new LinkChangedException("HighLevel contact " + hlGiven + " vanished while linking"));
                return reconcile(link, existing, hlFresh, false);
            }
            bsId = created.id();
            writes++;
            action = SyncOutcome.Action.CREATED_BIRDSEND;
        } else if (hlNow == null) {
            HighLevelContactApi.Created created = highlevel.create(pair.highlevelConnection(), hlWrite.createBody());
            metrics.write(Side.HIGHLEVEL);
            if (created.duplicate()) {
                JsonNode existing = highlevel.get(pair.highlevelConnection(), created.id())
                        .orElseThrow(() -> new LinkChangedException("HighLevel contact " + created.id() + " vanished while linking"));
                turns.include(ContactTurns.highLevel(created.id()));
                Optional<ContactLink> taken = links.byHighLevel(pair, created.id());
                if (taken.isPresent() && !Objects.equals(taken.get().birdsendId(), bsId)) {
                    return SyncOutcome.skipped("HighLevel's duplicate rules match contact " + created.id()
                            + ", which is linked to BirdSend contact " + taken.get().birdsendId());
                }
                // Both contacts will be written: merge what they hold now (bsNow may come from a backfill listing).
                JsonNode bsFresh = birdsend.get(pair.birdsendConnection(), bsGiven)
                        .orElseThrow(() -> new LinkChangedException("BirdSend contact " + bsGiven + " vanished while linking"));
                return reconcile(taken.orElse(link), bsFresh, existing, false);
            }
            hlId = created.id();
            writes++;
            action = SyncOutcome.Action.CREATED_HIGHLEVEL;
        } else {
            action = link == null ? SyncOutcome.Action.LINKED : SyncOutcome.Action.UNCHANGED;
            if (!bsWrite.isEmpty()) {
                writes++;
                birdsend.apply(pair.birdsendConnection(), bsId, bsNow, bsWrite);
                metrics.write(Side.BIRDSEND);
            }
            if (!hlWrite.isEmpty()) {
                writes++;
                highlevel.apply(pair.highlevelConnection(), hlId, hlWrite, email);
                metrics.write(Side.HIGHLEVEL);
            }
            if (action == SyncOutcome.Action.UNCHANGED && writes > 0) {
                action = SyncOutcome.Action.UPDATED;
            }
        }
        // A created contact may still need the side it came from to get a one-sided default.
        if (action == SyncOutcome.Action.CREATED_BIRDSEND && !hlWrite.isEmpty()) {
            highlevel.apply(pair.highlevelConnection(), hlId, hlWrite, email);
            metrics.write(Side.HIGHLEVEL);
            writes++;
        } else if (action == SyncOutcome.Action.CREATED_HIGHLEVEL && !bsWrite.isEmpty()) {
            birdsend.apply(pair.birdsendConnection(), bsId, bsNow, bsWrite);
            metrics.write(Side.BIRDSEND);
            writes++;
        }
        record(pair, link, hlId, bsId, email, result.shadow());
        if (!conflicts.isEmpty()) {
            metrics.conflicts(conflicts.size());
        }
        return new SyncOutcome(action, writes, conflicts, null);
    }

    private BirdSendWrite withoutConstants(BirdSendWrite write) {
        Map<String, String> fields = new java.util.LinkedHashMap<>(write.fields());
        for (FieldRule rule : mapping.fields()) {
            if (rule.isOneSided() && rule.birdsendPath() != null && rule.birdsendPath().startsWith("fields.")) {
                fields.remove(rule.birdsendPath().substring("fields.".length()));
            }
        }
        return fields.size() == write.fields().size() ? write : new BirdSendWrite(write.email(), write.emailChanged(), fields,
                write.addTags(), write.removeTags(), write.unsubscribed());
    }

    private HighLevelWrite withoutConstants(HighLevelWrite write, HighLevelFieldKeys keys) {
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

    private void record(SyncPair pair, ContactLink link, String hlId, String bsId, String email, CanonicalContact shadow) {
        if (link == null) {
            links.insert(pair, hlId, bsId, email, shadow);
        } else if (!link.shadow().equals(shadow) || !Objects.equals(link.email(), email)) {
            if (!links.update(link, email, shadow)) {
                throw new LinkChangedException("the link of BirdSend contact " + bsId + " and HighLevel contact " + hlId
                        + " changed while syncing it; trying again");
            }
        }
    }

    /**
     * Whether the side's contact holds what both sides last agreed on, for every field that side feeds. A
     * contact that agrees has nothing new to tell: its event is an echo of our own write, or old news.
     */
    boolean agrees(CanonicalContact side, CanonicalContact shadow, Side from) {
        for (FieldRule rule : mapping.fields()) {
            boolean twoSided = rule.birdsendPath() != null && !rule.highlevelPaths().isEmpty();
            if (twoSided && rule.direction().readsFrom(from) && !Objects.equals(side.get(rule.name()), shadow.get(rule.name()))) {
                return false;
            }
        }
        return true;
    }

    /** For tests and the backfill: the current mapping. */
    public ContactMapping mapping() {
        return mapping;
    }
}
