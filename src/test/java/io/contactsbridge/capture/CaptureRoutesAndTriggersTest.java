package io.contactsbridge.capture;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.journal.JournalHeaders;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.simulator.birdsend.BirdSendContactEdit;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import io.contactsbridge.support.Http;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The poll routes of routes/*.yaml, the status they feed, and the trigger Kamelets that deliver what they find. */
@CaptureAppTest
class CaptureRoutesAndTriggersTest extends CaptureTestSupport {

    static final List<String> POLL_ROUTES = List.of(HighLevelContactPoller.ROUTE_ID, BirdSendContactPoller.QUICK_ROUTE_ID,
            BirdSendContactPoller.ROLLING_ROUTE_ID);

    @Autowired
    CamelContext camel;
    @LocalServerPort
    int port;
    @Autowired
    Environment env;

    private static final AtomicInteger TRIGGERS = new AtomicInteger();

    final List<String> consumers = new ArrayList<>();

    @AfterEach
    void stopRoutes() throws Exception {
        for (String id : POLL_ROUTES) {
            camel.getRouteController().stopRoute(id);
        }
        for (Route route : List.copyOf(camel.getRoutes())) {
            if (route.getRouteId().startsWith("it-")) {
                camel.getRouteController().stopRoute(route.getRouteId());
                camel.removeRoute(route.getRouteId());
            }
        }
        consumers.forEach(journal::deleteConsumer);
    }

    @Test
    void thePollRoutesAreLoadedButDoNotStartWhenDisabled() {
        for (String id : POLL_ROUTES) {
            assertThat(camel.getRoute(id)).as(id).isNotNull();
            assertThat(camel.getRouteController().getRouteStatus(id)).as(id).isEqualTo(ServiceStatus.Stopped);
        }
        assertThat(camel.getRoute(HighLevelContactPoller.ROUTE_ID).getEndpoint().getEndpointUri())
                .startsWith("quartz://capture/highlevel-contact-poll")
                .contains("trigger.repeatInterval=" + env.getProperty("bridge.capture.highlevel.interval-ms"));
        assertThat(camel.getRoute(BirdSendContactPoller.QUICK_ROUTE_ID).getEndpoint().getEndpointUri())
                .contains("trigger.repeatInterval=" + env.getProperty("bridge.capture.birdsend.quick-interval-ms"));
        assertThat(camel.getRoute(BirdSendContactPoller.ROLLING_ROUTE_ID).getEndpoint().getEndpointUri())
                .contains("trigger.repeatInterval=" + env.getProperty("bridge.capture.birdsend.rolling-interval-ms"));
    }

    @Test
    void theHighLevelRoutePollsTheSandboxConnectionAndTheStatusShowsIt() throws Exception {
        double polls = metrics.polls(HighLevelContactPoller.SOURCE, "poll", "ok");
        camel.getRouteController().startRoute(HighLevelContactPoller.ROUTE_ID);

        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.polls(HighLevelContactPoller.SOURCE, "poll", "ok") > polls);
        camel.getRouteController().stopRoute(HighLevelContactPoller.ROUTE_ID);

        JsonNode status = Http.client(port).getForObject("/api/status", JsonNode.class).path("capture").path("highlevel-poll");
        assertThat(status.path("connection").asText()).isEqualTo("highlevel");
        assertThat(status.path("status").asText()).isEqualTo("ok");
        assertThat(status.path("enabled").asBoolean()).as("disabled in the test profile").isFalse();
        assertThat(status.path("lastPoll").asText()).isNotBlank();
        assertThat(status.path("cursor").path("dateUpdated").asText()).isNotBlank();
        assertThat(status.path("lastEvents").isObject()).isTrue();
        assertThat(metrics.requestCount(HighLevelContactPoller.SOURCE, "poll")).isPositive();
    }

    @Test
    void theBirdSendQuickRouteRecordsTheBaselineAndTheStatusCountsTheContacts() throws Exception {
        camel.getRouteController().startRoute(BirdSendContactPoller.QUICK_ROUTE_ID);

        await().atMost(Duration.ofSeconds(10)).until(() -> store.find(BirdSendContactPoller.SOURCE, "birdsend")
                .map(PollState::baselineDone).orElse(false));
        camel.getRouteController().stopRoute(BirdSendContactPoller.QUICK_ROUTE_ID);

        JsonNode status = Http.client(port).getForObject("/api/status", JsonNode.class).path("capture").path("birdsend-poll");
        assertThat(status.path("status").asText()).isEqualTo("ok");
        assertThat(status.path("baselineDone").asBoolean()).isTrue();
        assertThat(status.path("lastFullScan").asText()).isNotBlank();
        assertThat(status.path("contactsKnown").asLong()).isEqualTo(sims.birdSend().contacts().size());
        assertThat(status.path("lastEvents").isObject()).isTrue();
    }

    @Test
    void theBirdSendRollingRoutePassesOverEveryContactAgainAndFindsAnEditOfTheOldestOne() throws Exception {
        double passes = metrics.passes(BirdSendContactPoller.SOURCE).count();
        camel.getRouteController().startRoute(BirdSendContactPoller.ROLLING_ROUTE_ID);
        await().atMost(Duration.ofSeconds(20)).until(() -> metrics.passes(BirdSendContactPoller.SOURCE).count() > passes
                && store.find(BirdSendContactPoller.SOURCE, "birdsend").map(PollState::baselineDone).orElse(false));

        BirdSendContactView oldest = sims.birdSend().contacts().stream()
                .min(Comparator.comparingLong(BirdSendContactView::contactId)).orElseThrow();
        String lastName = "Rolling " + UUID.randomUUID().toString().substring(0, 8);
        sims.birdSend().editContact(oldest.contactId(), BirdSendContactEdit.change().field("last_name", lastName));

        await().atMost(Duration.ofSeconds(20)).until(() -> events(BirdSendContactPoller.SOURCE, "birdsend:" + oldest.contactId())
                .stream().anyMatch(e -> e.eventType().equals(BirdSendContactPoller.CONTACT_CHANGED) && e.payload().contains(lastName)));
        camel.getRouteController().stopRoute(BirdSendContactPoller.ROLLING_ROUTE_ID);

        JsonNode status = Http.client(port).getForObject("/api/status", JsonNode.class).path("capture").path("birdsend-poll");
        assertThat(status.path("lastScan").asText()).isEqualTo(BirdSendContactPoller.ROLLING);
        assertThat(status.path("status").asText()).isEqualTo("ok");
        assertThat(status.path("lastPassSeconds").isNumber()).isTrue();
        assertThat(status.path("lastFullScan").asText()).isNotBlank();
    }

    @Test
    void eachTriggerKameletDeliversItsSourceAndEventTypesInOrder() throws Exception {
        Map<String, List<String>> expected = new LinkedHashMap<>();
        expected.put("highlevel-poll-source", List.of("hl:ContactChanged"));
        expected.put("birdsend-poll-source", List.of("bs:ContactCreated", "bs:ContactChanged", "bs:ContactTagsChanged",
                "bs:ContactUnsubscribed", "bs:ContactResubscribed", "bs:ContactDeleted"));
        expected.put("birdsend-new-contacts-source", List.of("bs:ContactCreated"));
        expected.put("birdsend-changed-contacts-source", List.of("bs:ContactChanged"));
        expected.put("birdsend-unsubscribed-contacts-source", List.of("bs:ContactUnsubscribed"));
        expected.put("birdsend-tag-changes-source", List.of("bs:ContactTagsChanged"));
        Map<String, MockEndpoint> mocks = new LinkedHashMap<>();
        for (String kamelet : expected.keySet()) {
            mocks.put(kamelet, loadTrigger(kamelet));
        }

        String run = UUID.randomUUID().toString().substring(0, 8);
        for (String type : expected.get("birdsend-poll-source")) {
            String eventType = type.substring(3);
            journal.append(JournalSources.BIRDSEND_POLL, eventType, run + ":" + eventType, "birdsend:" + run,
                    "{\"contact_id\":1,\"email\":\"a@example.com\",\"changes\":{\"added\":[\"VIP\"]}}");
        }
        journal.append(JournalSources.HIGHLEVEL_POLL, "ContactChanged", run + ":hl", "highlevel:" + run, "{\"id\":\"" + run + "\"}");
        journal.append(JournalSources.HIGHLEVEL_WEBHOOK, "ContactUpdate", run + ":wh", "highlevel:" + run, "{\"id\":\"" + run + "\"}");

        for (Map.Entry<String, List<String>> e : expected.entrySet()) {
            MockEndpoint mock = mocks.get(e.getKey());
            await().atMost(Duration.ofSeconds(10)).until(() -> mock.getReceivedCounter() >= e.getValue().size());
            List<String> received = mock.getReceivedExchanges().stream().map(CaptureRoutesAndTriggersTest::describe).toList();
            assertThat(received).as(e.getKey()).isEqualTo(e.getValue());
        }
        Exchange tags = mocks.get("birdsend-tag-changes-source").getReceivedExchanges().get(0);
        assertThat(tags.getMessage().getBody(Map.class)).extractingByKey("changes").isEqualTo(Map.of("added", List.of("VIP")));
        assertThat(tags.getMessage().getHeader(JournalHeaders.CONTACT_KEY)).isEqualTo("birdsend:" + run);
    }

    @Test
    void aTagChangeFoundByThePollerReachesATagChangesRoute() throws Exception {
        BirdSendAccount account = birdSendAccount();
        BirdSendContactView contact = sims.birdSend().seedContact(account.accountId(),
                BirdSendNewContact.of(uniqueEmail("e2e"), "Kai", "Lund").withTags("Trial"));
        BirdSendContactPoller poller = birdSendPoller(birdSendSettings(account, 100, "contact_id", false, Duration.ofSeconds(10)),
                Duration.ofSeconds(5));
        poller.fullScan();
        MockEndpoint mock = loadTrigger("birdsend-tag-changes-source");
        sims.birdSend().editContact(contact.contactId(), BirdSendContactEdit.change().addTags("Customer").removeTags("Trial"));

        assertThat(poller.quickScan().appended()).isEqualTo(Map.of(BirdSendContactPoller.CONTACT_TAGS_CHANGED, 1));

        await().atMost(Duration.ofSeconds(10)).until(() -> mock.getReceivedCounter() >= 1);
        Map<?, ?> body = mock.getReceivedExchanges().get(0).getMessage().getBody(Map.class);
        assertThat(body.get("email")).isEqualTo(contact.email());
        assertThat(body.get("changes")).isEqualTo(Map.of("added", List.of("Customer"), "removed", List.of("Trial")));
        assertThat(mock.getReceivedExchanges().get(0).getMessage().getHeader(JournalHeaders.CONTACT_KEY))
                .isEqualTo("birdsend:" + contact.contactId());
    }

    /**
     * Adds a route reading the Kamelet into a mock endpoint, starting at the journal's end; returns the mock. Route
     * and consumer ids are new each time: the consumer bean remembers ids it has seen.
     */
    MockEndpoint loadTrigger(String kamelet) throws Exception {
        String consumer = "it-" + kamelet + "-" + TRIGGERS.incrementAndGet();
        consumers.add(consumer);
        PluginHelper.getRoutesLoader(camel).loadRoutes(ResourceHelper.fromString(consumer + ".yaml", """
                - route:
                    id: %1$s
                    from:
                      uri: "kamelet:%2$s/%1$s-source"
                      parameters:
                        consumer: %1$s
                        pollIntervalMs: 100
                        startFrom: latest
                      steps:
                        - to: "mock:%1$s"
                """.formatted(consumer, kamelet)));
        await().atMost(Duration.ofSeconds(10)).until(() -> journal.registered(consumer));
        return camel.getEndpoint("mock:" + consumer, MockEndpoint.class);
    }

    static String describe(Exchange e) {
        String source = e.getMessage().getHeader(JournalHeaders.EVENT_SOURCE, String.class);
        return (source.startsWith("highlevel") ? "hl:" : "bs:") + e.getMessage().getHeader(JournalHeaders.EVENT_TYPE);
    }
}
