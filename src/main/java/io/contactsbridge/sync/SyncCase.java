package io.contactsbridge.sync;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.mapping.BirdSendWrite;
import io.contactsbridge.mapping.CanonicalContact;
import io.contactsbridge.mapping.HighLevelWrite;
import io.contactsbridge.mapping.Side;

/**
 * One person being synced: the message body of the sync's steps (route {@code contact-reconcile}, see
 * {@link ContactSync#STEPS}). It starts from what asked for the sync ({@link Origin}: a journal event, a contact of one
 * side, a backfill pair) and collects, step by step, the contacts as read, the merge's plan, the writes made and the
 * outcome. Once {@link #outcome} is set the remaining steps pass it by.
 *
 * <p>Not thread-safe and not serialisable: it lives on one exchange, on the thread that holds the person's turn.
 */
public final class SyncCase {

    /** What asked for the sync. */
    public sealed interface Origin {
    }

    /** What the read step found: contacts to reconcile, a contact gone, or the outcome already. */
    sealed interface Found {
    }

    /** Nothing to write: the outcome is known from what was read. */
    record Decided(SyncOutcome outcome) implements Found {
    }

    /** A journal event (HighLevel webhook or poll, BirdSend poll or notification, the backfill's hand-over). */
    public record Event(String source, String type, String key, JsonNode payload) implements Origin {
    }

    /** A HighLevel contact may have changed; {@code hint} is a copy of it (partial, or null). */
    public record HighLevelContact(String id, JsonNode hint) implements Origin {
    }

    /** A BirdSend contact may have changed; {@code hint} is a copy of it (or null). */
    public record BirdSendContact(String id, JsonNode hint) implements Origin {
    }

    /** A service said the contact was deleted: checked with the service before it counts. */
    public record Deleted(Side side, String id) implements Origin {
    }

    /** The service itself just answered that the contact on {@code side} does not exist. */
    public record Gone(Side side, String id) implements Origin, Found {
    }

    /**
     * Two contacts as read (either may be null: created from the other) and their link (or null). A contact may come
     * as the backfill listed it instead ({@code birdsendListed}, {@code highlevelListed}: mapped, not read again), for
     * a create planned from the listing.
     */
    public record Contacts(ContactLink link, JsonNode birdsend, JsonNode highlevel, BackfillListingStore.Listed birdsendListed,
                           BackfillListingStore.Listed highlevelListed) implements Origin, Found {

        public Contacts(ContactLink link, JsonNode birdsend, JsonNode highlevel) {
            this(link, birdsend, highlevel, null, null);
        }

        boolean hasBirdSend() {
            return birdsend != null || birdsendListed != null;
        }

        boolean hasHighLevel() {
            return highlevel != null || highlevelListed != null;
        }

        /** BirdSend's contact id, read or listed; null when it is to be created. */
        String birdsendId() {
            return birdsend != null ? birdsend.path("contact_id").asText() : birdsendListed != null ? birdsendListed.id() : null;
        }

        /** HighLevel's contact id, read or listed; null when it is to be created. */
        String highlevelId() {
            return highlevel != null ? highlevel.path("id").asText() : highlevelListed != null ? highlevelListed.id() : null;
        }
    }

    /** What the merge step decided: each side's contact as mapped, the writes, and what each side will be sent. */
    record Plan(ContactMerge.Result merged, CanonicalContact birdsendMapped, CanonicalContact highlevelMapped, String email,
                BirdSendWrite birdsendWrite, HighLevelWrite highlevelWrite, JsonNode birdsendPlanned,
                JsonNode highlevelPlanned, String subject, boolean refusedBefore, List<String> conflicts) {
    }

    final Origin origin;
    /** The connection pair the person is synced in; null for "the bridge's only pair" (see {@link SyncPairs#only}). */
    SyncPair pair;
    /** The person's turn when this case took it (released when the case ends); null when it runs inside another's. */
    ContactTurns.Held turn;
    /** Whether the steps run (again): set when the case starts, a key is found taken, or a create found a duplicate. */
    boolean again = true;
    /** Times the case started over because its link changed meanwhile (an expected race). */
    int linkChanges;
    /** Passes of the steps so far: bounded, so a case that keeps starting over fails (and is retried later). */
    int passes;

    /** Read step: contacts to reconcile on the next pass without reading (a duplicate found by a create). */
    Contacts next;
    /** Read step's result: the contacts to reconcile, or a contact found gone. */
    Contacts contacts;
    Gone gone;

    Plan plan;
    /** Set by the create and write steps. */
    ContactLink link;
    String birdsendId;
    String highlevelId;
    int writes;
    SyncOutcome.Action action;
    /** Merge step: the plan merged against a create recorded before and not linked yet ({@link LinkStore#pendingCreate}). */
    boolean createPending;

    SyncOutcome outcome;

    public SyncCase(Origin origin) {
        this.origin = origin;
    }

    public SyncCase(Origin origin, SyncPair pair) {
        this.origin = origin;
        this.pair = pair;
    }

    public Origin origin() {
        return origin;
    }

    /** What the sync did; null while the steps run. */
    public SyncOutcome outcome() {
        return outcome;
    }

    boolean decided() {
        return outcome != null || again;
    }

    /** Starts the steps over from the read (after a relock or a changed link): nothing of this pass is kept. */
    void startOver() {
        next = null;
        reset();
        again = true;
    }

    /** Runs the steps again on these contacts, without reading (a create found the contact already there). */
    void reconcileAgain(Contacts contacts) {
        reset();
        next = contacts;
        again = true;
    }

    private void reset() {
        contacts = null;
        gone = null;
        plan = null;
        link = null;
        birdsendId = null;
        highlevelId = null;
        writes = 0;
        action = null;
        createPending = false;
        outcome = null;
    }

    /** What the case is about, for logs and errors: ids only, never the contact's data. */
    @Override
    public String toString() {
        String about;
        if (origin instanceof Event e) {
            about = e.source() + " " + e.type() + " for " + e.key();
        } else if (origin instanceof HighLevelContact h) {
            about = "HighLevel contact " + h.id();
        } else if (origin instanceof BirdSendContact b) {
            about = "BirdSend contact " + b.id();
        } else if (origin instanceof Deleted d) {
            about = "deleted " + d.side().key() + " contact " + d.id();
        } else if (origin instanceof Gone g) {
            about = "gone " + g.side().key() + " contact " + g.id();
        } else {
            Contacts k = (Contacts) origin;
            about = "BirdSend contact " + (k.birdsend() == null ? null : k.birdsend().path("contact_id").asText())
                    + " and HighLevel contact " + (k.highlevel() == null ? null : k.highlevel().path("id").asText());
        }
        return about;
    }
}
