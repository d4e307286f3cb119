package io.contactsbridge.journal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.ops.ShutdownSignal;
import io.contactsbridge.ops.ShuttingDownException;
import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.TestDatabases.Kind;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The consumer bean driven step by step as the Kamelet template drives it, with two beans standing for two
 * replicas (or a process before and after {@code kill -9}) over one database.
 */
class JournalConsumerBeanTest {

    static final String HL = JournalSources.HIGHLEVEL_WEBHOOK;
    static final JournalProperties PROPS = new JournalProperties(Duration.ofSeconds(30), 100, Duration.ofSeconds(1),
            Duration.ofSeconds(8), null, null, null);

    static DataSource ds;
    static CamelContext camel;

    final MutableClock clock = MutableClock.startingAt(Instant.parse("2026-03-01T10:00:00Z"));
    final ObjectMapper json = new ObjectMapper();
    JournalStore store;
    JournalSignal signal;

    @BeforeAll
    static void database() {
        ds = JournalStoreTest.pooled(TestDatabases.migrated(Kind.H2));
        camel = new DefaultCamelContext();
    }

    @AfterAll
    static void close() throws Exception {
        camel.close();
    }

    @BeforeEach
    void empty() {
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        jdbc.update("DELETE FROM journal_consumer");
        jdbc.update("DELETE FROM inbound_event");
        signal = new JournalSignal();
        store = new JournalStore(jdbc, new DataSourceTransactionManager(ds), clock, signal);
    }

    JournalConsumerBean replica(String name) {
        return new JournalConsumerBean(store, signal, PROPS, json, name);
    }

    Exchange timerExchange(String consumer, String eventTypes, int partitions) {
        Exchange e = new DefaultExchange(camel);
        e.getMessage().setHeader(JournalConsumerBean.CONSUMER, consumer);
        e.getMessage().setHeader(JournalConsumerBean.SOURCES, HL);
        e.getMessage().setHeader(JournalConsumerBean.EVENT_TYPES, eventTypes);
        e.getMessage().setHeader(JournalConsumerBean.PARTITIONS, String.valueOf(partitions));
        e.getMessage().setHeader(JournalConsumerBean.POLL_INTERVAL_MS, "1");
        return e;
    }

    @SuppressWarnings("unchecked")
    List<JournalEvent> poll(JournalConsumerBean bean, String consumer, String eventTypes, int partitions) throws Exception {
        Exchange e = timerExchange(consumer, eventTypes, partitions);
        bean.poll(e);
        List<JournalEvent> events = new ArrayList<>();
        ((Iterator<JournalEvent>) e.getMessage().getBody()).forEachRemaining(events::add);
        return events;
    }

    Exchange deliver(JournalConsumerBean bean, String consumer, JournalEvent event) throws Exception {
        Exchange e = new DefaultExchange(camel);
        e.getMessage().setBody(event);
        bean.deliver(consumer, e);
        return e;
    }

    void append(String id, String contact, String type) {
        store.append(HL, type, id, ContactKeys.highLevel(contact), "{\"type\":\"" + type + "\",\"id\":\"" + contact + "\"}");
    }

    @Test
    void deliversThePayloadAsAMapWithTheEventHeadersOnly() throws Exception {
        JournalConsumerBean bean = replica("pod-a");
        append("wh-1", "c1", "ContactCreate");
        List<JournalEvent> batch = poll(bean, "mapper", "", 1);

        Exchange delivered = deliver(bean, "mapper", batch.get(0));
        assertThat(delivered.getMessage().getBody()).isEqualTo(Map.of("type", "ContactCreate", "id", "c1"));
        assertThat(delivered.getMessage().getHeaders()).containsOnlyKeys(JournalConsumerBean.EVENT_SOURCE,
                JournalConsumerBean.EVENT_TYPE, JournalConsumerBean.EVENT_ID, JournalConsumerBean.EVENT_SEQ,
                JournalConsumerBean.CONTACT_KEY);
        assertThat(delivered.getMessage().getHeader(JournalConsumerBean.EVENT_ID)).isEqualTo("wh-1");
        assertThat(delivered.getMessage().getHeader(JournalConsumerBean.CONTACT_KEY)).isEqualTo("highlevel:c1");
        assertThat(delivered.getMessage().getHeader(JournalConsumerBean.EVENT_SEQ)).isEqualTo(batch.get(0).seq());
        bean.commit("mapper");
        bean.finish("mapper");
        assertThat(store.pending("mapper")).isZero();
    }

    @Test
    @SuppressWarnings("unchecked")
    void whenTheApplicationStopsTheBatchEndsAfterTheEventInHandAndNoFailureIsRecorded() throws Exception {
        append("e1", "a", "ContactCreate");
        append("e2", "b", "ContactCreate");
        append("e3", "c", "ContactCreate");
        ShutdownSignal shutdown = ShutdownSignal.none();
        JournalConsumerBean stopping = new JournalConsumerBean(store, signal, PROPS, json, "pod-a", shutdown);
        Exchange timer = timerExchange("sync", "", 1);
        stopping.poll(timer);
        Iterator<JournalEvent> batch = (Iterator<JournalEvent>) timer.getMessage().getBody();
        deliver(stopping, "sync", batch.next());
        stopping.commit("sync");
        deliver(stopping, "sync", batch.next());

        // SIGTERM while e2's route waits for a call, which the stop then cuts short.
        shutdown.begin("test");
        Exchange failed = new DefaultExchange(camel);
        failed.setProperty(Exchange.EXCEPTION_CAUGHT, new ShuttingDownException("a call to HighLevel"));
        stopping.fail("sync", failed);
        assertThat(batch.hasNext()).as("e3 is not delivered by a stopping consumer").isFalse();
        stopping.finish("sync");
        assertThat(poll(stopping, "sync", "", 1)).as("a stopping consumer polls nothing").isEmpty();

        // Nothing recorded against e2 (no back-off, no attempt counted), the lease released: the next owner (or the
        // restarted process) continues at e2 at once, with the clock where it was.
        assertThat(poll(replica("pod-b"), "sync", "", 1)).extracting(JournalEvent::eventId).containsExactly("e2", "e3");
    }

    @Test
    void aCrashedReplicasEventInFlightIsDeliveredAgainByTheNextOwnerAndNothingIsLost() throws Exception {
        append("e1", "a", "ContactCreate");
        append("e2", "b", "ContactCreate");
        append("e3", "c", "ContactUpdate");
        append("e4", "d", "ContactCreate");
        JournalConsumerBean before = replica("pod-a");
        JournalConsumerBean after = replica("pod-b");

        List<JournalEvent> batch = poll(before, "sync", "ContactCreate", 1);
        assertThat(batch).extracting(JournalEvent::eventId).containsExactly("e1", "e2", "e4");
        deliver(before, "sync", batch.get(0));
        before.commit("sync");
        deliver(before, "sync", batch.get(1));
        // pod-a dies here: e2 was handed to its route but never committed, and the lease is not released.

        assertThat(poll(after, "sync", "ContactCreate", 1)).as("pod-a's lease still holds").isEmpty();
        clock.advance(PROPS.leaseDuration().plusSeconds(1));
        List<JournalEvent> takenOver = poll(after, "sync", "ContactCreate", 1);
        assertThat(takenOver).extracting(JournalEvent::eventId).as("from the last commit: e2 again, e1 not")
                .containsExactly("e2", "e4");
        for (JournalEvent e : takenOver) {
            deliver(after, "sync", e);
            after.commit("sync");
        }
        after.finish("sync");

        assertThatThrownBy(() -> before.commit("sync")).isInstanceOf(LeaseLostException.class);
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
        JournalConsumerBean bean = replica("pod-a");

        List<JournalEvent> first = poll(bean, "parts", "", 2);
        assertThat(first).extracting(JournalEvent::eventId).containsExactly("a1", "a2");
        Exchange failed = deliver(bean, "parts", first.get(0));
        failed.setProperty(Exchange.EXCEPTION_CAUGHT, new IllegalStateException("HighLevel answered 503"));
        bean.fail("parts", failed);
        bean.finish("parts");

        List<JournalEvent> other = poll(bean, "parts", "", 2);
        assertThat(other).extracting(JournalEvent::eventId).as("the other partition goes on").containsExactly("b1");
        deliver(bean, "parts", other.get(0));
        bean.commit("parts");
        bean.finish("parts");

        assertThat(poll(bean, "parts", "", 2)).as("a1 waits out its back-off").isEmpty();
        assertThat(store.consumers().get(0).lastError()).isEqualTo("IllegalStateException: HighLevel answered 503");
        clock.advance(PROPS.retryInitialDelay());
        List<JournalEvent> retried = poll(bean, "parts", "", 2);
        assertThat(retried).extracting(JournalEvent::eventId).as("a1 again, still before a2").containsExactly("a1", "a2");
    }

    @Test
    void aConsumerIdServesOneKindOfTriggerAndEventTypesMustExist() throws Exception {
        JournalConsumerBean bean = replica("pod-a");
        poll(bean, "shared", "", 1);
        Exchange other = timerExchange("shared", "", 1);
        other.getMessage().setHeader(JournalConsumerBean.SOURCES, JournalSources.BIRDSEND_NOTIFICATION);
        assertThatThrownBy(() -> bean.poll(other)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("own consumer id");
        Exchange typo = timerExchange("typo", "ContactCreated", 1);
        assertThatThrownBy(() -> bean.poll(typo)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'ContactCreated' never comes from highlevel-webhook");
        // The Kamelet's doCatch and doFinally steps run after such a failed poll: they log, and never throw.
        typo.setProperty(Exchange.EXCEPTION_CAUGHT, new IllegalArgumentException("bad setting"));
        bean.fail("typo", typo);
        bean.finish("typo");
        Exchange invalid = timerExchange("no spaces", "", 1);
        assertThatThrownBy(() -> bean.poll(invalid)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("consumer id");
    }

    @Test
    void aFailedPollWaitsOnePollIntervalSoTheTimerDoesNotSpin() {
        JournalConsumerBean bean = replica("pod-a");
        Exchange typo = timerExchange("typo", "ContactCreated", 1);
        typo.getMessage().setHeader(JournalConsumerBean.POLL_INTERVAL_MS, "150");
        assertThatThrownBy(() -> bean.poll(typo)).isInstanceOf(IllegalArgumentException.class);
        typo.setProperty(Exchange.EXCEPTION_CAUGHT, new IllegalArgumentException("bad setting"));
        long started = System.nanoTime();
        bean.fail("typo", typo);
        assertThat((System.nanoTime() - started) / 1_000_000).as("the Kamelet timer re-arms every millisecond")
                .isGreaterThanOrEqualTo(150);
    }

    @Test
    @SuppressWarnings("unchecked")
    void anIdlePollWaitsForAnAppendAndReturnsAsSoonAsOneArrives() throws Exception {
        JournalConsumerBean bean = replica("pod-a");
        assertThat(poll(bean, "idle", "", 1)).isEmpty();
        Exchange waiting = timerExchange("idle", "", 1);
        waiting.getMessage().setHeader(JournalConsumerBean.POLL_INTERVAL_MS, "10000");
        Thread appender = new Thread(() -> {
            try {
                Thread.sleep(100);
                append("late", "c1", "ContactUpdate");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long started = System.nanoTime();
        appender.start();
        bean.poll(waiting);
        List<JournalEvent> events = new ArrayList<>();
        ((Iterator<JournalEvent>) waiting.getMessage().getBody()).forEachRemaining(events::add);
        appender.join();
        assertThat(events).extracting(JournalEvent::eventId).containsExactly("late");
        assertThat((System.nanoTime() - started) / 1_000_000).as("woken by the append, not the 10 s interval")
                .isLessThan(5_000);
    }

    static String contactIn(int partition, int partitions) {
        for (int i = 0; ; i++) {
            if (ContactKeys.partition(ContactKeys.highLevel("c" + i), partitions) == partition) {
                return "c" + i;
            }
        }
    }
}
