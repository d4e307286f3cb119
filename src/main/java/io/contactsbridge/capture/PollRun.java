package io.contactsbridge.capture;

import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;

import io.contactsbridge.journal.AppendResult;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.outbound.UpstreamApiException;
import org.apache.camel.RuntimeCamelException;
import org.slf4j.Logger;

/** The counters of one poll while it runs, and its journal appends. Not thread-safe: one per poll. */
final class PollRun {

    final String source;
    final String connectionId;
    final String kind;
    private final JournalStore journal;
    private final CaptureMetrics metrics;
    private final Clock clock;
    int requests;
    int pages;
    int contacts;
    int duplicates;
    private final Map<String, Integer> appended = new TreeMap<>();

    PollRun(String source, String connectionId, String kind, JournalStore journal, CaptureMetrics metrics, Clock clock) {
        this.source = source;
        this.connectionId = connectionId;
        this.kind = kind;
        this.journal = journal;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Counts one API request (in the metrics at once, so a long scan's rate shows while it runs). */
    void request() {
        requests++;
        metrics.request(source, kind);
    }

    /** Appends one event; false when the journal already had it (the same version seen again). */
    boolean append(String eventType, String eventId, String contactKey, String payloadJson) {
        boolean stored = journal.append(source, eventType, eventId, contactKey, payloadJson, connectionId) == AppendResult.APPENDED;
        metrics.event(source, eventType, stored);
        if (stored) {
            appended.merge(eventType, 1, Integer::sum);
        } else {
            duplicates++;
        }
        return stored;
    }

    int eventsAppended() {
        return appended.values().stream().mapToInt(Integer::intValue).sum();
    }

    PollOutcome outcome(PollOutcome.Status status, String error) {
        return new PollOutcome(source, connectionId, kind, status, requests, pages, contacts, appended, duplicates, error,
                clock.instant());
    }

    /** A failure as the status and logs show it: what failed and why, without stack or wrappers. */
    static String describe(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c
                && (c.getClass() == RuntimeCamelException.class || c.getMessage() == null)) {
            c = c.getCause();
        }
        String message = c.getMessage();
        if (c instanceof UpstreamApiException || c instanceof IllegalStateException) {
            return String.valueOf(message);
        }
        return c.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    /** The outcome's error of a poll (PARTIAL) that the application's shutdown ended early. */
    static final String STOPPED_FOR_SHUTDOWN = "stopped for the shutdown; the next poll continues from the stored progress";

    /**
     * Logs a finished poll without repeating itself every interval: a failure when it is new (or different from
     * the last one), the recovery after failures, and polls that found something.
     */
    static final class Reporter {
        private final Logger log;
        private String lastError;

        Reporter(Logger log) {
            this.log = log;
        }

        synchronized void report(PollOutcome o) {
            String what = o.source() + " " + o.kind() + " of connection " + o.connectionId();
            if (STOPPED_FOR_SHUTDOWN.equals(o.error())) {
                log.info("{} {}", what, o.error());
                return;
            }
            if (o.status() == PollOutcome.Status.FAILED) {
                if (!o.error().equals(lastError)) {
                    log.warn("{} failed: {} (logged again only if the error changes; see /api/status capture.{})", what,
                            o.error(), o.source());
                } else {
                    log.debug("{} failed again: {}", what, o.error());
                }
                lastError = o.error();
                return;
            }
            if (lastError != null && o.status() != PollOutcome.Status.SKIPPED) {
                log.info("{} works again", what);
                lastError = null;
            }
            if (o.eventsAppended() > 0) {
                log.info("{}: {} in {} requests", what, o.appended(), o.requests());
            } else {
                log.debug("{}: {}, nothing new in {} requests{}", what, o.status().label(), o.requests(),
                        o.error() == null ? "" : " (" + o.error() + ")");
            }
        }
    }
}
