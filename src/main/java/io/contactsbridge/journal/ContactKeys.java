package io.contactsbridge.journal;

import java.util.Locale;

/**
 * How journal entries name the contact they are about. Events with the same key are consumed in the
 * order they were appended, whatever the partition count, so every source must use the same form
 * for the same contact.
 */
public final class ContactKeys {

    private ContactKeys() {
    }

    /** A HighLevel contact: {@code highlevel:<contactId>}. */
    public static String highLevel(String contactId) {
        return "highlevel:" + require(contactId);
    }

    /** A BirdSend contact: {@code birdsend:<contact_id>}. */
    public static String birdSend(String contactId) {
        return "birdsend:" + require(contactId);
    }

    /** A contact known only by email address (case-insensitive): {@code email:<address in lower case>}. */
    public static String email(String address) {
        return "email:" + require(address).trim().toLowerCase(Locale.ROOT);
    }

    /**
     * The partition of {@code contactKey} among {@code partitions}: {@code hash(contactKey) mod partitions}.
     * The journal stores {@link #hash} with each event so the database can filter by partition.
     */
    public static int partition(String contactKey, int partitions) {
        return hash(contactKey) % partitions;
    }

    /** A non-negative hash of the key; String.hashCode is specified by the JLS, so it is the same on every JVM. */
    public static int hash(String contactKey) {
        return contactKey.hashCode() & 0x7fffffff;
    }

    private static String require(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("a contact key needs an id or address");
        }
        return value;
    }
}
