package io.contactsbridge.ingress;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.journal.JournalEvent;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalSubscription;
import io.contactsbridge.journal.StartFrom;
import io.contactsbridge.simulator.highlevel.HighLevelEvent;
import io.contactsbridge.simulator.highlevel.HighLevelWebhookPublisher;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.support.AppTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code POST /webhooks/highlevel} and {@code POST /webhooks/birdsend} over real HTTP, through the running app. */
@AppTest
class WebhookIngressTest extends IngressAppTestSupport {

    static final String HL = JournalSources.HIGHLEVEL_WEBHOOK;
    static final String BS = JournalSources.BIRDSEND_NOTIFICATION;

    @Autowired
    IngressMetrics metrics;

    @Autowired
    FilterRegistrationBean<WebhookRequestLimits> limits;

    // ---- HighLevel ------------------------------------------------------------------------------

    @Test
    void aWebhookWithAValidEd25519SignatureIsStoredBeforeTheAnswer() throws Exception {
        String webhookId = unique("wh");
        byte[] body = contactEvent("ContactCreate", "c-ed", webhookId);
        double accepted = metrics.count(HL, "accepted", "none");

        HttpResponse<String> response = post("/webhooks/highlevel", body, "x-ghl-signature", KEYS.signEd25519(body));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).path("result").asText()).isEqualTo("stored");
        JournalEvent stored = journal.find(HL, webhookId).orElseThrow();
        assertThat(stored.payload().getBytes(StandardCharsets.UTF_8)).as("byte for byte as received").isEqualTo(body);
        assertThat(stored.eventType()).isEqualTo("ContactCreate");
        assertThat(stored.contactKey()).isEqualTo("highlevel:c-ed");
        assertThat(metrics.count(HL, "accepted", "none")).isEqualTo(accepted + 1);
    }

    @Test
    void theEd25519SignatureDecidesWhenItsKeyIsConfigured() throws Exception {
        String goodId = unique("wh");
        byte[] good = contactEvent("ContactUpdate", "c-ed", goodId);
        assertThat(post("/webhooks/highlevel", good, "x-ghl-signature", KEYS.signEd25519(good),
                "x-wh-signature", "bm90IGEgc2lnbmF0dXJl").statusCode()).isEqualTo(200);
        assertThat(journal.find(HL, goodId)).isPresent();

        String badId = unique("wh");
        byte[] bad = contactEvent("ContactUpdate", "c-ed", badId);
        HttpResponse<String> refused = post("/webhooks/highlevel", bad, "x-ghl-signature", KEYS.signEd25519(good),
                "x-wh-signature", KEYS.signRsa(bad));
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(json(refused).path("error").asText()).isEqualTo("invalid_signature");
        assertThat(journal.find(HL, badId)).isEmpty();
    }

    @Test
    void anRsaSignatureAloneIsRefusedWhileTheLegacyOptionIsOff() throws Exception {
        String webhookId = unique("wh");
        byte[] body = contactEvent("ContactCreate", "c-rsa", webhookId);

        HttpResponse<String> response = post("/webhooks/highlevel", body, "x-wh-signature", KEYS.signRsa(body));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(json(response).path("error").asText()).isEqualTo("missing_signature");
        assertThat(json(response).path("message").asText()).contains("no x-ghl-signature header")
                .contains("bridge.highlevel.webhook.legacy-rsa-enabled=true");
        assertThat(journal.find(HL, webhookId)).isEmpty();
    }

    @Test
    void aWrongSignatureIsRefusedAndNothingIsStored() throws Exception {
        String webhookId = unique("wh");
        byte[] signed = contactEvent("ContactCreate", "c-1", webhookId);
        byte[] tampered = new String(signed, StandardCharsets.UTF_8).replace("Ada", "Eve").getBytes(StandardCharsets.UTF_8);
        double before = metrics.count(HL, "rejected", "invalid_signature");

        HttpResponse<String> response = post("/webhooks/highlevel", tampered, "x-ghl-signature", KEYS.signEd25519(signed));

        assertThat(response.statusCode()).isEqualTo(401);
        JsonNode error = json(response);
        assertThat(error.path("status").asInt()).isEqualTo(401);
        assertThat(error.path("error").asText()).isEqualTo("invalid_signature");
        assertThat(error.path("message").asText()).contains("does not match").contains("ed25519-public-key")
                .doesNotContain(KEYS.signEd25519(signed));
        assertThat(response.headers().firstValue("x-ghl-signature")).as("nothing echoed").isEmpty();
        assertThat(journal.find(HL, webhookId)).isEmpty();
        assertThat(metrics.count(HL, "rejected", "invalid_signature")).isEqualTo(before + 1);
    }

    @Test
    void aWebhookWithoutSignatureIsRefused() throws Exception {
        String webhookId = unique("wh");
        HttpResponse<String> response = post("/webhooks/highlevel", contactEvent("ContactCreate", "c-1", webhookId));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(json(response).path("error").asText()).isEqualTo("missing_signature");
        assertThat(json(response).path("message").asText()).isEqualTo("The request carries no x-ghl-signature header: "
                + "HighLevel signs every webhook with Ed25519 in x-ghl-signature, so a request without it is refused.");
        assertThat(journal.find(HL, webhookId)).isEmpty();
    }

    @Test
    void aSignedBodyThatIsNotJsonIsABadRequest() throws Exception {
        long before = journal.count();
        HttpResponse<String> response = postHighLevel("{\"type\": \"ContactCreate\", oops".getBytes(StandardCharsets.UTF_8));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).path("error").asText()).isEqualTo("malformed_json");
        assertThat(journal.count()).isEqualTo(before);
    }

    @Test
    void aBodyOverOneMebibyteIsRefusedWith413WithOrWithoutContentLength() throws Exception {
        byte[] tooBig = new byte[1024 * 1024 + 1];
        Arrays.fill(tooBig, (byte) ' ');
        double before = metrics.count(HL, "rejected", "payload_too_large");

        HttpResponse<String> declared = post("/webhooks/highlevel", tooBig);
        assertThat(declared.statusCode()).isEqualTo(413);
        assertThat(json(declared).path("error").asText()).isEqualTo("payload_too_large");

        HttpResponse<String> chunked = HTTP.send(HttpRequest.newBuilder(url("/webhooks/highlevel"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(tooBig))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(metrics.count(HL, "rejected", "payload_too_large")).isEqualTo(before + 2);

        byte[] atLimit = Arrays.copyOf(tooBig, 1024 * 1024);
        assertThat(post("/webhooks/highlevel", atLimit).statusCode()).as("exactly 1 MiB passes the size check")
                .isEqualTo(401);
    }

    @Test
    void aStaleOrMissingTimestampIsRefusedAsAPossibleReplay() throws Exception {
        String oldId = unique("wh");
        HttpResponse<String> old = postHighLevel(contactEvent("ContactCreate", "c-1", oldId, Instant.now().minus(Duration.ofMinutes(6))));
        assertThat(old.statusCode()).isEqualTo(401);
        assertThat(json(old).path("error").asText()).isEqualTo("stale_timestamp");
        assertThat(json(old).path("message").asText()).contains("replayed");
        assertThat(journal.find(HL, oldId)).isEmpty();

        String futureId = unique("wh");
        HttpResponse<String> future = postHighLevel(contactEvent("ContactCreate", "c-1", futureId, Instant.now().plus(Duration.ofMinutes(6))));
        assertThat(future.statusCode()).isEqualTo(401);
        assertThat(journal.find(HL, futureId)).isEmpty();

        String noTimeId = unique("wh");
        byte[] noTimestamp = ("{\"type\":\"ContactCreate\",\"id\":\"c-1\",\"webhookId\":\"" + noTimeId + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> missing = postHighLevel(noTimestamp);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(json(missing).path("error").asText()).isEqualTo("missing_timestamp");
        assertThat(journal.find(HL, noTimeId)).isEmpty();
    }

    @Test
    void anUnknownEventTypeIsAcknowledgedButNotStored() throws Exception {
        String webhookId = unique("wh");
        HttpResponse<String> response = postHighLevel(contactEvent("OpportunityCreate", "c-1", webhookId));

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(json(response).path("result").asText()).isEqualTo("ignored");
        assertThat(journal.find(HL, webhookId)).isEmpty();
    }

    @Test
    void aRepeatedWebhookIdIsAcknowledgedAndStoredOnce() throws Exception {
        String webhookId = unique("wh");
        byte[] body = contactEvent("ContactTagUpdate", "c-dup", webhookId);
        assertThat(postHighLevel(body).statusCode()).isEqualTo(200);
        long afterFirst = journal.count();
        double duplicates = metrics.count(HL, "duplicate", "none");

        HttpResponse<String> again = postHighLevel(body);

        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).path("result").asText()).isEqualTo("duplicate");
        assertThat(journal.count()).isEqualTo(afterFirst);
        assertThat(metrics.count(HL, "duplicate", "none")).isEqualTo(duplicates + 1);
        assertThat(journal.events(List.of(HL), 0, 10_000)).filteredOn(e -> e.eventId().equals(webhookId)).hasSize(1);
    }

    @Test
    void aBacklogBeyondTheLimitAnswers429UntilItIsGone() throws Exception {
        // A consumer of HighLevel webhooks that wants only TaskDelete and never consumes: MAX_PENDING + 1 behind.
        journal.register(JournalSubscription.of("overload-probe", HL, "TaskDelete", 1), StartFrom.LATEST);
        for (int i = 0; i <= MAX_PENDING; i++) {
            journal.append(HL, "TaskDelete", unique("backlog"), "highlevel:backlog", "{\"type\":\"TaskDelete\"}");
        }
        String webhookId = unique("wh");
        byte[] body = contactEvent("ContactCreate", "c-busy", webhookId);
        try {
            HttpResponse<String> busy = postHighLevel(body);
            assertThat(busy.statusCode()).isEqualTo(429);
            assertThat(busy.headers().firstValue("Retry-After")).isPresent();
            assertThat(json(busy).path("error").asText()).isEqualTo("overloaded");
            assertThat(json(busy).path("message").asText()).contains("overload-probe");
            assertThat(journal.find(HL, webhookId)).isEmpty();
        } finally {
            journal.deleteConsumer("overload-probe");
        }
        assertThat(postHighLevel(body).statusCode()).as("HighLevel's retry gets through").isEqualTo(200);
        assertThat(journal.find(HL, webhookId)).isPresent();
    }

    @Test
    void webhooksFromTheHighLevelSimulatorsPublisherLandInTheJournal() throws Exception {
        try (HighLevelWebhookPublisher publisher = new HighLevelWebhookPublisher(SimClock.system(), KEYS)) {
            publisher.setTargetUrl(url("/webhooks/highlevel").toString());
            String contactId = unique("sim");
            ObjectNode contact = SimJson.object().put("id", contactId).put("email", "grace@example.com")
                    .put("firstName", "Grace").put("lastName", "Hopper");
            publisher.onEvent(new HighLevelEvent("ContactCreate", "loc-sim", contact));
            publisher.onEvent(new HighLevelEvent("ContactUpdate", "loc-sim", contact.deepCopy().put("firstName", "Amazing Grace")));
            publisher.onEvent(new HighLevelEvent("NoteCreate", "loc-sim",
                    SimJson.object().put("id", "note-1").put("body", "met at the conference").put("contactId", contactId)));
            assertThat(publisher.awaitIdle(Duration.ofSeconds(10))).isTrue();

            List<HighLevelWebhookPublisher.Delivery> deliveries = publisher.deliveries();
            assertThat(deliveries).hasSize(3).allSatisfy(d -> {
                assertThat(d.state()).isEqualTo(HighLevelWebhookPublisher.State.DELIVERED);
                assertThat(d.status()).isEqualTo(200);
            });
            List<JournalEvent> stored = new ArrayList<>();
            for (HighLevelWebhookPublisher.Delivery d : deliveries) {
                JournalEvent event = journal.find(HL, d.webhookId()).orElseThrow();
                assertThat(event.payload()).isEqualTo(d.payload());
                assertThat(event.contactKey()).isEqualTo("highlevel:" + contactId);
                stored.add(event);
            }
            assertThat(stored).extracting(JournalEvent::eventType).as("one contact's webhooks, in order")
                    .containsExactly("ContactCreate", "ContactUpdate", "NoteCreate");
            assertThat(stored).extracting(JournalEvent::seq).isSorted();
        }
    }

    // ---- BirdSend -------------------------------------------------------------------------------

    @Test
    void aBirdSendNotificationWithAValidHmacIsStoredOnce() throws Exception {
        byte[] body = "{\"contactId\": 4711}".getBytes(StandardCharsets.UTF_8);
        long now = Instant.now().getEpochSecond();

        HttpResponse<String> response = post("/webhooks/birdsend", body, birdSendHeaders(body, now, BIRDSEND_SECRET));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).path("result").asText()).isEqualTo("stored");
        JournalEvent stored = journal.find(BS, "birdsend:4711@" + now).orElseThrow();
        assertThat(stored.eventType()).isEqualTo("ContactNotified");
        assertThat(stored.contactKey()).isEqualTo("birdsend:4711");
        assertThat(stored.payload()).isEqualTo("{\"contactId\": 4711}");

        HttpResponse<String> again = post("/webhooks/birdsend", body, birdSendHeaders(body, now, BIRDSEND_SECRET));
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).path("result").asText()).isEqualTo("duplicate");

        byte[] byEmail = "{\"email\": \"Someone@Example.com\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(post("/webhooks/birdsend", byEmail, birdSendHeaders(byEmail, now, BIRDSEND_SECRET)).statusCode()).isEqualTo(200);
        assertThat(journal.find(BS, "email:someone@example.com@" + now)).isPresent();
    }

    @Test
    void aBirdSendNotificationWithAWrongOrStaleSignatureIsRefused() throws Exception {
        byte[] body = "{\"contactId\": 815}".getBytes(StandardCharsets.UTF_8);
        long now = Instant.now().getEpochSecond();

        HttpResponse<String> wrongSecret = post("/webhooks/birdsend", body, birdSendHeaders(body, now, "some-other-secret-0123456789"));
        assertThat(wrongSecret.statusCode()).isEqualTo(401);
        assertThat(json(wrongSecret).path("error").asText()).isEqualTo("invalid_signature");
        assertThat(wrongSecret.body()).doesNotContain(BIRDSEND_SECRET);

        String[] signedNow = birdSendHeaders(body, now, BIRDSEND_SECRET);
        HttpResponse<String> otherTimestamp = post("/webhooks/birdsend", body, "X-Bridge-Timestamp", String.valueOf(now + 1),
                "X-Bridge-Signature", signedNow[3]);
        assertThat(otherTimestamp.statusCode()).as("the timestamp is signed too").isEqualTo(401);

        long stale = now - Duration.ofMinutes(6).toSeconds();
        HttpResponse<String> old = post("/webhooks/birdsend", body, birdSendHeaders(body, stale, BIRDSEND_SECRET));
        assertThat(old.statusCode()).isEqualTo(401);
        assertThat(json(old).path("error").asText()).isEqualTo("stale_timestamp");

        HttpResponse<String> unsigned = post("/webhooks/birdsend", body);
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(json(unsigned).path("error").asText()).isEqualTo("missing_signature");

        assertThat(journal.find(BS, "birdsend:815@" + now)).isEmpty();
        assertThat(journal.find(BS, "birdsend:815@" + stale)).isEmpty();
    }

    @Test
    void aBirdSendNotificationMustNameAContact() throws Exception {
        long now = Instant.now().getEpochSecond();
        byte[] nobody = "{\"name\": \"Ada\"}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> response = post("/webhooks/birdsend", nobody, birdSendHeaders(nobody, now, BIRDSEND_SECRET));
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).path("error").asText()).isEqualTo("missing_contact");

        byte[] broken = "contactId=5".getBytes(StandardCharsets.UTF_8);
        assertThat(post("/webhooks/birdsend", broken, birdSendHeaders(broken, now, BIRDSEND_SECRET)).statusCode()).isEqualTo(400);
    }
}
