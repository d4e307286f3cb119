package io.contactsbridge.ingress;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import io.contactsbridge.journal.AppendResult;
import io.contactsbridge.journal.JournalProperties;
import io.contactsbridge.journal.JournalSignal;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.store.FailFastStore;
import io.contactsbridge.store.StoreProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;

/**
 * The last step of every ingress endpoint: refuse with 429 while consumers are too far behind,
 * otherwise append the verified event to the journal before the caller gets its answer. A store
 * failure also answers 429, because HighLevel retries only on 429, and at once: the journal is
 * reached through the {@link FailFastStore} (short connection and statement timeouts, a pool of its
 * own), so a store that is down answers within a second instead of after the main pool's 30 s, which
 * outlast HighLevel's timeout (a webhook that times out is never retried). After such a failure, the
 * webhooks of the next {@code bridge.store.fail-fast.hold-after-failure} are answered 429 at once,
 * without waiting for a connection again; then one request tries the store while the others still
 * answer at once: during an outage only one request per hold waits for a connection.
 */
@Component
class IngressJournal {

    private final JournalStore journal;
    private final OverloadGuard overload;
    private final StoreOutageLog outageLog;
    private final long holdNanos;
    /** System.nanoTime() until which the store counts as down (after a failure); 0 when it is not. */
    private volatile long heldUntil;
    /** Whether a request is trying the store after a hold ran out. */
    private final AtomicBoolean probing = new AtomicBoolean();

    @Autowired
    IngressJournal(FailFastStore store, StoreProperties storeProps, Clock clock, JournalSignal signal,
                   IngressProperties inbound, JournalProperties journalProps) {
        this(failFastJournal(store, storeProps, clock, signal), storeProps.failFast().holdAfterFailure(),
                inbound, journalProps, clock);
    }

    /**
     * The journal over the fail-fast pool, its group-commit writer answering a caller whose event is not stored
     * within {@code bridge.store.fail-fast.append-wait} (so a store that hangs still answers 429 within a second:
     * the query timeout, at least a whole second, plus the answer's own time would not).
     */
    private static JournalStore failFastJournal(FailFastStore store, StoreProperties storeProps, Clock clock,
                                                JournalSignal signal) {
        JournalStore journal = new JournalStore(store.jdbc(), store.transactions(), clock, signal);
        journal.appendTimeout(storeProps.failFast().appendWait());
        return journal;
    }

    /** Over a given journal (tests). */
    IngressJournal(JournalStore journal, Duration holdAfterFailure, IngressProperties inbound,
                   JournalProperties journalProps, Clock clock) {
        this.journal = journal;
        this.overload = new OverloadGuard(journal, inbound, journalProps, clock);
        this.outageLog = new StoreOutageLog(clock);
        this.holdNanos = holdAfterFailure.toNanos();
    }

    /**
     * @param stored    the answer's message when the event was new
     * @param duplicate the answer's message when the event id was already journaled
     */
    IngressAnswer append(String source, String eventType, String eventId, String contactKey, byte[] body,
                         String stored, String duplicate) {
        return append(source, eventType, eventId, contactKey, body, null, stored, duplicate);
    }

    /** @param connectionId the connection the event came from, when the sender said (null: the journal cannot tell) */
    IngressAnswer append(String source, String eventType, String eventId, String contactKey, byte[] body,
                         String connectionId, String stored, String duplicate) {
        AppendResult result;
        long held = heldUntil;
        // While held, and while the one request let through after the hold tries the store, the rest answer at once.
        if (held != 0 && (System.nanoTime() - held < 0 || !probing.compareAndSet(false, true))) {
            outageLog.held(source);
            return unavailable();
        }
        try {
            var backlog = overload.overloaded(source);
            if (backlog.isPresent()) {
                return IngressAnswer.retryLater("overloaded", "The bridge is more than " + overload.limit() + " events "
                        + "behind (consumer '" + backlog.get().consumerId() + "'); retry later.", 60);
            }
            result = journal.append(source, eventType, eventId, contactKey, new String(body, StandardCharsets.UTF_8),
                    connectionId);
        } catch (IllegalArgumentException e) {
            return IngressAnswer.refuse(400, "invalid_event", e.getMessage() + ".");
        } catch (DataAccessException | TransactionException e) {
            // TransactionException: no connection to begin the append's transaction with (the store is down).
            Throwable cause = e instanceof DataAccessException d ? d.getMostSpecificCause() : e.getMostSpecificCause();
            outageLog.failed(source, eventId, eventType, cause);
            if (holdNanos > 0 && storeUnreachable(e)) {
                heldUntil = System.nanoTime() + holdNanos;
            }
            return unavailable();
        } finally {
            if (held != 0) {
                probing.set(false);
            }
        }
        heldUntil = 0;
        outageLog.stored();
        return result == AppendResult.APPENDED ? IngressAnswer.ok("stored", stored) : IngressAnswer.ok("duplicate", duplicate);
    }

    /** The store itself failed (no connection, terminated, timed out), not this event. */
    static boolean storeUnreachable(RuntimeException e) {
        return e instanceof TransactionException || e instanceof DataAccessResourceFailureException
                || e instanceof TransientDataAccessException || e instanceof RecoverableDataAccessException;
    }

    private static IngressAnswer unavailable() {
        return IngressAnswer.retryLater("journal_unavailable", "The event could not be stored right now; retry later.", 30);
    }
}
