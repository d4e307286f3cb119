package io.contactsbridge.journal;

/**
 * Which group (a connection pair) an event belongs to, for consumers that keep groups apart: one group's events that
 * fail or take too long are parked ({@link JournalParking}) instead of holding up the other groups' events in the
 * partitions they share. One bean of this type, when there is one, serves every {@code journal:} consumer.
 */
public interface JournalGroups {

    /**
     * The group of an event from {@code connectionId} (null when the writer could not tell), or null when groups are
     * not kept apart now (a bridge with one pair: nothing else could be held up, and failures block the partition as
     * they always did).
     */
    String groupOf(String connectionId);
}
