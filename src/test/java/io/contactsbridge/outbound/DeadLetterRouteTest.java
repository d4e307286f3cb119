package io.contactsbridge.outbound;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.ops.StatusService;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Routes that opt into {@code bridge-dead-letter}: retries with backoff, then the original message in
 * the store; no retry for what cannot succeed; no second round of retries for outbound failures.
 * Test profile: 2 redeliveries, 10 ms doubling.
 */
@OutboundAppTest
@Timeout(20)
class DeadLetterRouteTest {

    private static final AtomicInteger IDS = new AtomicInteger();

    @Autowired
    CamelContext camel;
    @Autowired
    ProducerTemplate producer;
    @Autowired
    DeadLetterStore store;
    @Autowired
    StatusService status;
    @Autowired
    OutboundTestBeans.FakeTokens tokens;
    @Autowired
    OutboundTestBeans.MutableTargets targets;

    FakeUpstream upstream;
    String routeId;
    String connection;

    @BeforeEach
    void setUp() {
        int n = IDS.incrementAndGet();
        routeId = "dead-letter-test-" + n;
        connection = "dl-conn-" + n;
        upstream = new FakeUpstream("highlevel", "");
        targets.put(connection, ServiceType.HIGHLEVEL, upstream.baseUrl(""));
        tokens.set(connection, "token");
        OutboundRoutesTest.closeBreakers(camel);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (camel.getRoute(routeId) != null) {
            camel.getRouteController().stopRoute(routeId);
            camel.removeRoute(routeId);
        }
        upstream.close();
    }

    @Test
    void aFailingStepIsRetriedThenTheOriginalMessageIsStoredWithoutSecrets() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:" + routeId).routeId(routeId)
                        .routeConfigurationId(DeadLetterErrorHandling.BRIDGE_DEAD_LETTER)
                        .setBody(constant("changed on the way"))
                        .setHeader("Added", constant("later"))
                        .process(e -> {
                            tries.incrementAndGet();
                            throw new IOException("disk on fire");
                        });
            }
        });
        long before = store.count();

        Exchange out = producer.send("direct:" + routeId, e -> {
            e.getMessage().setBody("{\"email\":\"ann@example.com\"}");
            e.getMessage().setHeaders(Map.of("X-Trace", "t-1", "Authorization", "Bearer secret", "apiToken", "s3cr3t",
                    "Complex", new Object(), OutboundHeaders.OPERATION, "create-contact",
                    OutboundHeaders.CONNECTION_ID, "conn-x"));
        });

        assertThat(out.getException()).as("handled by the dead-letter channel").isNull();
        assertThat(tries).hasValue(3);
        DeadLetter letter = store.listByRoute(routeId, 10).get(0);
        assertThat(letter.body()).isEqualTo("{\"email\":\"ann@example.com\"}");
        assertThat(letter.attempts()).isEqualTo(3);
        assertThat(letter.errorClass()).isEqualTo(IOException.class.getName());
        assertThat(letter.errorMessage()).isEqualTo("disk on fire");
        assertThat(letter.operation()).isEqualTo("create-contact");
        assertThat(letter.connectionId()).isEqualTo("conn-x");
        assertThat(letter.headers()).containsEntry("X-Trace", "t-1")
                .doesNotContainKeys("Authorization", "apiToken", "Complex", "Added");
        assertThat(store.count()).isEqualTo(before + 1);
        assertThat(((Number) status.status().get("deadLetters")).longValue()).isEqualTo(store.count());
    }

    @Test
    void aRejectionIsStoredAtOnce() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:" + routeId).routeId(routeId)
                        .routeConfigurationId(DeadLetterErrorHandling.BRIDGE_DEAD_LETTER)
                        .process(e -> {
                            tries.incrementAndGet();
                            throw new UpstreamRejectedException(new UpstreamCall(ServiceType.BIRDSEND, "b1", "get-contact"),
                                    404, UpstreamError.none());
                        });
            }
        });

        producer.sendBody("direct:" + routeId, "payload");

        assertThat(tries).hasValue(1);
        DeadLetter letter = store.listByRoute(routeId, 10).get(0);
        assertThat(letter.attempts()).isEqualTo(1);
        assertThat(letter.operation()).isEqualTo("get-contact");
        assertThat(letter.connectionId()).isEqualTo("b1");
        assertThat(letter.errorMessage()).isEqualTo("BirdSend get-contact failed: 404");
    }

    @Test
    void aYamlRouteCallingTheOutboundLayerIsStoredAfterItsRetriesWithoutASecondRound() throws Exception {
        upstream.otherwise(r -> FakeUpstream.error(503, "{\"message\":\"Service Unavailable\"}"));
        loadYaml(outboundYamlRoute("PUT", "/contacts/c9"));

        Exchange out = producer.send("direct:" + routeId, e -> e.getMessage().setBody("{\"id\":\"c9\"}"));

        assertThat(out.getException()).isNull();
        assertThat(upstream.server.calls().count("update-contact")).as("1 + 3 outbound retries, no more")
                .isEqualTo(4);
        DeadLetter letter = store.listByRoute(routeId, 10).get(0);
        assertThat(letter.errorClass()).isEqualTo(UpstreamUnavailableException.class.getName());
        assertThat(letter.errorMessage()).isEqualTo("HighLevel update-contact failed: 503 Service Unavailable");
        assertThat(letter.body()).isEqualTo("{\"id\":\"c9\"}");
        assertThat(letter.operation()).isEqualTo("update-contact");
        assertThat(letter.connectionId()).isEqualTo(connection);
        assertThat(letter.attempts()).isEqualTo(1);
    }

    @Test
    void aValidationFailureFromTheOutboundLayerIsStoredWithItsFieldsAndNeverRetried() throws Exception {
        upstream.otherwise(r -> FakeUpstream.error(422,
                "{\"statusCode\":422,\"message\":[\"email must be an email\"],\"error\":\"Unprocessable Entity\"}"));
        loadYaml(outboundYamlRoute("PUT", "/contacts/c9"));

        producer.sendBody("direct:" + routeId, "{\"id\":\"c9\",\"email\":\"nope\"}");

        assertThat(upstream.server.calls().count("update-contact")).isEqualTo(1);
        DeadLetter letter = store.listByRoute(routeId, 10).get(0);
        assertThat(letter.errorClass()).isEqualTo(UpstreamRejectedException.class.getName());
        assertThat(letter.errorMessage()).isEqualTo("HighLevel update-contact failed: 422 email must be an email");
        assertThat(letter.attempts()).isEqualTo(1);
    }

    private String outboundYamlRoute(String method, String path) {
        return """
                - route:
                    id: %s
                    routeConfigurationId: bridge-dead-letter
                    from:
                      uri: "direct:%s"
                      steps:
                        - setHeader:
                            name: BridgeConnectionId
                            constant: "%s"
                        - setHeader:
                            name: BridgeOperation
                            constant: update-contact
                        - setHeader:
                            name: BridgeHttpMethod
                            constant: "%s"
                        - setHeader:
                            name: BridgeHttpPath
                            constant: "%s"
                        - to: "direct:highlevel-call"
                """.formatted(routeId, routeId, connection, method, path);
    }

    private void loadYaml(String yaml) throws Exception {
        PluginHelper.getRoutesLoader(camel).loadRoutes(ResourceHelper.fromString(routeId + ".yaml", yaml));
    }
}
