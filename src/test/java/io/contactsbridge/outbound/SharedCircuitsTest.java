package io.contactsbridge.outbound;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import javax.sql.DataSource;

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
 * One circuit per service across replicas: this replica follows an opening another replica recorded (once), and
 * records its own. The app's breakers, with a {@link SharedCircuits} of this test's own (replicas are off in the test
 * profile, whose contexts share one store without being replicas of one deployment).
 */
@OutboundAppTest
class SharedCircuitsTest {

    private static final String ME = "replica-here/1";

    @Autowired
    CamelContext camel;
    @Autowired
    DataSource dataSource;
    @Autowired
    RateBudgets budgets;

    JdbcTemplate jdbc;
    SharedCircuits circuits;

    @BeforeEach
    void setUp() {
        jdbc = new JdbcTemplate(dataSource);
        jdbc.update("DELETE FROM outbound_circuit");
        ReplicaProperties props = new ReplicaProperties(true, Duration.ofSeconds(2), Duration.ofSeconds(10));
        RateAllotment allotment = new RateAllotment(new ReplicaMembers(jdbc, Clock.systemUTC()), budgets, props,
                Duration.ZERO, ME, System::nanoTime);
        circuits = new SharedCircuits(camel, jdbc, Clock.systemUTC(), allotment, props);
        OutboundRoutesTest.closeBreakers(camel);
    }

    @AfterEach
    void tearDown() {
        OutboundRoutesTest.closeBreakers(camel);
        jdbc.update("DELETE FROM outbound_circuit");
    }

    private ResilienceProcessor breaker(String service) {
        return camel.getProcessor(service + "-breaker", ResilienceProcessor.class);
    }

    private void recordOpening(String service, String by, Instant at, Duration open) {
        jdbc.update("INSERT INTO outbound_circuit (service, opened_by, opened_at, open_until) VALUES (?, ?, ?, ?)",
                service, by, Timestamp.from(at), Timestamp.from(at.plus(open)));
    }

    @Test
    void anOpeningAnotherReplicaRecordedOpensThisReplicasBreakerOnce() {
        recordOpening("highlevel", "replica-there/2", Instant.now(), Duration.ofSeconds(30));
        circuits.refresh();
        assertThat(breaker("highlevel").getCircuitBreakerState()).isEqualTo("OPEN");
        assertThat(breaker("birdsend").getCircuitBreakerState()).as("the other service's circuit").isEqualTo("CLOSED");

        // This replica's breaker tried the service again and closed: the same opening is not followed again, nor
        // recorded as this replica's own.
        breaker("highlevel").transitionToCloseState();
        circuits.refresh();
        assertThat(breaker("highlevel").getCircuitBreakerState()).isEqualTo("CLOSED");
        assertThat(jdbc.queryForObject("SELECT opened_by FROM outbound_circuit WHERE service = 'highlevel'", String.class))
                .isEqualTo("replica-there/2");
    }

    @Test
    void anOpeningThatRanOutOrIsThisReplicasOwnIsNotFollowed() {
        recordOpening("highlevel", "replica-there/2", Instant.now().minusSeconds(60), Duration.ofSeconds(30));
        recordOpening("birdsend", ME, Instant.now(), Duration.ofSeconds(30));
        circuits.refresh();
        assertThat(breaker("highlevel").getCircuitBreakerState()).isEqualTo("CLOSED");
        assertThat(breaker("birdsend").getCircuitBreakerState()).isEqualTo("CLOSED");
    }

    @Test
    void thisReplicasOwnOpeningIsRecordedForTheOthers() {
        circuits.refresh();
        breaker("birdsend").transitionToOpenState();
        Instant before = Instant.now();
        circuits.refresh();
        assertThat(jdbc.queryForObject("SELECT opened_by FROM outbound_circuit WHERE service = 'birdsend'", String.class))
                .isEqualTo(ME);
        Instant openedAt = jdbc.queryForObject("SELECT opened_at FROM outbound_circuit WHERE service = 'birdsend'",
                (rs, i) -> rs.getTimestamp(1).toInstant());
        Instant openUntil = jdbc.queryForObject("SELECT open_until FROM outbound_circuit WHERE service = 'birdsend'",
                (rs, i) -> rs.getTimestamp(1).toInstant());
        assertThat(openedAt).isAfterOrEqualTo(before.minusMillis(1));
        assertThat(Duration.between(openedAt, openUntil)).as("the breaker's wait in the open state (test profile: 1 s)")
                .isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30));
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM outbound_circuit WHERE service = 'highlevel'", Integer.class))
                .isZero();
    }
}
