package io.contactsbridge.journal.camel;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.contactsbridge.journal.JournalEvent;
import io.contactsbridge.journal.JournalHeaders;
import io.contactsbridge.journal.JournalReader;
import io.contactsbridge.journal.LeaseLostException;
import io.contactsbridge.journal.LeasedBatch;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.kamelet.KameletEndpoint;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the journal to its route on one thread of its own: lease a partition's batch ({@link JournalReader#poll}),
 * hand each event to the route and wait for it, then {@link LeasedBatch#commit} on success or
 * {@link LeasedBatch#fail} (which ends the batch) on an unhandled failure, and {@link LeasedBatch#finish}. A route
 * that handles a failure itself (e.g. stores a dead letter) succeeded: the event is committed. When the route stops
 * (or the application, {@link io.contactsbridge.ops.ShutdownSignal}) the batch ends after the event in hand;
 * nothing unfinished is committed.
 */
public class JournalConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(JournalConsumer.class);
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };
    /** A poll that keeps failing with the same problem is logged once per this, not every poll interval. */
    private static final long POLL_PROBLEM_LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private ExecutorService executor;
    private ExecutorService laneWorkers;
    private volatile Loop loop;

    public JournalConsumer(JournalEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
    }

    @Override
    public JournalEndpoint getEndpoint() {
        return (JournalEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        Loop previous = loop;
        if (previous != null) {
            // A restarted route: the previous loop ends after the event in hand; two would share the leases.
            previous.ended.await(previous.reader.pollIntervalMs() + 30_000, TimeUnit.MILLISECONDS);
        }
        JournalReader reader = getEndpoint().newReader();
        getEndpoint().getComponent().starting(this);
        JournalLanes lanes = null;
        JournalComponent component = getEndpoint().getComponent();
        if (component.groups() != null && component.parking() != null && getEndpoint().isIsolatePairs()) {
            laneWorkers = getEndpoint().getCamelContext().getExecutorServiceManager()
                    .newCachedThreadPool(this, "journal-" + getEndpoint().getConsumer() + "-pairs");
            lanes = new JournalLanes(component.parking(), component.groups(), component.props(), component.shutdownSignal(),
                    getEndpoint().getConsumer(), reader.owner(), this::runRoute, laneWorkers);
        }
        loop = new Loop(reader, lanes);
        executor = getEndpoint().getCamelContext().getExecutorServiceManager()
                .newSingleThreadExecutor(this, "journal-" + getEndpoint().getConsumer());
        executor.execute(loop);
    }

    @Override
    protected void doStop() throws Exception {
        Loop current = loop;
        if (current != null) {
            current.running = false;
            if (current.lanes != null) {
                current.lanes.stop();
            }
        }
        if (executor != null) {
            // Not shutdownNow: the event in hand finishes (Camel's graceful shutdown waits for it), uninterrupted.
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(executor);
            executor = null;
        }
        if (laneWorkers != null) {
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(laneWorkers);
            laneWorkers = null;
        }
        getEndpoint().getComponent().stopped(this);
        super.doStop();
    }

    /** One consumer's loop; a restart of the route runs a new one. */
    private final class Loop implements Runnable {
        final JournalReader reader;
        /** Null unless pairs are kept apart ({@link io.contactsbridge.journal.JournalGroups}). */
        final JournalLanes lanes;
        final CountDownLatch ended = new CountDownLatch(1);
        volatile boolean running = true;
        private String lastProblem;
        private long lastProblemLoggedAt;

        Loop(JournalReader reader, JournalLanes lanes) {
            this.reader = reader;
            this.lanes = lanes;
        }

        @Override
        public void run() {
            try {
                while (running && isRunAllowed()) {
                    try {
                        if (!deliveringRouteStarted()) {
                            // The route using this trigger is stopped (autoStartup false, e.g. bridge.sync.enabled=false,
                            // or stopped by an operator) while Camel runs the Kamelet's own route: kamelet:sink would
                            // wait 30 s for a consumer per event. Nothing is read, leased or registered until it runs.
                            pause();
                            continue;
                        }
                        pollAndDeliver();
                        if (lanes != null) {
                            lanes.tend(reader.pollIntervalMs());
                        }
                        lastProblem = null;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    } catch (RuntimeException e) {
                        pollFailed(e);
                    }
                }
            } finally {
                ended.countDown();
            }
        }

        /** Delivers one leased batch, if there is one. */
        private void pollAndDeliver() throws InterruptedException {
            LeasedBatch batch = reader.poll();
            if (batch == null) {
                return;
            }
            getEndpoint().polledBatch();
            try {
                Set<String> parked = null; // read once per batch, when it has an event of a pair kept apart
                Iterator<JournalEvent> events = batch.events();
                while (running && events.hasNext()) {
                    JournalEvent event = events.next();
                    String group = lanes == null ? null : lanes.groupOf(event);
                    if (group != null && parked == null) {
                        parked = lanes.parkedGroups();
                    }
                    if (!(group == null ? deliver(batch, event) : deliverInLane(batch, event, group, parked))) {
                        break;
                    }
                }
            } finally {
                batch.finish();
            }
        }

        /**
         * Delivers an event of a group kept apart: parked behind the group's parked events, or run for at most the
         * inline limit and parked if it fails or is still running; committed either way, so the partition goes on.
         */
        private boolean deliverInLane(LeasedBatch batch, JournalEvent event, String group, Set<String> parked)
                throws InterruptedException {
            Throwable failure;
            try {
                if (parked.contains(group)) {
                    lanes.parkBehind(event, group);
                    return commit(batch, event);
                }
                JournalLanes.Delivered delivered = lanes.deliver(event, group);
                failure = delivered.failure();
                if (failure != null) {
                    getEndpoint().failed(LeasedBatch.describe(LeasedBatch.cause(failure)));
                }
                if (delivered.outcome() == JournalLanes.Outcome.PARKED) {
                    parked.add(group);
                    lanes.retrySoon();
                }
                if (delivered.outcome() != JournalLanes.Outcome.FAILED) {
                    return commit(batch, event);
                }
            } catch (RuntimeException e) {
                failure = e;
            }
            batch.fail(event, failure);
            return false;
        }

        private boolean commit(LeasedBatch batch, JournalEvent event) {
            try {
                batch.commit(event);
                getEndpoint().committed(event.seq());
                return true;
            } catch (LeaseLostException e) {
                LOG.info("Journal consumer '{}' stops partition {}: its lease was taken over by another replica, which "
                        + "delivers the events after seq {}", getEndpoint().getConsumer(), batch.partition(), event.seq());
                return false;
            }
        }

        /** Hands one event to the route; true when it was committed and the batch goes on. */
        private boolean deliver(LeasedBatch batch, JournalEvent event) {
            Throwable failure = runRoute(event);
            if (failure == null) {
                return commit(batch, event);
            }
            getEndpoint().failed(LeasedBatch.describe(LeasedBatch.cause(failure)));
            batch.fail(event, failure);
            return false;
        }

        /**
         * A poll that failed before it had a batch (the store is unreachable, the consumer id is used twice) is
         * retried every poll interval; the same problem is logged once a minute, not every time.
         */
        private void pollFailed(RuntimeException e) {
            String problem = LeasedBatch.describe(e);
            long now = System.nanoTime();
            if (!problem.equals(lastProblem) || now - lastProblemLoggedAt > POLL_PROBLEM_LOG_EVERY_NANOS) {
                lastProblem = problem;
                lastProblemLoggedAt = now;
                LOG.warn("Journal consumer '{}' could not poll the journal (retrying every poll interval): {}",
                        getEndpoint().getConsumer(), problem);
            }
            try {
                pause();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }

        private void pause() throws InterruptedException {
            getEndpoint().getComponent().shutdownSignal().sleep(Duration.ofMillis(reader.pollIntervalMs()));
        }
    }

    /** Runs one event through the route on the calling thread: the failure, or null when it succeeded. */
    Throwable runRoute(JournalEvent event) {
        Exchange exchange = createExchange(false);
        try {
            getEndpoint().delivering();
            try {
                toMessage(event, exchange.getMessage());
                getProcessor().process(exchange);
            } catch (Exception e) {
                exchange.setException(e);
            }
            return exchange.getException();
        } finally {
            releaseExchange(exchange, false);
        }
    }

    /** The message the route receives: the payload (a Map, or a JsonNode with bodyAs=json) and the event's headers only. */
    void toMessage(JournalEvent event, Message message) {
        Object payload;
        try {
            payload = getEndpoint().bodyAsJson() ? getEndpoint().getComponent().json().readTree(event.payload())
                    : getEndpoint().getComponent().json().readValue(event.payload(), MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Journal event seq " + event.seq() + " (" + event.source() + " "
                    + event.eventType() + ") holds no JSON object: " + e.getOriginalMessage(), e);
        }
        message.setHeader(JournalHeaders.EVENT_SOURCE, event.source());
        message.setHeader(JournalHeaders.EVENT_TYPE, event.eventType());
        message.setHeader(JournalHeaders.EVENT_ID, event.eventId());
        message.setHeader(JournalHeaders.EVENT_SEQ, event.seq());
        message.setHeader(JournalHeaders.CONTACT_KEY, event.contactKey());
        if (event.connectionId() != null) {
            message.setHeader(JournalHeaders.CONNECTION_ID, event.connectionId());
        }
        // As text (ISO-8601), like the other headers: dead letters and logs keep it as it is.
        message.setHeader(JournalHeaders.RECEIVED_AT, event.receivedAt() == null ? null : event.receivedAt().toString());
        message.setBody(payload);
    }

    /**
     * Whether the route that consumes this Kamelet (its {@code from} is {@code kamelet:<template>/<this route>}) is
     * started. True when this consumer's route is not a Kamelet's: its delivery is its own business.
     */
    boolean deliveringRouteStarted() {
        String kameletRoute = getRouteId();
        CamelContext camel = getEndpoint().getCamelContext();
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
}
