package io.contactsbridge.journal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import io.contactsbridge.ops.ShutdownSignal;
import io.contactsbridge.ops.ShuttingDownException;
import io.contactsbridge.simulator.sim.MutableClock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The reader and its leased batches driven step by step as the {@code journal:} consumer drives them, with two
 * readers standing for two replicas (or a process before and after {@code kill -9}) over one database.
 */
class JournalReaderTest {

    static final String HL = JournalSources.HIGHLEVEL_WEBHOOK;
    static final JournalProperties PROPS = EmptyJournal.PROPS;

    static DataSource ds;

    final MutableClock clock = MutableClock.startingAt(Instant.parse("2026-03-01T10:00:00Z"));
    JournalStore store;
    JournalSignal signal;

    @BeforeAll
    static void database() {
        ds = EmptyJournal.database();
    }

    @BeforeEach
    void empty() {
        signal = new JournalSignal();
        store = EmptyJournal.store(ds, clock, signal);
    }

    JournalReader replica(String owner, String consumer, String eventTypes, int partitions) {
        return replica(owner, consumer, eventTypes, partitions, ShutdownSignal.none(), 1);
    }

    JournalReader replica(String owner, String consumer, String eventTypes, int partitions, ShutdownSignal shutdown,
                          long pollIntervalMs) {
        return new JournalReader(store, signal, PROPS, shutdown, JournalSubscription.of(consumer, HL, eventTypes, partitions),
                StartFrom.EARLIEST, pollIntervalMs, owner);
    }

    static List<JournalEvent> events(LeasedBatch batch) {
        List<JournalEvent> events = new ArrayList<>();
        if (batch != null) {
            batch.events().forEachRemaining(events::add);
        }
        return events;
    }

    /** Polls, lists the batch and finishes it without delivering anything (the events stay uncommitted). */
    static List<JournalEvent> peek(JournalReader reader) throws InterruptedException {
        LeasedBatch batch = reader.poll();
        List<JournalEvent> events = events(batch);
        if (batch != null) {
            batch.finish();
        }
        return events;
    }

    void append(String id, String contact, String type) {
        store.append(HL, type, id, ContactKeys.highLevel(contact), "{\"type\":\"" + type + "\",\"id\":\"" + contact + "\"}");
    }

    @Test
    void whenTheApplicationStopsTheBatchEndsAfterTheEventInHandAndNoFailureIsRecorded() throws Exception {
        append("e1", "a", "ContactCreate");
        append("e2", "b", "ContactCreate");
        append("e3", "c", "ContactCreate");
        ShutdownSignal shutdown = ShutdownSignal.none();
        JournalReader stopping = replica("pod-a", "sync", "", 1, shutdown, 1);
        LeasedBatch batch = stopping.poll();
        Iterator<JournalEvent> events = batch.events();
        batch.commit(events.next());
        JournalEvent e2 = events.next();

        // SIGTERM while e2's route waits for a call, which the stop then cuts short.
        shutdown.begin("test");
        assertThat(batch.fail(e2, new ShuttingDownException("a call to HighLevel"))).isEqualTo(LeasedBatch.Outcome.STOPPED);
        assertThat(events.hasNext()).as("e3 is not delivered by a stopping consumer").isFalse();
        batch.finish();
        assertThat(stopping.poll()).as("a stopping consumer polls nothing").isNull();

        // Nothing recorded against e2 (no back-off, no attempt counted), the lease released: the next owner (or the
        // restarted process) continues at e2 at once, with the clock where it was.
        assertThat(peek(replica("pod-b", "sync", "", 1))).extracting(JournalEvent::eventId).containsExactly("e2", "e3");
    }

    @Test
    void aCrashedReplicasEventInFlightIsDeliveredAgainByTheNextOwnerAndNothingIsLost() throws Exception {
        append("e1", "a", "ContactCreate");
        append("e2", "b", "ContactCreate");
        append("e3", "c", "ContactUpdate");
        append("e4", "d", "ContactCreate");
        JournalReader before = replica("pod-a", "sync", "ContactCreate", 1);
        JournalReader after = replica("pod-b", "sync", "ContactCreate", 1);

        LeasedBatch crashing = before.poll();
        List<JournalEvent> batch = events(crashing);
        assertThat(batch).extracting(JournalEvent::eventId).containsExactly("e1", "e2", "e4");
        crashing.commit(batch.get(0));
        // pod-a dies here: e2 was handed to its route but never committed, and the lease is not released.

        assertThat(after.poll()).as("pod-a's lease still holds").isNull();
        clock.advance(PROPS.leaseDuration().plusSeconds(1));
        LeasedBatch takeover = after.poll();
        List<JournalEvent> takenOver = events(takeover);
        assertThat(takenOver).extracting(JournalEvent::eventId).as("from the last commit: e2 again, e1 not")
                .containsExactly("e2", "e4");
        takenOver.forEach(takeover::commit);
        takeover.finish();

        assertThatThrownBy(() -> crashing.commit(batch.get(1))).isInstanceOf(LeaseLostException.class);
        assertThat(store.pending("sync")).isZero();
        assertThat(store.consumers().get(0).position()).as("moved over e3, which it does not want").isEqualTo(store.head());
    }

    @Test
    void aFailingEventBlocksOnlyItsPartitionAndIsRetriedAfterTheBackOff() throws Exception {
        String blocked = contactIn(0, 2);
        String free = contactIn(1, 2);
        append("a1", blocked, "ContactUpdate");
        append("b1", free, "ContactUpdate");
        append("a2", blocked, "ContactUpdate");
        JournalReader reader = replica("pod-a", "parts", "", 2);

        LeasedBatch first = reader.poll();
        Iterator<JournalEvent> firstEvents = first.events();
        JournalEvent a1 = firstEvents.next();
        assertThat(a1.eventId()).isEqualTo("a1");
        assertThat(first.fail(a1, new IllegalStateException("HighLevel answered 503")))
                .isEqualTo(LeasedBatch.Outcome.RETRY_AFTER_BACK_OFF);
        assertThat(firstEvents.hasNext()).as("a2 waits behind a1").isFalse();
        first.finish();

        LeasedBatch other = reader.poll();
        List<JournalEvent> otherEvents = events(other);
        assertThat(otherEvents).extracting(JournalEvent::eventId).as("the other partition goes on").containsExactly("b1");
        other.commit(otherEvents.get(0));
        other.finish();

        assertThat(reader.poll()).as("a1 waits out its back-off").isNull();
        assertThat(store.consumers().get(0).lastError()).isEqualTo("IllegalStateException: HighLevel answered 503");
        clock.advance(PROPS.retryInitialDelay());
        assertThat(peek(reader)).extracting(JournalEvent::eventId).as("a1 again, still before a2").containsExactly("a1", "a2");
    }

    @Test
    void aRetryWithinFailureHoldsTheEventForTheTimeItNamesWithoutCountingAnAttempt() throws Exception {
        append("h1", "c1", "ContactUpdate");
        JournalReader reader = replica("pod-a", "holds", "", 1);
        LeasedBatch batch = reader.poll();
        JournalEvent h1 = batch.events().next();
        class NotConnected extends IllegalStateException implements RetryWithin {
            NotConnected() {
                super("the location is not connected");
            }

            @Override
            public Duration retryWithin() {
                return Duration.ofSeconds(5);
            }
        }
        assertThat(batch.fail(h1, new RuntimeException(new NotConnected()))).isEqualTo(LeasedBatch.Outcome.HELD);
        batch.finish();
        clock.advance(Duration.ofSeconds(4));
        assertThat(reader.poll()).as("held for the 5 s it named").isNull();
        clock.advance(Duration.ofSeconds(1));
        assertThat(peek(reader)).extracting(JournalEvent::eventId).containsExactly("h1");
    }

    @Test
    void anIdlePollWaitsForAnAppendAndReturnsAsSoonAsOneArrives() throws Exception {
        JournalReader reader = replica("pod-a", "idle", "", 1, ShutdownSignal.none(), 10_000);
        assertThat(reader.poll()).as("nothing yet; the next poll waits for an append").isNull();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            AtomicReference<Thread> poller = new AtomicReference<>();
            long started = System.nanoTime();
            Future<List<JournalEvent>> polled = pool.submit(() -> {
                poller.set(Thread.currentThread());
                return peek(reader);
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> poller.get() != null
                    && poller.get().getState() == Thread.State.TIMED_WAITING);
            append("late", "c1", "ContactUpdate");
            assertThat(polled.get(5, TimeUnit.SECONDS)).extracting(JournalEvent::eventId).containsExactly("late");
            assertThat((System.nanoTime() - started) / 1_000_000).as("woken by the append, not the 10 s interval")
                    .isLessThan(5_000);
        } finally {
            pool.shutdownNow();
        }
    }

    static String contactIn(int partition, int partitions) {
        for (int i = 0; ; i++) {
            if (ContactKeys.partition(ContactKeys.highLevel("c" + i), partitions) == partition) {
                return "c" + i;
            }
        }
    }
}
