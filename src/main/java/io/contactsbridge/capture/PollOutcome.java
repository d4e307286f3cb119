package io.contactsbridge.capture;

import java.time.Instant;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one poll did; the pollers' methods return it (it becomes the body of the poll routes' exchange) and the
 * store keeps the last one per poller.
 *
 * @param kind       {@code poll} (HighLevel), {@code quick}, {@code rolling} or {@code full} (BirdSend)
 * @param requests   API requests made
 * @param pages      list or search pages read
 * @param contacts   contacts read (a contact read twice counts twice)
 * @param appended   events appended to the journal, by type
 * @param duplicates events the journal already had (the same version seen again, e.g. in the overlap window)
 * @param error      why it failed or was skipped, else null
 */
public record PollOutcome(String source, String connectionId, String kind, Status status, int requests, int pages,
                          int contacts, Map<String, Integer> appended, int duplicates, String error, Instant finishedAt) {

    public enum Status {
        /** Read everything there was to read. */
        OK,
        /** Stopped at its page cap; the next poll continues. */
        PARTIAL,
        /** Another scan or replica held the poller, or there was nothing to do yet. */
        SKIPPED,
        FAILED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public PollOutcome {
        appended = Collections.unmodifiableMap(new TreeMap<>(appended));
    }

    public int eventsAppended() {
        return appended.values().stream().mapToInt(Integer::intValue).sum();
    }

    public int appended(String eventType) {
        return appended.getOrDefault(eventType, 0);
    }
}
