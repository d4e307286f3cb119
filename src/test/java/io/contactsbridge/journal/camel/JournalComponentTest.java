package io.contactsbridge.journal.camel;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.ContactKeys;
import io.contactsbridge.journal.EmptyJournal;
import io.contactsbridge.journal.JournalHeaders;
import io.contactsbridge.journal.JournalProperties;
import io.contactsbridge.journal.JournalSignal;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.journal.JournalSubscription;
import io.contactsbridge.journal.StartFrom;
import io.contactsbridge.ops.ShutdownSignal;
import io.contactsbridge.simulator.sim.MutableClock;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The {@code journal:} endpoint in a plain CamelContext over an H2 journal: what a route receives and when. */
class JournalComponentTest {

    static final String HL = JournalSources.HIGHLEVEL_WEBHOOK;
    static final JournalProperties PROPS = EmptyJournal.PROPS;

    static DataSource ds;

    final MutableClock clock = MutableClock.startingAt(Instant.parse("2026-03-01T10:00:00Z"));
    JournalStore store;
    CamelContext camel;

    @BeforeAll
    static void database() {
        ds = EmptyJournal.database();
    }

    @BeforeEach
    void start() {
        JournalSignal signal = new JournalSignal();
        store = EmptyJournal.store(ds, clock, signal);
        camel = new DefaultCamelContext();
        camel.addComponent("journal", new JournalComponent(store, signal, PROPS, new ObjectMapper(), "pod-a",
                ShutdownSignal.none()));
        camel.start();
    }

    @AfterEach
    void stop() {
        camel.stop();
    }

    void append(String id, String contact, String type) {
        store.append(HL, type, id, ContactKeys.highLevel(contact), "{\"type\":\"" + type + "\",\"id\":\"" + contact + "\"}");
    }

    @Test
    void deliversThePayloadAsAMapWithTheEventHeadersOnlyAndCommitsAfterTheRoute() throws Exception {
        append("wh-1", "c1", "ContactCreate");
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("journal:mapper?sources=" + HL + "&pollIntervalMs=10").routeId("mapper").to("mock:mapper");
            }
        });
        MockEndpoint mock = camel.getEndpoint("mock:mapper", MockEndpoint.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> store.registered("mapper") && store.pending("mapper") == 0);

        Exchange delivered = mock.getReceivedExchanges().get(0);
        assertThat(delivered.getMessage().getBody()).isEqualTo(Map.of("type", "ContactCreate", "id", "c1"));
        assertThat(delivered.getMessage().getHeaders()).containsOnlyKeys(JournalHeaders.EVENT_SOURCE,
                JournalHeaders.EVENT_TYPE, JournalHeaders.EVENT_ID, JournalHeaders.EVENT_SEQ, JournalHeaders.CONTACT_KEY,
                JournalHeaders.RECEIVED_AT);
        assertThat(delivered.getMessage().getHeader(JournalHeaders.EVENT_ID)).isEqualTo("wh-1");
        assertThat(delivered.getMessage().getHeader(JournalHeaders.RECEIVED_AT)).as("when the journal took the event in")
                .isNotNull();
        assertThat(delivered.getMessage().getHeader(JournalHeaders.CONTACT_KEY)).isEqualTo("highlevel:c1");
        assertThat(delivered.getMessage().getHeader(JournalHeaders.EVENT_SEQ)).isEqualTo(store.head());
        JournalEndpoint endpoint = (JournalEndpoint) camel.getRoute("mapper").getEndpoint();
        assertThat(endpoint.getEventsCommitted()).isEqualTo(1);
        assertThat(endpoint.getLastCommittedSeq()).isEqualTo(store.head());
    }

    @Test
    void bodyAsJsonDeliversThePayloadAsAJsonNode() throws Exception {
        append("wh-j", "c2", "ContactUpdate");
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("journal:jsoner?sources=" + HL + "&pollIntervalMs=10&bodyAs=json").routeId("jsoner").to("mock:jsoner");
            }
        });
        MockEndpoint mock = camel.getEndpoint("mock:jsoner", MockEndpoint.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> store.registered("jsoner") && store.pending("jsoner") == 0);

        Object body = mock.getReceivedExchanges().get(0).getMessage().getBody();
        assertThat(body).isInstanceOf(com.fasterxml.jackson.databind.JsonNode.class);
        assertThat(((com.fasterxml.jackson.databind.JsonNode) body).path("id").asText()).isEqualTo("c2");
    }

    @Test
    void aFailedRouteLeavesItsEventUncommittedWithABackOff() throws Exception {
        append("bad", "c1", "ContactUpdate");
        AtomicInteger attempts = new AtomicInteger();
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("journal:failing?sources=" + HL + "&pollIntervalMs=10").routeId("failing")
                        .process(e -> {
                            attempts.incrementAndGet();
                            throw new IllegalStateException("HighLevel answered 503");
                        });
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> store.consumers().stream()
                .anyMatch(c -> c.consumerId().equals("failing") && c.failedSeq() != null));
        assertThat(store.pending("failing")).isEqualTo(1);
        assertThat(store.consumers().get(0).lastError()).isEqualTo("IllegalStateException: HighLevel answered 503");
        assertThat(attempts.get()).as("the clock stands still: the back-off has not passed").isEqualTo(1);
        assertThat(((JournalEndpoint) camel.getRoute("failing").getEndpoint()).getEventsFailed()).isEqualTo(1);
    }

    @Test
    void wrongSettingsFailTheRouteWithAMessageSayingWhich() {
        assertThatThrownBy(() -> camel.getEndpoint("journal:typo?sources=" + HL + "&eventTypes=ContactCreated"))
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .rootCause().hasMessageContaining("'ContactCreated' never comes from highlevel-webhook");
        assertThatThrownBy(() -> camel.getEndpoint("journal:no spaces?sources=" + HL))
                .rootCause().hasMessageContaining("consumer id");
        assertThatThrownBy(() -> camel.getEndpoint("journal:nosource"))
                .rootCause().hasMessageContaining("reads no source");
        assertThatThrownBy(() -> camel.getEndpoint("journal:start?sources=" + HL + "&startFrom=yesterday"))
                .rootCause().hasMessageContaining("startFrom must be 'earliest' or 'latest'");
        assertThatThrownBy(() -> camel.getEndpoint("journal:b?sources=" + HL + "&bodyAs=xml"))
                .rootCause().hasMessageContaining("bodyAs of journal consumer 'b' must be map or json, got 'xml'");
        assertThatThrownBy(() -> camel.getEndpoint("journal:p?sources=" + HL).createProducer())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aConsumerIdServesOneRouteInAnApplication() throws Exception {
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("journal:shared?sources=" + HL + "&pollIntervalMs=10").routeId("first").to("mock:first");
            }
        });
        assertThatThrownBy(() -> camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("journal:shared?sources=" + JournalSources.BIRDSEND_NOTIFICATION + "&pollIntervalMs=10")
                        .routeId("second").to("mock:second");
            }
        })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("own consumer id")
                .hasMessageContaining("'first'");
    }

    @Test
    void aFailingPollIsRetriedOncePerPollIntervalNotInATightLoop() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        JournalSignal signal = new JournalSignal();
        JournalStore down = new JournalStore(jdbc, new DataSourceTransactionManager(ds), clock, signal) {
            @Override
            public void register(JournalSubscription sub, StartFrom startFrom) {
                polls.incrementAndGet();
                throw new IllegalStateException("store unreachable");
            }
        };
        camel.addComponent("journal-down", new JournalComponent(down, signal, PROPS, new ObjectMapper(), "pod-a",
                ShutdownSignal.none()));
        long started = System.nanoTime();
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("journal-down:down?sources=" + HL + "&pollIntervalMs=200").routeId("down").to("mock:down");
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> polls.get() >= 3);
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(elapsedMs).as("3 polls, 2 pauses of the 200 ms poll interval between them").isGreaterThanOrEqualTo(400);
    }
}
