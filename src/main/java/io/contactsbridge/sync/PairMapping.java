package io.contactsbridge.sync;

import io.contactsbridge.mapping.ContactMapping;

/** A pair's own contact mapping: where it was read from, as configured or requested, and what was read. */
public record PairMapping(String location, ContactMapping mapping) {
}
