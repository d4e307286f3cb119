package io.contactsbridge.journal;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.ops.BridgeProperties;
import io.contactsbridge.ops.ShutdownSignal;
import io.contactsbridge.ops.ShuttingDownException;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExchangeException;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.apache.camel.Route;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.kamelet.KameletEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The durable journal consumer behind the trigger Kamelets ({@code highlevel-webhook-source},
 * {@code birdsend-notification-source}, and the poll triggers, which differ only in the sources they read).
 * A Kamelet's template wires it:
 * <pre>
 * timer (period 1 ms) → setHeader BridgeJournal* (consumer, sources, eventTypes, partitions, ...)
 *   → doTry: poll → split (streaming, sequential, stopOnException):
 *                      deliver('id') → kamelet:sink (the user's route) → commit('id')
 *     doCatch: fail('id')      doFinally: finish('id')
 * </pre>
 * <ul>
 *   <li>{@link #poll} registers the consumer, takes the lease of a partition that has work (round robin, so
 *       replicas share partitions) and sets the body to its batch of events. With nothing to do it first waits
 *       up to the poll interval for an append in this JVM, so webhooks reach their route at once.</li>
 *   <li>{@link #deliver} turns an event into the message the user's route sees: the payload as a Map and the
 *       headers {@value #EVENT_SOURCE}, {@value #EVENT_TYPE}, {@value #EVENT_ID}, {@value #EVENT_SEQ},
 *       {@value #CONTACT_KEY}.</li>
 *   <li>{@link #commit} advances the partition's position past the event, after the route succeeded.</li>
 *   <li>{@link #fail}: the route failed (or was not reached). The partition stays at the failed event,
 *       blocked for a growing back-off, then the event is delivered again: nothing is skipped. A
 *       {@link RetryWithin} failure holds the event instead, for the time it names, without growing the
 *       back-off. A route that wants to give up on an event must handle the failure itself (e.g. dead-letter
 *       it), which counts as success here.</li>
 *   <li>{@link #finish} commits the event in flight if the route handled its failure itself (Camel then skips
 *       {@link #commit}), moves the position over the events this consumer does not want and releases the lease.</li>
 * </ul>
 * When the application stops ({@link ShutdownSignal}), a poll neither waits nor takes a lease, the batch in hand
 * ends after the event in hand, and a failure that the stopping caused is not recorded as one: the partition
 * keeps its position and the events after it are delivered after the restart.
 * The user's route must process the message synchronously: once it returns, the event is committed.
 */
@Component("journalConsumer")
public class JournalConsumerBean {

    private static final Logger LOG = LoggerFactory.getLogger(JournalConsumerBean.class);

    /** Configuration headers a Kamelet sets on the timer exchange before {@link #poll}. */
    public static final String CONSUMER = "BridgeJournalConsumer";
    public static final String SOURCES = "BridgeJournalSources";
    public static final String EVENT_TYPES = "BridgeJournalEventTypes";
    public static final String PARTITIONS = "BridgeJournalPartitions";
    public static final String POLL_INTERVAL_MS = "BridgeJournalPollIntervalMs";
    public static final String START_FROM = "BridgeJournalStartFrom";

    /** Headers of each message delivered to the user's route. */
    public static final String EVENT_SOURCE = "BridgeEventSource";
    public static final String EVENT_TYPE = "BridgeEventType";
    public static final String EVENT_ID = "BridgeEventId";
    public static final String EVENT_SEQ = "BridgeEventSeq";
    public static final String CONTACT_KEY = "BridgeContactKey";

    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };

    private final JournalStore store;
    private final JournalSignal signal;
    private final JournalProperties props;
    private final ObjectMapper json;
    private final String owner;
    private final ShutdownSignal shutdown;
    private final ConcurrentMap<String, ConsumerRuntime> runtimes = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, PollProblem> pollProblems = new ConcurrentHashMap<>();

    @Autowired
    public JournalConsumerBean(JournalStore store, JournalSignal signal, JournalProperties props, ObjectMapper json,
                               BridgeProperties bridge, ShutdownSignal shutdown) {
        this(store, signal, props, json, bridge.instance() == null ? null : bridge.instance().id(), shutdown);
    }

    /** Outside Spring (tests): never stops. */
    public JournalConsumerBean(JournalStore store, JournalSignal signal, JournalProperties props, ObjectMapper json,
                               String instanceId) {
        this(store, signal, props, json, instanceId, ShutdownSignal.none());
    }

    /**
     * @param instanceId this replica's id; the lease owner is it plus a random suffix, so two processes (or
     *                   two beans) never mistake each other's leases for their own
     */
    public JournalConsumerBean(JournalStore store, JournalSignal signal, JournalProperties props, ObjectMapper json,
                               String instanceId, ShutdownSignal shutdown) {
        this.store = store;
        this.shutdown = shutdown;
        this.signal = signal;
        this.props = props;
        this.json = json;
        String instance = instanceId == null || instanceId.isBlank() ? "bridge" : instanceId;
        this.owner = instance + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The lease owner id of this bean: the instance id and a random suffix (status: consumingNow). */
    public String owner() {
        return owner;
    }

    // ---- the Kamelet steps ----------------------------------------------------------------------

    /** Sets the body to the next batch to deliver (an iterator of {@link JournalEvent}s, possibly empty). */
    public void poll(Exchange exchange) throws InterruptedException {
        Message in = exchange.getMessage();
        if (!deliveringRouteStarted(exchange)) {
            // The route that uses this trigger is stopped (autoStartup false, e.g. bridge.sync.enabled=false, or
            // stopped by an operator): Camel starts the Kamelet's own route regardless, and kamelet:sink would wait
            // 30 s for a consumer per event. Nothing is read, leased or registered until the route runs.
            in.setBody(Collections.emptyIterator());
            shutdown.sleep(Duration.ofMillis(Math.max(1, intHeader(in, POLL_INTERVAL_MS, 1000))));
            return;
        }
        JournalSubscription sub = JournalSubscription.of(in.getHeader(CONSUMER, String.class),
                in.getHeader(SOURCES, String.class), in.getHeader(EVENT_TYPES, String.class),
                intHeader(in, PARTITIONS, 1));
        JournalSources.requireKnownTypes(sub.sources(), sub.eventTypes());
        long pollInterval = Math.max(1, intHeader(in, POLL_INTERVAL_MS, 1000));
        StartFrom startFrom = StartFrom.parse(in.getHeader(START_FROM, String.class));
        in.setBody(nextBatch(sub, startFrom, pollInterval));
        pollProblems.remove(sub.consumerId());
    }

    /** Turns the split element (a {@link JournalEvent}) into the message the user's route receives. */
    public void deliver(String consumerId, Exchange exchange) throws InvalidPayloadException {
        ConsumerRuntime rt = runtime(consumerId);
        JournalEvent event = exchange.getMessage().getMandatoryBody(JournalEvent.class);
        rt.delivering(event);
        Map<String, Object> payload;
        try {
            payload = json.readValue(event.payload(), MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Journal event seq " + event.seq() + " (" + event.source() + " "
                    + event.eventType() + ") holds no JSON object: " + e.getOriginalMessage(), e);
        }
        Message out = exchange.getMessage();
        out.removeHeaders("*");
        out.setHeader(EVENT_SOURCE, event.source());
        out.setHeader(EVENT_TYPE, event.eventType());
        out.setHeader(EVENT_ID, event.eventId());
        out.setHeader(EVENT_SEQ, event.seq());
        out.setHeader(CONTACT_KEY, event.contactKey());
        out.setBody(payload);
    }

    /** The event just delivered was processed: its partition's position moves past it. */
    public void commit(String consumerId) {
        ConsumerRuntime rt = runtime(consumerId);
        ActiveBatch batch = rt.active();
        if (batch == null || batch.current == null) {
            throw new IllegalStateException("Journal consumer '" + consumerId + "' has no event in flight to commit");
        }
        batch.lease = store.commit(batch.lease, batch.current.seq(), props.leaseDuration());
        batch.committed++;
        batch.current = null;
    }

    /** The poll or the event in flight failed; see the class comment. Never throws. */
    public void fail(String consumerId, Exchange exchange) {
        ConsumerRuntime rt = runtimes.get(consumerId);
        Throwable failure = cause(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
        ActiveBatch batch = rt == null ? null : rt.active();
        if (batch == null) {
            pollFailure(consumerId, describe(failure));
            pauseAfterFailedPoll(exchange);
            return;
        }
        batch.failed = true;
        if (shutdown.isStopping() || failure instanceof ShuttingDownException) {
            // Not the event's fault: no failure recorded, no back-off. It is delivered again after the restart.
            JournalEvent event = batch.current;
            try {
                store.release(batch.lease);
            } catch (RuntimeException e) {
                LOG.info("Journal consumer '{}': the lease of partition {} expires by itself ({})", consumerId,
                        batch.lease.partition(), e.toString());
            }
            batch.leaseReleased = true;
            LOG.info("Journal consumer '{}' stops for the shutdown{}; partition {} continues there after the restart",
                    consumerId, event == null ? "" : " at event seq " + event.seq() + " (" + describe(failure) + ")",
                    batch.lease.partition());
            return;
        }
        if (findLeaseLost(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class)) != null) {
            LOG.info("Journal consumer '{}' stops partition {}: its lease was taken over by another replica",
                    consumerId, batch.lease.partition());
            batch.leaseLost = true;
            return;
        }
        JournalEvent event = batch.current;
        if (event == null) {
            LOG.warn("Journal consumer '{}' failed between events of partition {}: {}", consumerId,
                    batch.lease.partition(), describe(failure));
            return;
        }
        try {
            Optional<Duration> hold = retryWithin(failure);
            if (hold.isPresent()) {
                JournalStore.Failure recorded = store.recordHold(batch.lease, event.seq(), describe(failure),
                        min(hold.get(), props.retryMaxDelay()));
                batch.leaseReleased = true;
                LOG.info("Journal consumer '{}' holds event seq {} ({} {}, contact {}): {}. Partition {} stays at this event;"
                                + " next attempt after {}", consumerId, event.seq(), event.source(), event.eventType(),
                        event.contactKey(), describe(failure), batch.lease.partition(), recorded.retryAfter());
                return;
            }
            JournalStore.Failure recorded = store.recordFailure(batch.lease, event.seq(), describe(failure),
                    props.retryInitialDelay(), props.retryMaxDelay());
            batch.leaseReleased = true;
            String line = "Journal consumer '{}' could not process event seq {} ({} {} {}, contact {}): {}. Partition {} "
                    + "stays at this event; attempt {} failed, next attempt after {}";
            Object[] args = {consumerId, event.seq(), event.source(), event.eventType(), event.eventId(),
                event.contactKey(), describe(failure), batch.lease.partition(), recorded.failures(), recorded.retryAfter()};
            if (isBridgeError(failure)) {
                LOG.warn(line, args);
            } else {
                // Not one of the bridge's own errors, whose messages say what went wrong: keep the stack trace.
                LOG.warn(line, append(args, failure));
            }
        } catch (LeaseLostException e) {
            batch.leaseLost = true;
            LOG.info("Journal consumer '{}': event seq {} failed and the lease was already lost; the new owner retries it",
                    consumerId, event.seq());
        } catch (RuntimeException e) {
            LOG.warn("Journal consumer '{}' could not record the failure of event seq {} ({}); its lease expires after {}",
                    consumerId, event.seq(), e.toString(), props.leaseDuration());
        }
    }

    /** Ends the poll: skips past unwanted events when the whole batch succeeded, and releases the lease. */
    public void finish(String consumerId) {
        ConsumerRuntime rt = runtimes.get(consumerId);
        ActiveBatch batch = rt == null ? null : rt.takeActive();
        if (batch == null) {
            return;
        }
        if (batch.leaseLost || batch.leaseReleased) {
            return;
        }
        try {
            if (!batch.failed && batch.current != null) {
                // The route returned without an unhandled failure but the commit step was not reached: the route
                // handled a failure itself (a dead letter), and Camel stops the template's pipeline and split after a
                // handled failure. That counts as success: without this commit the event came straight back, and
                // every attempt stored one more dead letter of it, for ever.
                batch.lease = store.commit(batch.lease, batch.current.seq(), props.leaseDuration());
                batch.committed++;
                batch.current = null;
            }
            boolean complete = !batch.failed && batch.committed == batch.events.events().size();
            if (complete && batch.events.scannedThrough() > batch.events.position()) {
                batch.lease = store.commit(batch.lease, batch.events.scannedThrough(), props.leaseDuration());
            }
        } catch (LeaseLostException e) {
            return;
        } finally {
            store.release(batch.lease);
        }
    }

    // ---- polling --------------------------------------------------------------------------------

    Iterator<JournalEvent> nextBatch(JournalSubscription sub, StartFrom startFrom, long pollIntervalMs)
            throws InterruptedException {
        ConsumerRuntime rt = runtimes.computeIfAbsent(sub.consumerId(), ConsumerRuntime::new);
        ActiveBatch leftover = rt.takeActive();
        if (leftover != null) {
            // A previous poll ended without finish (it cannot in the Kamelets, but a hand-written route might).
            store.release(leftover.lease);
        }
        if (shutdown.isStopping()) {
            // Camel stops this route's timer in a moment; until then an idle poll neither spins nor takes a lease.
            Thread.sleep(Math.min(pollIntervalMs, 100));
            return Collections.emptyIterator();
        }
        rt.ensureRegistered(sub, startFrom);
        long seen = rt.idleSignalVersion;
        if (seen >= 0) {
            signal.awaitChange(seen, pollIntervalMs);
        }
        long versionBefore = signal.version();
        if (store.behind(sub.consumerId())) {
            for (int i = 0; i < sub.partitions(); i++) {
                int partition = (rt.nextPartition + i) % sub.partitions();
                JournalLease lease = store.claim(sub.consumerId(), partition, owner, props.leaseDuration()).orElse(null);
                if (lease == null) {
                    continue;
                }
                JournalBatch batch;
                try {
                    batch = store.read(sub, partition, props.batchSize());
                    if (batch.isEmpty()) {
                        if (batch.scannedThrough() > batch.position()) {
                            lease = store.commit(lease, batch.scannedThrough(), props.leaseDuration());
                        }
                        store.release(lease);
                        continue;
                    }
                } catch (RuntimeException e) {
                    store.release(lease);
                    throw e;
                }
                rt.nextPartition = partition + 1;
                rt.idleSignalVersion = -1;
                rt.activate(new ActiveBatch(lease, batch));
                return untilStopping(batch.events().iterator());
            }
        }
        rt.idleSignalVersion = versionBefore;
        return Collections.emptyIterator();
    }

    /**
     * Whether the route that consumes this Kamelet (its {@code from} is {@code kamelet:<template>/<this route>})
     * is started. True for a route that calls this bean without a Kamelet: its delivery is its own business.
     */
    static boolean deliveringRouteStarted(Exchange exchange) {
        String kameletRoute = exchange.getFromRouteId();
        CamelContext camel = exchange.getContext();
        if (kameletRoute == null) {
            return true;
        }
        for (Route route : camel.getRoutes()) {
            if (route.getEndpoint() instanceof KameletEndpoint kamelet && kameletRoute.equals(kamelet.getRouteId())) {
                ServiceStatus status = camel.getRouteController().getRouteStatus(route.getRouteId());
                return status != null && status.isStarted();
            }
        }
        return true;
    }

    /**
     * The batch's events, ending early when the application stops: the split then delivers no further event, and
     * {@link #finish} leaves the position after the last one committed.
     */
    private Iterator<JournalEvent> untilStopping(Iterator<JournalEvent> events) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !shutdown.isStopping() && events.hasNext();
            }

            @Override
            public JournalEvent next() {
                return events.next();
            }
        };
    }

    /**
     * A poll that failed before it had a batch (a setting is wrong, the store is unreachable). It is
     * retried every poll interval ({@link #pauseAfterFailedPoll}); the same problem is logged once a minute, not every time.
     */
    private void pollFailure(String consumerId, String problem) {
        long now = System.nanoTime();
        PollProblem last = pollProblems.get(consumerId);
        if (last == null || !last.problem().equals(problem) || now - last.loggedAtNanos() > 60_000_000_000L) {
            pollProblems.put(consumerId, new PollProblem(problem, now));
            LOG.warn("Journal consumer '{}' could not poll the journal (retrying every poll interval): {}", consumerId,
                    problem);
        }
    }

    /**
     * The Kamelet timer re-arms the poll at once (the consumer paces itself while idle), so a poll that
     * keeps failing (store down, bad setting) waits one poll interval here instead of spinning.
     */
    private void pauseAfterFailedPoll(Exchange exchange) {
        long pause;
        try {
            pause = Math.max(1, intHeader(exchange.getMessage(), POLL_INTERVAL_MS, 1000));
        } catch (IllegalArgumentException e) {
            pause = 1000;
        }
        try {
            shutdown.sleep(Duration.ofMillis(pause));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record PollProblem(String problem, long loggedAtNanos) {
    }

    private ConsumerRuntime runtime(String consumerId) {
        ConsumerRuntime rt = runtimes.get(consumerId);
        if (rt == null) {
            throw new IllegalStateException("Journal consumer '" + consumerId + "' has not polled in this JVM");
        }
        return rt;
    }

    /** The per-consumer state of this JVM: what is registered and the batch in flight. */
    private final class ConsumerRuntime {
        final String consumerId;
        JournalSubscription registered;
        Instant registeredAt;
        int nextPartition;
        /** The signal version seen when the last poll found nothing; -1 after a poll that found work. */
        volatile long idleSignalVersion = -1;
        private ActiveBatch active;

        ConsumerRuntime(String consumerId) {
            this.consumerId = consumerId;
        }

        /**
         * (Re-)registers when the subscription is new or changed, and every third of a lease as a
         * heartbeat (which also re-creates a consumer an operator deleted while its route kept running).
         */
        synchronized void ensureRegistered(JournalSubscription sub, StartFrom startFrom) {
            if (registered != null && !registered.sources().equals(sub.sources())) {
                throw new IllegalArgumentException("Journal consumer id '" + sub.consumerId() + "' is already used by a "
                        + "trigger reading " + String.join(",", registered.sources()) + "; give each trigger route its "
                        + "own consumer id");
            }
            Instant now = Instant.now();
            boolean due = registeredAt == null
                    || Duration.between(registeredAt, now).compareTo(props.leaseDuration().dividedBy(3)) >= 0;
            if (!sub.equals(registered) || due) {
                store.register(sub, startFrom);
                registered = sub;
                registeredAt = now;
            }
        }

        synchronized void activate(ActiveBatch batch) {
            active = batch;
        }

        synchronized ActiveBatch active() {
            return active;
        }

        synchronized ActiveBatch takeActive() {
            ActiveBatch batch = active;
            active = null;
            return batch;
        }

        synchronized void delivering(JournalEvent event) {
            if (active == null) {
                throw new IllegalStateException("Journal consumer '" + consumerId + "' delivers outside a poll");
            }
            active.current = event;
        }
    }

    /** A leased partition's batch while the split delivers it. */
    private static final class ActiveBatch {
        final JournalBatch events;
        JournalLease lease;
        JournalEvent current;
        int committed;
        boolean failed;
        boolean leaseLost;
        boolean leaseReleased;

        ActiveBatch(JournalLease lease, JournalBatch events) {
            this.lease = Objects.requireNonNull(lease);
            this.events = events;
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static int intHeader(Message in, String name, int fallback) {
        String value = in.getHeader(name, String.class);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name.replace("BridgeJournal", "") + " must be a whole number, got '"
                    + value + "'");
        }
    }

    /** When a {@link RetryWithin} failure (anywhere in the cause chain) says the event can be tried again; else empty. */
    static Optional<Duration> retryWithin(Throwable failure) {
        for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof RetryWithin hint && hint.retryWithin() != null) {
                return Optional.of(hint.retryWithin());
            }
        }
        return Optional.empty();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Strips Camel's wrappers (split, bean invocation) to the exception that says what went wrong. */
    static Throwable cause(Throwable t) {
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

    static String describe(Throwable t) {
        if (t == null) {
            return "unknown failure";
        }
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }
}
