package io.contactsbridge.outbound;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import javax.sql.DataSource;

import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.store.ReplicaMembers;
import io.contactsbridge.store.ReplicaProperties;
import org.apache.camel.CamelContext;
import org.apache.camel.component.resilience4j.ResilienceProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One circuit per connection across replicas: this replica follows an opening another replica recorded (once) for
 * the same connection only, and records its own. The app's breakers, with {@link SharedCircuits} of this test's own
 * (replicas are off in the test profile, whose contexts share one store without being replicas of one deployment).
 */
@OutboundAppTest
class SharedCircuitsTest {

    private static final String ME = "replica-here/1";
    private static final String THERE = "replica-there/2";

    @Autowired
    CamelContext camel;
    @Autowired
    DataSource dataSource;
    @Autowired
    RateBudgets budgets;
    @Autowired
    ConnectionSendRoutes sendRoutes;

    JdbcTemplate jdbc;
    SharedCircuits circuits;

    @BeforeEach
    void setUp() throws Exception {
        jdbc = new JdbcTemplate(dataSource);
        jdbc.update("DELETE FROM outbound_circuit");
        circuits = replica(ME);
        // Two HighLevel connections and a BirdSend one, as if each had been called.
        sendRoutes.ensure(ServiceType.HIGHLEVEL, "shared-a");
        sendRoutes.ensure(ServiceType.HIGHLEVEL, "shared-b");
        sendRoutes.ensure(ServiceType.BIRDSEND, "shared-c");
        OutboundRoutesTest.closeBreakers(camel);
    }

    @AfterEach
    void tearDown() {
        OutboundRoutesTest.closeBreakers(camel);
        jdbc.update("DELETE FROM outbound_circuit");
    }

    private SharedCircuits replica(String member) {
        ReplicaProperties props = new ReplicaProperties(true, Duration.ofSeconds(2), Duration.ofSeconds(10));
        RateAllotment allotment = new RateAllotment(new ReplicaMembers(jdbc, Clock.systemUTC()), budgets, props,
                Duration.ZERO, member, System::nanoTime);
        return new SharedCircuits(camel, sendRoutes, jdbc, Clock.systemUTC(), allotment, props);
    }

    private ResilienceProcessor breaker(ServiceType service, String connection) {
        return camel.getProcessor(ConnectionSendRoutes.breakerId(service, connection), ResilienceProcessor.class);
    }

    private String state(ServiceType service, String connection) {
        return breaker(service, connection).getCircuitBreakerState();
    }

    private void recordOpening(String service, String connection, String by, Instant at, Duration open) {
        jdbc.update("INSERT INTO outbound_circuit (service, connection_id, opened_by, opened_at, open_until) "
                + "VALUES (?, ?, ?, ?, ?)", service, connection, by, Timestamp.from(at), Timestamp.from(at.plus(open)));
    }

    private <T> T column(String column, Class<T> type, String service, String connection) {
        return jdbc.queryForObject("SELECT " + column + " FROM outbound_circuit WHERE service = ? AND connection_id = ?",
                type, service, connection);
    }

    @Test
    void anOpeningAnotherReplicaRecordedOpensThisReplicasBreakerOfThatConnectionOnce() {
        recordOpening("highlevel", "shared-a", THERE, Instant.now(), Duration.ofSeconds(30));
        circuits.refresh();
        assertThat(state(ServiceType.HIGHLEVEL, "shared-a")).isEqualTo("OPEN");
        assertThat(state(ServiceType.HIGHLEVEL, "shared-b")).as("the service's other connection").isEqualTo("CLOSED");
        assertThat(state(ServiceType.BIRDSEND, "shared-c")).as("the other service's connection").isEqualTo("CLOSED");

        // This replica's breaker tried the connection again and closed: the same opening is not followed again, nor
        // recorded as this replica's own.
        breaker(ServiceType.HIGHLEVEL, "shared-a").transitionToCloseState();
        circuits.refresh();
        assertThat(state(ServiceType.HIGHLEVEL, "shared-a")).isEqualTo("CLOSED");
        assertThat(column("opened_by", String.class, "highlevel", "shared-a")).isEqualTo(THERE);
    }

    @Test
    void anOpeningThatRanOutOrIsThisReplicasOwnIsNotFollowed() {
        recordOpening("highlevel", "shared-a", THERE, Instant.now().minusSeconds(60), Duration.ofSeconds(30));
        recordOpening("birdsend", "shared-c", ME, Instant.now(), Duration.ofSeconds(30));
        circuits.refresh();
        assertThat(state(ServiceType.HIGHLEVEL, "shared-a")).isEqualTo("CLOSED");
        assertThat(state(ServiceType.BIRDSEND, "shared-c")).isEqualTo("CLOSED");
    }

    @Test
    void thisReplicasOwnOpeningIsRecordedForTheOthers() {
        circuits.refresh();
        breaker(ServiceType.BIRDSEND, "shared-c").transitionToOpenState();
        Instant before = Instant.now();
        circuits.refresh();
        assertThat(column("opened_by", String.class, "birdsend", "shared-c")).isEqualTo(ME);
        Instant openedAt = column("opened_at", Timestamp.class, "birdsend", "shared-c").toInstant();
        Instant openUntil = column("open_until", Timestamp.class, "birdsend", "shared-c").toInstant();
        assertThat(openedAt).isAfterOrEqualTo(before.minusMillis(1));
        assertThat(Duration.between(openedAt, openUntil)).as("the breaker's wait in the open state (test profile: 1 s)")
                .isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30));
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM outbound_circuit", Integer.class))
                .as("the one opening").isEqualTo(1);
    }

    @Test
    void anOpeningOfOneConnectionOnAnotherReplicaOpensOnlyThatConnectionHere() {
        // The other replica's breaker of shared-a opens, and it records so.
        SharedCircuits there = replica(THERE);
        there.refresh();
        circuits.refresh();
        breaker(ServiceType.HIGHLEVEL, "shared-a").transitionToOpenState();
        there.refresh();
        assertThat(column("opened_by", String.class, "highlevel", "shared-a")).isEqualTo(THERE);

        // Here (the breakers are the same objects in this test: put back as this replica's, closed), only shared-a
        // follows; the same service's shared-b and the BirdSend connection stay closed.
        OutboundRoutesTest.closeBreakers(camel);
        circuits.refresh();
        assertThat(state(ServiceType.HIGHLEVEL, "shared-a")).isEqualTo("OPEN");
        assertThat(state(ServiceType.HIGHLEVEL, "shared-b")).isEqualTo("CLOSED");
        assertThat(state(ServiceType.BIRDSEND, "shared-c")).isEqualTo("CLOSED");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM outbound_circuit", Integer.class))
                .as("following is not opening: nothing recorded by this replica").isEqualTo(1);
    }
}
