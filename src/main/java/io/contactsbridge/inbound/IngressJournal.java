package io.contactsbridge.inbound;

import java.nio.charset.StandardCharsets;

import io.contactsbridge.journal.AppendResult;
import io.contactsbridge.journal.JournalStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * The last step of every ingress endpoint: refuse with 429 while consumers are too far behind,
 * otherwise append the verified event to the journal before the caller gets its answer. A store
 * failure also answers 429, because HighLevel retries only on 429.
 */
@Component
class IngressJournal {

    private static final Logger LOG = LoggerFactory.getLogger(IngressJournal.class);

    private final JournalStore journal;
    private final OverloadGuard overload;

    IngressJournal(JournalStore journal, OverloadGuard overload) {
        this.journal = journal;
        this.overload = overload;
    }

    /**
     * @param stored    the answer's message when the event was new
     * @param duplicate the answer's message when the event id was already journaled
     */
    IngressAnswer append(String source, String eventType, String eventId, String contactKey, byte[] body,
                         String stored, String duplicate) {
        AppendResult result;
        try {
            var backlog = overload.overloaded(source);
            if (backlog.isPresent()) {
                return IngressAnswer.retryLater("overloaded", "The bridge is " + backlog.get().pending() + " events "
                        + "behind (consumer '" + backlog.get().consumerId() + "', limit " + overload.limit()
                        + "); retry later.", 60);
            }
            result = journal.append(source, eventType, eventId, contactKey, new String(body, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return IngressAnswer.refuse(400, "invalid_event", e.getMessage() + ".");
        } catch (DataAccessException e) {
            LOG.warn("Could not store {} event {} ({}): {}", source, eventId, eventType, e.getMostSpecificCause().toString());
            return IngressAnswer.retryLater("journal_unavailable", "The event could not be stored right now; retry later.", 30);
        }
        return result == AppendResult.APPENDED ? IngressAnswer.ok("stored", stored) : IngressAnswer.ok("duplicate", duplicate);
    }
}
