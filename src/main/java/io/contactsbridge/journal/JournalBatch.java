package io.contactsbridge.journal;

import java.util.List;

/**
 * Events read for one consumer partition, in seq order.
 *
 * @param events         the matching events after the consumer's position, at most the number asked for
 * @param position       the partition's position when it was read
 * @param scannedThrough every matching event with seq up to this one is in {@code events}: once they are
 *                       all processed the position may advance to it, skipping events of other types,
 *                       sources and partitions for good
 */
public record JournalBatch(List<JournalEvent> events, long position, long scannedThrough) {

    public JournalBatch {
        events = List.copyOf(events);
    }

    public boolean isEmpty() {
        return events.isEmpty();
    }
}
