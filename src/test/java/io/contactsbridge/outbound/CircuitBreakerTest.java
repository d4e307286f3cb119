package io.contactsbridge.outbound;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.simulator.sim.FaultConfig;
import io.contactsbridge.support.Waits;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.component.resilience4j.ResilienceProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A HighLevel connection's circuit breaker through an outage of the simulator core (503 with Retry-After until
 * it ends), and another connection of the service that keeps working meanwhile. Test profile: opens after 6 calls
 * with >= 50 % failures, half-opens by itself after 1 s, one trial call; retries every 20-200 ms (Retry-After is
 * capped at 200 ms).
 */
@OutboundAppTest
@Timeout(20)
class CircuitBreakerTest {

    @Autowired
    CamelContext camel;
    @Autowired
    OutboundClient client;
    @Autowired
    OutboundTestBeans.FakeTokens tokens;
    @Autowired
    OutboundTestBeans.MutableTargets targets;
    @Autowired
    ConnectionSendRoutes sendRoutes;
    @Autowired
    MeterRegistry meters;

    FakeUpstream upstream;
    FakeUpstream other;
    ResilienceProcessor breaker;

    @BeforeEach
    void setUp() throws Exception {
        upstream = new FakeUpstream("highlevel", "");
        other = new FakeUpstream("highlevel-other", "");
        targets.put("breaker-test", ServiceType.HIGHLEVEL, upstream.baseUrl(""));
        targets.put("breaker-other", ServiceType.HIGHLEVEL, other.baseUrl(""));
        tokens.set("breaker-test", "token");
        tokens.set("breaker-other", "other-token");
        sendRoutes.ensure(ServiceType.HIGHLEVEL, "breaker-test");
        OutboundRoutesTest.closeBreakers(camel);
        breaker = camel.getProcessor("highlevel-breaker-breaker-test", ResilienceProcessor.class);
    }

    @AfterEach
    void tearDown() {
        upstream.close();
        other.close();
        OutboundRoutesTest.closeBreakers(camel);
    }

    @Test
    void anOutageOpensTheBreakerWhichFailsFastThenHalfOpensAndClosesByItself() throws InterruptedException {
        upstream.server.faults().startOutage(Duration.ofMillis(1500), FaultConfig.OutageMode.UNAVAILABLE);
        Instant outageEnds = upstream.server.faults().config().outage().end();

        // 1 + 3 attempts, all 503: four failures, too few for the breaker to judge yet.
        assertThatThrownBy(this::getContact).isInstanceOfSatisfying(UpstreamUnavailableException.class,
                e -> assertThat(e.status()).isEqualTo(503));
        assertThat(breaker.getCircuitBreakerState()).isEqualTo("CLOSED");
        // Two more 503s make six failed calls: the breaker opens and this call's last retries find it open.
        assertThatThrownBy(this::getContact).isInstanceOf(CircuitOpenException.class);
        assertThat(breaker.getCircuitBreakerState()).isEqualTo("OPEN");
        long reached = upstream.server.calls().count("get-contact");
        assertThat(reached).isEqualTo(6);

        long start = System.nanoTime();
        assertThatThrownBy(this::getContact).isInstanceOfSatisfying(CircuitOpenException.class, e ->
                assertThat(e.getMessage()).isEqualTo("HighLevel get-contact failed: not sent, the HighLevel circuit "
                        + "breaker of connection breaker-test is open after repeated failures"));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("fails fast").isLessThan(1000);
        assertThat(upstream.server.calls().count("get-contact")).as("nothing reached the service").isEqualTo(reached);

        // Without any call, the breaker lets a trial through after its wait (1 s)...
        awaitState("HALF_OPEN", Duration.ofSeconds(3));
        assertThat(Instant.now()).as("the outage is over by then").isAfter(outageEnds);
        // ...which succeeds now that the outage is over, and closes it.
        assertThat(getContact().status()).isEqualTo(200);
        assertThat(breaker.getCircuitBreakerState()).isEqualTo("CLOSED");
    }

    @Test
    void aConnectionsOutageOpensOnlyItsOwnBreakerAndTheServicesOtherConnectionsKeepCalling() {
        upstream.otherwise(r -> FakeUpstream.error(503, "{\"message\":\"down\"}"));

        // The failing connection's calls (each with its retries), each followed by one of the other connection's,
        // until the failing one's breaker opens: 6 failed attempts, within the second call.
        for (int i = 0; i < 5 && !"OPEN".equals(breaker.getCircuitBreakerState()); i++) {
            assertThatThrownBy(this::getContact).isInstanceOf(TransientUpstreamException.class);
            assertThat(getOther().status()).isEqualTo(200);
        }
        assertThat(breaker.getCircuitBreakerState()).isEqualTo("OPEN");
        assertThatThrownBy(this::getContact).isInstanceOf(CircuitOpenException.class);

        // The other connection's calls go on, reaching its service, and its breaker stays closed.
        long before = other.arrivals().size();
        for (int i = 0; i < 5; i++) {
            assertThat(getOther().status()).isEqualTo(200);
        }
        assertThat(other.arrivals()).hasSize((int) before + 5);
        ResilienceProcessor otherBreaker = camel.getProcessor("highlevel-breaker-breaker-other", ResilienceProcessor.class);
        assertThat(otherBreaker.getCircuitBreakerState()).isEqualTo("CLOSED");
        assertThat(breaker.getCircuitBreakerState()).isEqualTo("OPEN");
        assertThat(otherBreaker.getCircuitBreaker()).as("a breaker of its own").isNotSameAs(breaker.getCircuitBreaker());

        // Each breaker's metrics name its connection.
        assertThat(meters.get("resilience4j.circuitbreaker.state").tags("service", "highlevel", "connection",
                "breaker-test", "state", "open").gauge().value()).isEqualTo(1);
        assertThat(meters.get("resilience4j.circuitbreaker.state").tags("service", "highlevel", "connection",
                "breaker-other", "state", "closed").gauge().value()).isEqualTo(1);
    }

    @Test
    void connectionIdsOutsideLettersDigitsAndDashesGetEscapedKeysOfTheirOwn() {
        assertThat(ConnectionSendRoutes.key("acme-1")).isEqualTo("acme-1");
        assertThat(ConnectionSendRoutes.key("acme_1")).isEqualTo("acme_5F1");
        assertThat(ConnectionSendRoutes.key("acme.1")).isEqualTo("acme_2E1");
        assertThat(ConnectionSendRoutes.key("acme/1 ü")).isEqualTo("acme_2F1_20_C3_BC");
        for (String id : new String[] {"acme-1", "acme_1", "acme_2E1", "acme/1 ü"}) {
            assertThat(ConnectionSendRoutes.connectionOf(ConnectionSendRoutes.key(id))).contains(id);
        }
        assertThat(ConnectionSendRoutes.breakerNamed("birdsend-breaker-acme_2E1"))
                .contains(new ConnectionSendRoutes.ConnectionBreaker(ServiceType.BIRDSEND, "acme.1", "birdsend-breaker-acme_2E1"));
        assertThat(ConnectionSendRoutes.breakerNamed("birdsend-breaker")).isEmpty();
    }

    @Test
    void aConnectionIdWithOtherCharactersGetsItsOwnSendRouteAndBreaker() {
        targets.put("breaker.test_2", ServiceType.HIGHLEVEL, other.baseUrl(""));
        tokens.set("breaker.test_2", "token-2");

        assertThat(client.call("breaker.test_2", "get-contact", "GET", "/contacts/c1", null, null).status()).isEqualTo(200);

        assertThat(camel.getRoute("highlevel-send-breaker_2Etest_5F2")).isNotNull();
        assertThat(camel.getProcessor("highlevel-breaker-breaker_2Etest_5F2", ResilienceProcessor.class)
                .getCircuitBreaker().getName()).isEqualTo("highlevel-breaker-breaker_2Etest_5F2");
    }

    @Test
    void clientErrorsDoNotOpenTheBreaker() {
        upstream.otherwise(r -> FakeUpstream.error(404, "{\"statusCode\":404,\"message\":\"Contact not found\"}"));

        for (int i = 0; i < 8; i++) {
            assertThatThrownBy(this::getContact).isInstanceOf(UpstreamRejectedException.class);
        }

        assertThat(breaker.getCircuitBreakerState()).isEqualTo("CLOSED");
        assertThat(upstream.server.calls().count("get-contact")).isEqualTo(8);
    }

    private OutboundResponse getContact() {
        return client.call("breaker-test", "get-contact", "GET", "/contacts/c1", null, null);
    }

    private OutboundResponse getOther() {
        return client.call("breaker-other", "get-contact", "GET", "/contacts/c2", null, null);
    }

    private void awaitState(String state, Duration timeout) {
        Waits.until("the breaker " + state, timeout, () -> state.equals(breaker.getCircuitBreakerState()),
                Duration.ofMillis(20));
    }
}
