package io.contactsbridge.journal;

import java.time.Duration;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;

import io.contactsbridge.ops.ShutdownSignal;
import io.contactsbridge.ops.ShuttingDownException;
import org.apache.camel.CamelExchangeException;
import org.apache.camel.RuntimeCamelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leased partition's batch while it is delivered, one event at a time: after each event exactly one of
 * {@link #commit} (the route succeeded) or {@link #fail} (it did not; the batch ends), then {@link #finish} once.
 * <ul>
 *   <li>{@link #commit} advances the partition's position past the event.</li>
 *   <li>{@link #fail}: the partition stays at the failed event, blocked for a growing back-off, then the event is
 *       delivered again: nothing is skipped. A {@link RetryWithin} failure holds the event instead, for the time it
 *       names, without growing the back-off. A failure the stopping application caused ({@link ShutdownSignal},
 *       {@link ShuttingDownException}) is not recorded: the event is delivered again after the restart. A lost
 *       lease ends the batch; the new owner delivers the event.</li>
 *   <li>{@link #finish} moves the position over the events this consumer does not want when the whole batch
 *       succeeded, and releases the lease.</li>
 * </ul>
 */
public final class LeasedBatch {

    private static final Logger LOG = LoggerFactory.getLogger(LeasedBatch.class);

    /** What {@link #fail} did with the failed event. */
    public enum Outcome {
        /** Recorded as a failure: retried after the back-off. */
        RETRY_AFTER_BACK_OFF,
        /** Held for the time a {@link RetryWithin} failure named. */
        HELD,
        /** Not recorded: the application stops, the event is delivered after the restart. */
        STOPPED,
        /** The lease belongs to another replica now, which delivers the event. */
        LEASE_LOST,
        /** The failure could not be stored; the lease expires and the event is delivered again. */
        NOT_RECORDED
    }

    private final JournalStore store;
    private final JournalProperties props;
    private final ShutdownSignal shutdown;
    private final String consumerId;
    private final JournalBatch batch;
    private JournalLease lease;
    private int committed;
    private boolean failed;
    /** The lease is no longer this batch's to use or release: lost, released, or released by a recorded failure. */
    private boolean leaseGone;
    private boolean finished;

    LeasedBatch(JournalStore store, JournalProperties props, ShutdownSignal shutdown, String consumerId,
                JournalLease lease, JournalBatch batch) {
        this.store = store;
        this.props = props;
        this.shutdown = shutdown;
        this.consumerId = consumerId;
        this.lease = Objects.requireNonNull(lease);
        this.batch = batch;
    }

    public int partition() {
        return lease.partition();
    }

    /** The events to deliver, in order; ends early when the application stops (the rest stay uncommitted). */
    public Iterator<JournalEvent> events() {
        Iterator<JournalEvent> events = batch.events().iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !failed && !leaseGone && !shutdown.isStopping() && events.hasNext();
            }

            @Override
            public JournalEvent next() {
                return events.next();
            }
        };
    }

    /**
     * The event was processed: its partition's position moves past it.
     *
     * @throws LeaseLostException when another replica took the partition over (it delivers the event again)
     */
    public void commit(JournalEvent event) {
        try {
            lease = store.commit(lease, event.seq(), props.leaseDuration());
            committed++;
        } catch (LeaseLostException e) {
            leaseGone = true;
            throw e;
        }
    }

    /** The event's route failed with {@code failure}; see the class comment. Ends the batch. Never throws. */
    public Outcome fail(JournalEvent event, Throwable failure) {
        failed = true;
        Throwable cause = cause(failure);
        if (shutdown.isStopping() || cause instanceof ShuttingDownException) {
            // Not the event's fault: no failure recorded, no back-off. It is delivered again after the restart.
            releaseQuietly();
            leaseGone = true;
            LOG.info("Journal consumer '{}' stops for the shutdown at event seq {} ({}); partition {} continues there "
                    + "after the restart", consumerId, event.seq(), describe(cause), lease.partition());
            return Outcome.STOPPED;
        }
        if (findLeaseLost(failure) != null) {
            LOG.info("Journal consumer '{}' stops partition {}: its lease was taken over by another replica",
                    consumerId, lease.partition());
            leaseGone = true;
            return Outcome.LEASE_LOST;
        }
        try {
            Optional<Duration> hold = retryWithin(cause);
            if (hold.isPresent()) {
                JournalStore.Failure recorded = store.recordHold(lease, event.seq(), describe(cause),
                        min(hold.get(), props.retryMaxDelay()));
                leaseGone = true;
                LOG.info("Journal consumer '{}' holds event seq {} ({} {}, contact {}): {}. Partition {} stays at this event;"
                                + " next attempt after {}", consumerId, event.seq(), event.source(), event.eventType(),
                        event.contactKey(), describe(cause), lease.partition(), recorded.retryAfter());
                return Outcome.HELD;
            }
            JournalStore.Failure recorded = store.recordFailure(lease, event.seq(), describe(cause),
                    props.retryInitialDelay(), props.retryMaxDelay());
            leaseGone = true;
            String line = "Journal consumer '{}' could not process event seq {} ({} {} {}, contact {}): {}. Partition {} "
                    + "stays at this event; attempt {} failed, next attempt after {}";
            Object[] args = {consumerId, event.seq(), event.source(), event.eventType(), event.eventId(),
                event.contactKey(), describe(cause), lease.partition(), recorded.failures(), recorded.retryAfter()};
            if (isBridgeError(cause)) {
                LOG.warn(line, args);
            } else {
                // Not one of the bridge's own errors, whose messages say what went wrong: keep the stack trace.
                LOG.warn(line, append(args, cause));
            }
            return Outcome.RETRY_AFTER_BACK_OFF;
        } catch (LeaseLostException e) {
            leaseGone = true;
            LOG.info("Journal consumer '{}': event seq {} failed and the lease was already lost; the new owner retries it",
                    consumerId, event.seq());
            return Outcome.LEASE_LOST;
        } catch (RuntimeException e) {
            LOG.warn("Journal consumer '{}' could not record the failure of event seq {} ({}); its lease expires after {}",
                    consumerId, event.seq(), e.toString(), props.leaseDuration());
            return Outcome.NOT_RECORDED;
        }
    }

    /** Ends the batch: skips past unwanted events when every event was committed, and releases the lease. */
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (leaseGone) {
            return;
        }
        try {
            boolean complete = !failed && committed == batch.events().size();
            if (complete && batch.scannedThrough() > batch.position()) {
                lease = store.commit(lease, batch.scannedThrough(), props.leaseDuration());
            }
        } catch (LeaseLostException e) {
            LOG.debug("Journal consumer '{}' lost partition {} at the end of a batch", consumerId, lease.partition());
        } finally {
            releaseQuietly();
        }
    }

    private void releaseQuietly() {
        try {
            store.release(lease);
        } catch (RuntimeException e) {
            LOG.info("Journal consumer '{}': the lease of partition {} expires by itself ({})", consumerId,
                    lease.partition(), e.toString());
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** When a {@link RetryWithin} failure (anywhere in the cause chain) says the event can be tried again; else empty. */
    static Optional<Duration> retryWithin(Throwable failure) {
        for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof RetryWithin hint && hint.retryWithin() != null) {
                return Optional.of(hint.retryWithin());
            }
        }
        return Optional.empty();
    }

    /** As {@link #retryWithin}, for consumers that record holds themselves (pair lanes). */
    public static Optional<Duration> holdOf(Throwable failure) {
        return retryWithin(failure);
    }

    /** Whether the failure is the stopping application's, not the event's: nothing is recorded for it. */
    public static boolean stopping(Throwable cause) {
        return cause instanceof ShuttingDownException;
    }

    /** The back-off after {@code failures} failures in a row: {@code initialDelay} doubled per failure, at most {@code maxDelay}. */
    public static Duration backoff(int failures, Duration initialDelay, Duration maxDelay) {
        return JournalStore.backoff(failures, initialDelay, maxDelay);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Strips Camel's wrappers (split, bean invocation) to the exception that says what went wrong. */
    public static Throwable cause(Throwable t) {
        Throwable current = t;
        while (current != null && current.getCause() != null && current.getCause() != current
                && (current instanceof CamelExchangeException || current.getClass() == RuntimeCamelException.class)) {
            current = current.getCause();
        }
        return current;
    }

    /** The bridge's own exceptions carry messages written for people; anything else may be a bug. */
    static boolean isBridgeError(Throwable t) {
        return t != null && t.getClass().getName().startsWith("io.contactsbridge.");
    }

    private static Object[] append(Object[] args, Object last) {
        Object[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = last;
        return all;
    }

    private static LeaseLostException findLeaseLost(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof LeaseLostException lost) {
                return lost;
            }
        }
        return null;
    }

    /** The failure as one line for logs and the status: simple class name and message. */
    public static String describe(Throwable t) {
        if (t == null) {
            return "unknown failure";
        }
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }
}
