package io.contactsbridge.journal.camel;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.contactsbridge.journal.JournalEvent;
import io.contactsbridge.journal.JournalGroups;
import io.contactsbridge.journal.JournalParking;
import io.contactsbridge.journal.JournalProperties;
import io.contactsbridge.journal.LeasedBatch;
import io.contactsbridge.ops.ShutdownSignal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer's lanes per group (connection pair), used when {@link JournalGroups} keeps groups apart: an event is
 * delivered on a worker and the consumer waits at most {@code bridge.journal.pair-inline-limit} for it. An event that
 * failed, or is still running then, is parked with its group ({@link JournalParking}) and the partition goes on; the
 * group's later events are parked behind it. Parked events are retried here per group, in order, after the group's
 * back-off, at most {@code bridge.journal.pair-retry-threads} groups at once, each by the replica holding its lease.
 */
final class JournalLanes {

    private static final Logger LOG = LoggerFactory.getLogger(JournalLanes.class);
    private static final int PENDING = 0;
    private static final int DONE = 1;
    private static final int DETACHED = 2;

    private final JournalParking parking;
    private final JournalGroups groups;
    private final JournalProperties props;
    private final ShutdownSignal shutdown;
    private final String consumerId;
    private final String owner;
    /** Runs one event through the route; the failure, or null when it succeeded. */
    private final Function<JournalEvent, Throwable> route;
    private final ExecutorService workers;
    private final Semaphore retrySlots;
    /** Groups with a parked event running here (detached, or being retried): their leases are renewed by the loop. */
    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    private volatile boolean running = true;
    private long nextRetryCheck;

    JournalLanes(JournalParking parking, JournalGroups groups, JournalProperties props, ShutdownSignal shutdown,
                 String consumerId, String owner, Function<JournalEvent, Throwable> route, ExecutorService workers) {
        this.parking = parking;
        this.groups = groups;
        this.props = props;
        this.shutdown = shutdown;
        this.consumerId = consumerId;
        this.owner = owner;
        this.route = route;
        this.workers = workers;
        this.retrySlots = new Semaphore(props.pairRetryThreads());
    }

    /** The event's group, or null when it goes the usual way (no groups kept apart now). */
    String groupOf(JournalEvent event) {
        String group = groups.groupOf(event.connectionId());
        return group == null || group.isBlank() ? null : group;
    }

    /** The groups with parked events now, for one batch (it adds those it parks). */
    Set<String> parkedGroups() {
        return new HashSet<>(parking.groups(consumerId));
    }

    /** What became of an event handed to {@link #deliver}. */
    enum Outcome {
        /** Processed: commit it. */
        DONE,
        /** Parked with its group (failed, or still running): commit it, the group's lane has it. */
        PARKED,
        /** Failed in a way parking does not help (the application stops, the store failed): the usual failure path. */
        FAILED
    }

    record Delivered(Outcome outcome, Throwable failure) {
    }

    /** Parks an event behind its group's parked events. */
    void parkBehind(JournalEvent event, String group) {
        parking.park(consumerId, event, group);
    }

    /** Delivers an event of a group that has nothing parked, waiting at most the inline limit for it. */
    Delivered deliver(JournalEvent event, String group) throws InterruptedException {
        Delivery delivery = new Delivery(event, group);
        workers.execute(delivery);
        if (!delivery.finished.await(props.pairInlineLimit().toMillis(), TimeUnit.MILLISECONDS)) {
            try {
                parking.parkInFlight(consumerId, event, group, owner, props.leaseDuration());
            } catch (RuntimeException e) {
                // The store cannot park it now: wait for it as if there were no lanes.
                LOG.warn("Journal consumer '{}' could not park slow event seq {} of pair {} ({}); waiting for it",
                        consumerId, event.seq(), group, e.toString());
                delivery.finished.await();
                return inline(delivery);
            }
            busy.add(group);
            if (delivery.state.compareAndSet(PENDING, DETACHED)) {
                LOG.info("Journal consumer '{}': event seq {} ({} {}, contact {}) of pair {} is still running after {}; "
                                + "it goes on aside, and the pair's later events wait behind it while the others go on",
                        consumerId, event.seq(), event.source(), event.eventType(), event.contactKey(), group,
                        props.pairInlineLimit());
            } else {
                settleParked(delivery);
            }
            return new Delivered(Outcome.PARKED, null);
        }
        return inline(delivery);
    }

    private Delivered inline(Delivery delivery) {
        Throwable failure = delivery.failure;
        if (failure == null) {
            return new Delivered(Outcome.DONE, null);
        }
        if (stoppedBy(failure)) {
            return new Delivered(Outcome.FAILED, failure);
        }
        try {
            parking.park(consumerId, delivery.event, delivery.group);
            recordFailure(delivery.event, delivery.group, failure);
            return new Delivered(Outcome.PARKED, failure);
        } catch (RuntimeException e) {
            LOG.warn("Journal consumer '{}' could not park failed event seq {} of pair {} ({})", consumerId,
                    delivery.event.seq(), delivery.group, e.toString());
            return new Delivered(Outcome.FAILED, failure);
        }
    }

    /** A detached delivery ended: its parked copy is removed, or its failure starts the group's back-off. */
    private void settleParked(Delivery delivery) {
        try {
            if (delivery.failure == null) {
                parking.unpark(consumerId, delivery.event.seq());
            } else if (!stoppedBy(delivery.failure)) {
                recordFailure(delivery.event, delivery.group, delivery.failure);
            }
            parking.release(consumerId, delivery.group, owner);
        } catch (RuntimeException e) {
            LOG.warn("Journal consumer '{}' could not settle parked event seq {} of pair {} ({}); it is retried after "
                    + "the lease runs out", consumerId, delivery.event.seq(), delivery.group, e.toString());
        } finally {
            busy.remove(delivery.group);
        }
    }

    private void recordFailure(JournalEvent event, String group, Throwable failure) {
        Throwable cause = LeasedBatch.cause(failure);
        Duration hold = LeasedBatch.holdOf(cause).map(h -> h.compareTo(props.retryMaxDelay()) > 0 ? props.retryMaxDelay() : h)
                .orElse(null);
        JournalParking.GroupFailure recorded = parking.failed(consumerId, group, owner, LeasedBatch.describe(cause),
                hold == null, failures -> hold != null ? hold
                        : LeasedBatch.backoff(failures, props.retryInitialDelay(), props.retryMaxDelay()));
        LOG.warn("Journal consumer '{}' parks pair {}'s events: event seq {} ({} {}, contact {}) failed: {}. The other "
                        + "pairs go on; this pair's events are retried in order after {} (failure {} in a row)",
                consumerId, group, event.seq(), event.source(), event.eventType(), event.contactKey(),
                LeasedBatch.describe(cause), recorded.retryAfter(), recorded.failures());
    }

    /**
     * Renews the leases of the groups running here and starts retrying the groups that are due (at most every poll
     * interval, and at once after {@link #retrySoon}). Called from the consumer's loop.
     */
    void tend(long pollIntervalMs) {
        if (!running) {
            return;
        }
        long now = System.nanoTime();
        if (now - nextRetryCheck < 0) {
            return;
        }
        // Pairs not kept apart now (one pair): events parked before are still retried, but looked for less often.
        boolean isolating = groups.groupOf(null) != null;
        nextRetryCheck = now + TimeUnit.MILLISECONDS.toNanos(isolating ? Math.min(pollIntervalMs, 1000) : 10_000);
        try {
            parking.renew(consumerId, busy, owner, props.leaseDuration());
            for (String group : parking.due(consumerId)) {
                if (busy.contains(group) || !retrySlots.tryAcquire()) {
                    continue;
                }
                if (!parking.claim(consumerId, group, owner, props.leaseDuration()) || !busy.add(group)) {
                    retrySlots.release();
                    continue;
                }
                try {
                    workers.execute(() -> retry(group));
                } catch (RuntimeException e) {
                    busy.remove(group);
                    retrySlots.release();
                    throw e;
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("Journal consumer '{}' could not look at its parked pairs now ({})", consumerId, e.toString());
        }
    }

    /** The next {@link #tend} looks for due groups whatever the time. */
    void retrySoon() {
        nextRetryCheck = System.nanoTime();
    }

    /** Retries a group's parked events in order until one fails, none is left, or the consumer stops. */
    private void retry(String group) {
        try {
            while (running && !shutdown.isStopping()) {
                JournalEvent next = parking.first(consumerId, group).orElse(null);
                if (next == null) {
                    LOG.info("Journal consumer '{}': pair {}'s parked events are all processed; its events go the "
                            + "usual way again", consumerId, group);
                    break;
                }
                Throwable failure = route.apply(next);
                if (failure != null) {
                    if (stoppedBy(failure)) {
                        parking.release(consumerId, group, owner); // the next start (or replica) goes on at once
                    } else {
                        recordFailure(next, group, failure);
                    }
                    return;
                }
                parking.unpark(consumerId, next.seq());
                if (parking.renew(consumerId, Set.of(group), owner, props.leaseDuration()) == 0) {
                    LOG.info("Journal consumer '{}' lost the lease of pair {}'s parked events; another replica goes on",
                            consumerId, group);
                    return;
                }
            }
            parking.release(consumerId, group, owner);
        } catch (RuntimeException e) {
            LOG.warn("Journal consumer '{}' stopped retrying pair {}'s parked events ({}); its lease runs out and they "
                    + "are retried then", consumerId, group, e.toString());
        } finally {
            busy.remove(group);
            retrySlots.release();
        }
    }

    /** No new retries; those running end after the event in hand. */
    void stop() {
        running = false;
    }

    private boolean stoppedBy(Throwable failure) {
        return shutdown.isStopping() || LeasedBatch.stopping(LeasedBatch.cause(failure));
    }

    /** One event run on a worker while the consumer waits for it, up to the inline limit. */
    private final class Delivery implements Runnable {
        final JournalEvent event;
        final String group;
        final CountDownLatch finished = new CountDownLatch(1);
        final AtomicInteger state = new AtomicInteger(PENDING);
        volatile Throwable failure;

        Delivery(JournalEvent event, String group) {
            this.event = event;
            this.group = group;
        }

        @Override
        public void run() {
            try {
                failure = route.apply(event);
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                finished.countDown();
            }
            if (!state.compareAndSet(PENDING, DONE)) {
                // The consumer went on without it: it is parked (and leased) already.
                settleParked(this);
            }
        }
    }
}
