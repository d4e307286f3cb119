package io.contactsbridge.sync;

import io.contactsbridge.mapping.CanonicalContact;

/**
 * A BirdSend contact and the HighLevel contact that is the same person.
 *
 * @param shadow  the mapped values both sides last agreed on; a side's change is what differs from it
 * @param version optimistic lock: an update made from an older read fails and the event is retried
 */
public record ContactLink(long id, String highlevelId, String birdsendId, String email, CanonicalContact shadow,
                          long version) {
}
