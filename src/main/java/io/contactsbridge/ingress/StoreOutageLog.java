package io.contactsbridge.ingress;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import io.contactsbridge.ops.LogSafe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the webhook endpoints log while the journal cannot be written: the first refused event in a WARN line,
 * then a count every {@link #REPEAT} instead of a line per webhook (a busy location sends many a second), and one
 * INFO line when events are stored again. Each refused webhook was answered 429, which its sender retries.
 */
class StoreOutageLog {

    private static final Logger LOG = LoggerFactory.getLogger(IngressJournal.class);
    static final Duration REPEAT = Duration.ofSeconds(30);

    private final Clock clock;
    private long refused;
    private long refusedSinceLine;
    private Instant nextLine;
    /** When the current outage began; null while events are stored. */
    private volatile Instant since;

    StoreOutageLog(Clock clock) {
        this.clock = clock;
    }

    synchronized void failed(String source, String eventId, String eventType, Throwable cause) {
        Instant now = clock.instant();
        refused++;
        refusedSinceLine++;
        if (since == null) {
            since = now;
            nextLine = now.plus(REPEAT);
            refusedSinceLine = 0;
            LOG.warn("Could not store {} event {} ({}), answered 429 (the sender retries it): {}. Further refusals are "
                    + "counted every {} s until the store takes events again", source, LogSafe.of(eventId, 120),
                    LogSafe.of(eventType, 60), LogSafe.of(cause, 300), REPEAT.toSeconds());
        } else if (!now.isBefore(nextLine)) {
            nextLine = now.plus(REPEAT);
            LOG.warn("The journal still cannot be written: {} more webhook(s) answered 429 ({} since {}); last: {}",
                    refusedSinceLine, refused, since, LogSafe.of(cause, 300));
            refusedSinceLine = 0;
        }
    }

    /** A webhook answered 429 at once, the store having failed a moment ago. */
    synchronized void held(String source) {
        refused++;
        refusedSinceLine++;
    }

    /** Cheap on the common path: the lock is taken only after an outage. */
    void stored() {
        if (since == null) {
            return;
        }
        synchronized (this) {
            if (since != null) {
                LOG.info("The journal takes events again: {} webhook(s) were answered 429 since {} (their senders retry them)",
                        refused, since);
                since = null;
                refused = 0;
                refusedSinceLine = 0;
            }
        }
    }
}
