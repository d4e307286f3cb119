package io.contactsbridge.journal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a consumer reads: its id (which names its durable position), the sources and event types it
 * wants, and how many partitions it splits the journal into for per-contact ordering.
 *
 * @param eventTypes the wanted event types; empty means every type
 */
public record JournalSubscription(String consumerId, List<String> sources, Set<String> eventTypes, int partitions) {

    public static final int MAX_PARTITIONS = 256;

    public JournalSubscription {
        JournalSources.requireName("The consumer id", consumerId);
        if (sources == null || sources.isEmpty()) {
            throw new IllegalArgumentException("Journal consumer '" + consumerId + "' reads no source");
        }
        sources = List.copyOf(new LinkedHashSet<>(sources));
        sources.forEach(s -> JournalSources.requireName("A journal source", s));
        eventTypes = eventTypes == null ? Set.of() : Set.copyOf(eventTypes);
        eventTypes.forEach(t -> JournalSources.requireName("An event type", t));
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw new IllegalArgumentException("partitions of journal consumer '" + consumerId + "' must be 1-"
                    + MAX_PARTITIONS + ", got " + partitions);
        }
    }

    /** Parses comma-separated lists as the Kamelets pass them; a blank event-type list means every type. */
    public static JournalSubscription of(String consumerId, String sources, String eventTypes, int partitions) {
        return new JournalSubscription(consumerId, split(sources), new LinkedHashSet<>(split(eventTypes)), partitions);
    }

    public boolean allTypes() {
        return eventTypes.isEmpty();
    }

    /** Whether the event's source and type are wanted (whatever its partition). */
    public boolean wants(JournalEvent event) {
        return sources.contains(event.source()) && (allTypes() || eventTypes.contains(event.eventType()));
    }

    static List<String> split(String list) {
        List<String> out = new ArrayList<>();
        if (list != null) {
            for (String item : list.split(",")) {
                if (!item.isBlank()) {
                    out.add(item.trim());
                }
            }
        }
        return out;
    }
}
