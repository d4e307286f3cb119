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
 */
public record ContactLink(long id, String highlevelId, String birdsendId, String email, CanonicalContact shadow,
                          long version, Side unlinkedSide) {

    public boolean isLive() {
        return unlinkedSide == null;
    }
}
