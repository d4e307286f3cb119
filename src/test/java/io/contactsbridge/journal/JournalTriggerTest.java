package io.contactsbridge.journal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.ingress.IngressAppTestSupport;
import io.contactsbridge.outbound.DeadLetterStore;
import io.contactsbridge.support.AppTest;
import io.contactsbridge.support.Http;
import io.contactsbridge.support.Waits;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The trigger Kamelets in routes added to the running app: only wanted events, in order, exactly once; a
 * failing route holds its event until it succeeds; a stopped consumer resumes where it committed.
 */
@AppTest
class JournalTriggerTest extends IngressAppTestSupport {

    static final String HL = JournalSources.HIGHLEVEL_WEBHOOK;

    @Autowired
    CamelContext camel;
    @Autowired
    DeadLetterStore deadLetters;

    final List<String> consumers = new ArrayList<>();

    @AfterEach
    void removeTestRoutes() throws Exception {
        for (Route route : List.copyOf(camel.getRoutes())) {
            if (route.getRouteId().startsWith("it-")) {
                camel.getRouteController().stopRoute(route.getRouteId());
                camel.removeRoute(route.getRouteId());
            }
        }
        consumers.forEach(journal::deleteConsumer);
    }

    @Test
    void aYamlRouteReceivesOnlyItsEventTypesInOrderExactlyOnce() throws Exception {
        consumers.add("it-creates");
        PluginHelper.getRoutesLoader(camel).loadRoutes(ResourceHelper.fromString("it-creates.yaml", """
                - route:
                    id: it-creates
                    from:
                      uri: "kamelet:highlevel-webhook-source/it-creates-source"
                      parameters:
                        consumer: it-creates
                        eventTypes: ContactCreate
                        pollIntervalMs: 100
                        startFrom: latest
                      steps:
                        - to: "mock:it-creates"
                """));
        await().atMost(Duration.ofSeconds(10)).until(() -> journal.registered("it-creates"));
        MockEndpoint mock = camel.getEndpoint("mock:it-creates", MockEndpoint.class);

        String a = unique("a");
        String b = unique("b");
        String a1 = append("ContactCreate", a);
        append("ContactUpdate", a);
        journal.append(JournalSources.BIRDSEND_NOTIFICATION, "ContactCreate", unique("n"), "birdsend:1", "{\"contactId\":1}");
        String b1 = append("ContactCreate", b);
        String a3 = append("ContactCreate", a);
        String viaHttp = unique("wh");
        assertThat(postHighLevel(contactEvent("ContactCreate", a, viaHttp)).statusCode()).isEqualTo(200);

        Waits.holds("4 deliveries and no more", Duration.ofMillis(500), Duration.ofSeconds(10),
                () -> mock.getReceivedCounter() == 4);
        assertThat(mock.getReceivedExchanges()).extracting(e -> e.getMessage().getHeader("BridgeEventId"))
                .as("ContactCreate of highlevel-webhook only, in arrival order, once each")
                .containsExactly(a1, b1, a3, viaHttp);
        Exchange first = mock.getReceivedExchanges().get(0);
        assertThat(first.getMessage().getBody(Map.class)).containsEntry("type", "ContactCreate").containsEntry("id", a);
        assertThat(first.getMessage().getHeader("BridgeEventSource")).isEqualTo(HL);
        assertThat(first.getMessage().getHeader("BridgeEventType")).isEqualTo("ContactCreate");
        assertThat(first.getMessage().getHeader("BridgeContactKey")).isEqualTo("highlevel:" + a);
        assertThat(mock.getReceivedExchanges()).extracting(e -> e.getMessage().getHeader("BridgeEventSeq", Long.class)).isSorted();
        await().atMost(Duration.ofSeconds(5)).until(() -> journal.pending("it-creates") == 0);
    }

    @Test
    void aFailingRouteHoldsItsEventAndItsPartitionUntilItSucceeds() throws Exception {
        consumers.add("it-retry");
        Map<String, Integer> attempts = new ConcurrentHashMap<>();
        String flaky = unique("flaky");
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("kamelet:highlevel-webhook-source/it-retry-source?consumer=it-retry&eventTypes=ContactUpdate"
                        + "&pollIntervalMs=50&startFrom=latest")
                        .routeId("it-retry")
                        .process(e -> {
                            String id = e.getMessage().getHeader("BridgeEventId", String.class);
                            if (attempts.merge(id, 1, Integer::sum) <= 2 && id.equals(flaky)) {
                                throw new IllegalStateException("downstream unavailable");
                            }
                        })
                        .to("mock:it-retry");
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> journal.registered("it-retry"));
        MockEndpoint mock = camel.getEndpoint("mock:it-retry", MockEndpoint.class);

        journal.append(HL, "ContactUpdate", flaky, "highlevel:" + unique("c"), "{\"type\":\"ContactUpdate\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> journal.consumers().stream()
                .anyMatch(c -> c.consumerId().equals("it-retry") && c.failedSeq() != null));
        String later = append("ContactUpdate", unique("d"));

        Waits.holds("2 deliveries and no more", Duration.ofMillis(300), Duration.ofSeconds(10),
                () -> mock.getReceivedCounter() == 2);
        assertThat(mock.getReceivedExchanges()).extracting(e -> e.getMessage().getHeader("BridgeEventId"))
                .as("the later event waited for the failing one").containsExactly(flaky, later);
        assertThat(attempts.get(flaky)).isEqualTo(3);
        assertThat(attempts.get(later)).isEqualTo(1);
        ConsumerState state = journal.consumers().stream().filter(c -> c.consumerId().equals("it-retry")).findFirst().orElseThrow();
        assertThat(state.failedSeq()).isNull();
        assertThat(state.position()).isEqualTo(journal.find(HL, later).orElseThrow().seq());
    }

    /**
     * A route that gives up on an event (its own error handling stores a dead letter, as the sync's does) moves on:
     * the event counts as done, once. Camel stops the trigger's pipeline after a handled failure, so the commit step
     * was skipped and the event came back at once, adding a dead letter every time (issue 19's flood).
     */
    @Test
    void aRouteThatDeadLettersAnEventMovesOnWithOneDeadLetter() throws Exception {
        consumers.add("it-give-up");
        Map<String, Integer> attempts = new ConcurrentHashMap<>();
        String poison = unique("poison");
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("kamelet:highlevel-webhook-source/it-give-up-source?consumer=it-give-up&eventTypes=ContactUpdate"
                        + "&pollIntervalMs=50&startFrom=latest")
                        .routeId("it-give-up")
                        .onException(IllegalArgumentException.class).handled(true).useOriginalMessage()
                            .to("bean:deadLetterRecorder?method=record").end()
                        .process(e -> {
                            String id = e.getMessage().getHeader("BridgeEventId", String.class);
                            attempts.merge(id, 1, Integer::sum);
                            if (id.equals(poison)) {
                                throw new IllegalArgumentException("refused for good");
                            }
                        })
                        .to("mock:it-give-up");
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> journal.registered("it-give-up"));
        MockEndpoint mock = camel.getEndpoint("mock:it-give-up", MockEndpoint.class);
        long deadLettersBefore = deadLetters.count();

        journal.append(HL, "ContactUpdate", poison, "highlevel:" + unique("p"), "{\"type\":\"ContactUpdate\"}");
        String later = append("ContactUpdate", unique("q"));

        await().atMost(Duration.ofSeconds(10)).until(() -> mock.getReceivedCounter() >= 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> journal.pending("it-give-up") == 0);
        assertThat(attempts.get(poison)).as("attempts of the refused event").isEqualTo(1);
        assertThat(deadLetters.count() - deadLettersBefore).isEqualTo(1);
        assertThat(mock.getReceivedExchanges()).extracting(e -> e.getMessage().getHeader("BridgeEventId"))
                .containsExactly(later);
    }

    @Test
    void aStoppedConsumerResumesFromItsCommittedPositionWithNothingLost() throws Exception {
        consumers.add("it-restart");
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("kamelet:highlevel-webhook-source/it-restart-source?consumer=it-restart&eventTypes=NoteCreate"
                        + "&pollIntervalMs=50&startFrom=latest")
                        .routeId("it-restart")
                        .to("mock:it-restart");
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> journal.registered("it-restart"));
        MockEndpoint mock = camel.getEndpoint("mock:it-restart", MockEndpoint.class);
        List<String> before = List.of(append("NoteCreate", "n1"), append("NoteCreate", "n2"));
        await().atMost(Duration.ofSeconds(10)).until(() -> mock.getReceivedCounter() >= 2);

        camel.getRouteController().stopRoute("it-restart-source");
        List<String> whileStopped = List.of(append("NoteCreate", "n3"), append("NoteCreate", "n4"), append("NoteCreate", "n5"));
        Waits.holds("nothing delivered while the route is stopped", Duration.ofMillis(300), Duration.ofSeconds(5),
                () -> mock.getReceivedCounter() == 2);
        assertThat(journal.pending("it-restart")).isEqualTo(3);

        camel.getRouteController().startRoute("it-restart-source");
        Waits.holds("5 deliveries and no more", Duration.ofMillis(300), Duration.ofSeconds(10),
                () -> mock.getReceivedCounter() == 5);
        List<String> all = new ArrayList<>(before);
        all.addAll(whileStopped);
        assertThat(mock.getReceivedExchanges()).extracting(e -> e.getMessage().getHeader("BridgeEventId"))
                .containsExactlyElementsOf(all);
    }

    @Test
    void theStatusShowsTheJournalAndItsConsumers() throws Exception {
        consumers.add("it-status");
        journal.register(JournalSubscription.of("it-status", HL, "TaskCreate", 2), StartFrom.LATEST);
        append("TaskCreate", unique("t"));

        JsonNode status = Http.client(port).withBasicAuth("admin", "test-admin-password")
                .getForObject("/api/status", JsonNode.class);

        JsonNode journalStatus = status.path("journal");
        assertThat(journalStatus.path("events").asLong()).isPositive();
        assertThat(journalStatus.path("pending").asLong()).isPositive();
        JsonNode consumer = journalStatus.path("consumers").path("it-status");
        assertThat(consumer.path("lag").asLong()).isEqualTo(1);
        assertThat(consumer.path("partitions").asInt()).isEqualTo(2);
        assertThat(consumer.path("active").asBoolean()).isTrue();
        assertThat(consumer.path("eventTypes").get(0).asText()).isEqualTo("TaskCreate");
        assertThat(consumer.path("blocked").isArray()).isTrue();
    }

    private String append(String type, String contact) {
        String id = unique("ev");
        journal.append(HL, type, id, ContactKeys.highLevel(contact), "{\"type\":\"" + type + "\",\"id\":\"" + contact + "\"}");
        return id;
    }
}
