package io.contactsbridge.sync;

import io.contactsbridge.mapping.CanonicalContact;
import io.contactsbridge.mapping.Side;

/**
 * A BirdSend contact and the HighLevel contact that is the same person.
 *
 * @param shadow        the mapped values both sides last agreed on; a side's change is what differs from it
 * @param version       optimistic lock: an update made from an older read fails and the event is retried
 * @param unlinkedSide  null for a live link; else the side whose contact was deleted while the sync only unlinks
 *                      ({@code bridge.sync.deletes=unlink}): the survivor is left alone, not created again there
 * @param pending       writes begun and not yet recorded (null when none): until they are, the shadow is not what both
 *                      sides hold, so no event is taken for an echo of it
 */
public record ContactLink(long id, String highlevelId, String birdsendId, String email, CanonicalContact shadow,
                          long version, Side unlinkedSide, PendingWrite pending) {

    /** A link with no writes pending. */
    public ContactLink(long id, String highlevelId, String birdsendId, String email, CanonicalContact shadow, long version,
                       Side unlinkedSide) {
        this(id, highlevelId, birdsendId, email, shadow, version, unlinkedSide, null);
    }

    public boolean isLive() {
        return unlinkedSide == null;
    }

    /** Whether both sides hold the shadow, as far as the bridge knows: no write of its own is unaccounted for. */
    public boolean settled() {
        return pending == null;
    }
}
