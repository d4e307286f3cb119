package io.contactsbridge.outbound;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.simulator.sim.FaultConfig;
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
 * The HighLevel circuit breaker through an outage of the simulator core (503 with Retry-After until
 * it ends). Test profile: opens after 6 calls with >= 50 % failures, half-opens by itself after 1 s,
 * one trial call; retries every 20-200 ms (Retry-After is capped at 200 ms).
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

    FakeUpstream upstream;
    ResilienceProcessor breaker;

    @BeforeEach
    void setUp() {
        upstream = new FakeUpstream("highlevel", "");
        targets.put("breaker-test", ServiceType.HIGHLEVEL, upstream.baseUrl(""));
        tokens.set("breaker-test", "token");
        OutboundRoutesTest.closeBreakers(camel);
        breaker = camel.getProcessor("highlevel-breaker", ResilienceProcessor.class);
    }

    @AfterEach
    void tearDown() {
        upstream.close();
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
                        + "breaker is open after repeated failures"));
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

    private void awaitState(String state, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!state.equals(breaker.getCircuitBreakerState())) {
            assertThat(System.nanoTime()).as("breaker still %s, waiting for %s", breaker.getCircuitBreakerState(), state)
                    .isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
