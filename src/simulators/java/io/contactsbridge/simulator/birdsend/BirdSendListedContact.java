package io.contactsbridge.simulator.birdsend;

import java.time.Instant;

/**
 * What the contact list filters and sorts by. Both a stored contact and a {@link BirdSendContactView} have it, so a
 * list can sort an account's contacts without building a view of each (at 100,000 contacts that would cost far more
 * than the sort) and build views only for the page it returns.
 */
interface BirdSendListedContact {

    long contactId();

    String email();

    /** The value of a field, or null. */
    String field(String key);

    Instant createdAt();

    Instant updatedAt();

    /** Tag names compare case-insensitively. */
    boolean hasTag(String name);
}
