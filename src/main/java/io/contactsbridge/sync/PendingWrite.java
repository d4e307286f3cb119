package io.contactsbridge.sync;

import io.contactsbridge.mapping.CanonicalContact;

/**
 * Writes the sync set out to make to a pair of contacts and has not seen through yet: stored with their link before
 * the first of them, cleared when the link records their outcome. Either write may have been made, half made (a
 * BirdSend tag call of two), or made without the bridge hearing so (an answer that timed out), and a person may edit
 * either contact before the next attempt. The next merge ({@link ContactMerge#mergePending}) therefore takes a field that holds either what the side had
 * or what it was to get as unchanged, and anything else as that person's edit: a tag removed in HighLevel after the
 * bridge copied it to BirdSend stays removed, instead of coming back as it would from a first link's union.
 *
 * @param base      the link's shadow before these writes; null when the two contacts were being linked for the first time
 * @param merged    what both sides were to hold (the merge's new shadow)
 * @param birdsend  BirdSend's contact, as mapped, when the writes were planned ({@code EMPTY} when it was to be created)
 * @param highlevel HighLevel's contact, as mapped, when the writes were planned ({@code EMPTY} when it was to be created)
 */
public record PendingWrite(CanonicalContact base, CanonicalContact merged, CanonicalContact birdsend,
                           CanonicalContact highlevel) {
}
