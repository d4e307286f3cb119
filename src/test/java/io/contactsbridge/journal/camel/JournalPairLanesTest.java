package io.contactsbridge.journal.camel;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.ContactKeys;
import io.contactsbridge.journal.EmptyJournal;
import io.contactsbridge.journal.JournalHeaders;
import io.contactsbridge.journal.JournalParking;
import io.contactsbridge.journal.JournalProperties;
import io.contactsbridge.journal.JournalSignal;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.ops.ShutdownSignal;
import io.contactsbridge.simulator.sim.MutableClock;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Pairs kept apart in the journal ({@link JournalLanes}): one pair's failing or slow events are parked while the
 * other pair's events in the same partition go on, and are then processed in their order.
 */
class JournalPairLanesTest {

    static final String HL = JournalSources.HIGHLEVEL_WEBHOOK;
    /** A 300 ms inline limit and a back-off from 1 s (on the test's clock). */
    static final JournalProperties PROPS = new JournalProperties(Duration.ofSeconds(30), 100, Duration.ofSeconds(1),
            Duration.ofSeconds(8), null, null, null, Duration.ofMillis(300), 2);

    static DataSource ds;

    final MutableClock clock = MutableClock.startingAt(Instant.parse("2026-03-01T10:00:00Z"));
    final List<String> processed = new CopyOnWriteArrayList<>();
    final List<String> attempts = new CopyOnWriteArrayList<>();
    volatile boolean southDown;
    final CountDownLatch slowEventMayEnd = new CountDownLatch(1);
    JournalStore store;
    JournalParking parking;
    CamelContext camel;

    @BeforeAll
    static void database() {
        ds = EmptyJournal.database();
    }

    @BeforeEach
    void start() throws Exception {
        JournalSignal signal = new JournalSignal();
        store = EmptyJournal.store(ds, clock, signal);
        parking = new JournalParking(new JdbcTemplate(ds), clock);
        JournalComponent journal = new JournalComponent(store, signal, PROPS, new ObjectMapper(), "pod-a", ShutdownSignal.none());
        // The group of an event is its connection (a pair each, here), as SyncPairs does with several pairs.
        journal.setPairIsolation(connection -> connection == null ? "unpaired" : connection, parking);
        camel = new DefaultCamelContext();
        camel.addComponent("journal", journal);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("journal:sync?sources=" + HL + "&pollIntervalMs=10").routeId("sync")
                        .process(exchange -> {
                            String id = exchange.getMessage().getHeader(JournalHeaders.EVENT_ID, String.class);
                            attempts.add(id);
                            if (id.startsWith("south") && southDown) {
                                throw new IllegalStateException("south's service answers 503");
                            }
                            if (id.equals("south-slow")) {
                                slowEventMayEnd.await(20, TimeUnit.SECONDS);
                            }
                            processed.add(id);
                        });
            }
        });
        camel.start();
    }

    @AfterEach
    void stop() {
        slowEventMayEnd.countDown();
        camel.stop();
    }

    void append(String id, String contact, String connection) {
        store.append(HL, "ContactUpdate", id, ContactKeys.highLevel(contact), "{\"id\":\"" + contact + "\"}", connection);
    }

    @Test
    void aFailingPairIsParkedWhileTheOtherGoesOnAndIsRetriedInOrderAfterItsBackOff() {
        southDown = true;
        append("south-1", "x", "south");
        long firstSouth = store.head();
        append("north-1", "y", "north");
        append("south-2", "x", "south");
        append("north-2", "z", "north");
        append("south-3", "w", "south");

        await().atMost(Duration.ofSeconds(10)).until(() -> processed.containsAll(List.of("north-1", "north-2")));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.pending("sync") == 0);
        assertThat(attempts).as("south's later events wait behind its failed one, untried").containsOnlyOnce("south-1")
                .doesNotContain("south-2", "south-3");
        List<JournalParking.ParkedGroup> parked = parking.parked("sync");
        assertThat(parked).singleElement().satisfies(g -> {
            assertThat(g.group()).isEqualTo("south");
            assertThat(g.events()).isEqualTo(3);
            assertThat(g.failures()).isEqualTo(1);
            assertThat(g.lastError()).contains("503");
        });
        assertThat(store.lowestPosition("sync")).as("parked events count as unprocessed").isEqualTo(firstSouth - 1);
        assertThat(store.prune(clock.instant().plus(Duration.ofDays(1)), clock.instant().minus(Duration.ofHours(1))))
                .as("retention keeps parked events").isEqualTo(0);

        append("north-3", "y", "north");
        await().atMost(Duration.ofSeconds(10)).until(() -> processed.contains("north-3"));

        southDown = false;
        clock.advance(Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> processed.containsAll(List.of("south-1", "south-2", "south-3")));
        assertThat(processed.stream().filter(id -> id.startsWith("south")).toList())
                .containsExactly("south-1", "south-2", "south-3");
        await().atMost(Duration.ofSeconds(10)).until(() -> parking.parked("sync").isEmpty());
        assertThat(store.lowestPosition("sync")).isEqualTo(store.head());

        append("south-4", "x", "south");
        await().atMost(Duration.ofSeconds(10)).until(() -> processed.contains("south-4"));
        assertThat(parking.parked("sync")).as("recovered: its events go the usual way").isEmpty();
    }

    @Test
    void aSlowPairGoesOnAsideAfterTheInlineLimitAndItsLaterEventsFollowInOrder() {
        append("south-slow", "x", "south");
        append("north-1", "y", "north");
        append("south-2", "x", "south");
        append("north-2", "z", "north");

        await().atMost(Duration.ofSeconds(10)).until(() -> processed.containsAll(List.of("north-1", "north-2")));
        assertThat(processed).as("south's events wait while its first is still running").doesNotContain("south-slow", "south-2");
        assertThat(parking.parked("sync")).singleElement().satisfies(g -> {
            assertThat(g.events()).isEqualTo(2);
            assertThat(g.failures()).isZero();
            assertThat(g.leaseOwner()).as("the running event holds the pair's lane").isNotNull();
        });

        slowEventMayEnd.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> processed.contains("south-2"));
        assertThat(processed.stream().filter(id -> id.startsWith("south")).toList()).containsExactly("south-slow", "south-2");
        await().atMost(Duration.ofSeconds(10)).until(() -> parking.parked("sync").isEmpty());
        assertThat(attempts).as("each south event ran once").containsOnlyOnce("south-slow", "south-2");
    }

    @Test
    void aPairParkedByAReplicaThatDiedIsRetriedHereOnceItsLeaseRunsOut() throws Exception {
        // Another replica parked south's events while one was running, and died: its lease on the pair's lane holds
        // for the lease duration (30 s here), then this replica takes the lane over and processes them in order.
        append("south-1", "x", "south");
        append("south-2", "x", "south");
        await().atMost(Duration.ofSeconds(10)).until(() -> processed.containsAll(List.of("south-1", "south-2")));
        processed.clear();
        camel.getRouteController().stopRoute("sync");
        append("south-3", "x", "south");
        append("south-4", "x", "south");
        long third = store.head() - 1;
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        // What the dead replica left: the two events parked (its partition had committed past them), its lease.
        jdbc.update("UPDATE journal_consumer SET position = ? WHERE consumer_id = 'sync'", store.head());
        for (long seq : new long[] {third, third + 1}) {
            parking.parkInFlight("sync", store.events(java.util.Set.of(HL), seq - 1, 1).get(0), "south", "dead-pod/1",
                    Duration.ofSeconds(30));
        }
        camel.getRouteController().startRoute("sync");

        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() -> processed.isEmpty());
        assertThat(parking.parked("sync")).singleElement().satisfies(g -> assertThat(g.leaseOwner()).isEqualTo("dead-pod/1"));

        clock.advance(Duration.ofSeconds(31));
        await().atMost(Duration.ofSeconds(10)).until(() -> processed.size() == 2);
        assertThat(processed).containsExactly("south-3", "south-4");
        await().atMost(Duration.ofSeconds(10)).until(() -> parking.parked("sync").isEmpty());
    }

    @Test
    void withoutGroupsAFailureBlocksItsPartitionAsBefore() throws Exception {
        camel.stop();
        JournalSignal signal = new JournalSignal();
        store = EmptyJournal.store(ds, clock, signal);
        JournalComponent journal = new JournalComponent(store, signal, PROPS, new ObjectMapper(), "pod-a", ShutdownSignal.none());
        journal.setPairIsolation(connection -> null, parking);
        camel = new DefaultCamelContext();
        camel.addComponent("journal", journal);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("journal:one?sources=" + HL + "&pollIntervalMs=10").routeId("one")
                        .process(exchange -> {
                            String id = exchange.getMessage().getHeader(JournalHeaders.EVENT_ID, String.class);
                            attempts.add(id);
                            if (id.startsWith("south")) {
                                throw new IllegalStateException("down");
                            }
                            processed.add(id);
                        });
            }
        });
        camel.start();
        append("south-1", "x", "south");
        append("north-1", "y", "north");

        await().atMost(Duration.ofSeconds(10)).until(() -> attempts.contains("south-1"));
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !processed.contains("north-1"));
        assertThat(parking.parked("one")).isEmpty();
        assertThat(store.pending("one")).isEqualTo(2);
    }
}
