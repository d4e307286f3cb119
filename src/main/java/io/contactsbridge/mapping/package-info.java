/**
 * The contact mapping: the YAML file that says which field of one service is which field of the other (direction,
 * kind, transforms), parsed into {@code ContactMapping}; canonical contacts and the writes computed for each side.
 */
package io.contactsbridge.mapping;
