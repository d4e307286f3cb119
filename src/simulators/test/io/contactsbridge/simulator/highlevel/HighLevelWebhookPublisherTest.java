package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import static io.contactsbridge.simulator.highlevel.HighLevelWebhookPayloadsTest.fieldNames;
import static io.contactsbridge.simulator.highlevel.HighLevelWebhookPayloadsTest.withEnvelope;
import static org.assertj.core.api.Assertions.assertThat;

class HighLevelWebhookPublisherTest {

    /** RSA key generation takes up to seconds; one set of keys serves every test. */
    private static final HighLevelWebhookKeys KEYS = HighLevelWebhookKeys.generate();
    private static final Duration WAIT = Duration.ofSeconds(5);

    /** 10 real-service minutes last 10 ms. */
    private final SimClock clock = SimClock.scaled(60_000);
    private final HighLevelWebhookPublisher publisher = new HighLevelWebhookPublisher(clock, KEYS);
    private final Receiver receiver = new Receiver();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        receiver.start();
        publisher.setTargetUrl(receiver.url());
    }

    @AfterEach
    void stop() {
        publisher.close();
        receiver.stop();
    }

    @Test
    void webhooksAreSignedWithEd25519AndRsaOnlyWhenSwitchedOnAndVerifyAgainstThePublishedPublicKeys() throws Exception {
        SimServer admin = new SimServer("highlevel-webhook-admin-test", clock);
        publisher.registerAdminRoutes(admin);
        admin.start(0);
        JsonNode keys;
        try {
            keys = SimJson.parse(http.send(HttpRequest.newBuilder(admin.uri("/__admin/webhooks/public-keys")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
        } finally {
            admin.stop();
        }
        String rsaPem = keys.path("x-wh-signature").path("publicKeyPem").asText();
        String edPem = keys.path("x-ghl-signature").path("publicKeyPem").asText();
        assertThat(rsaPem).startsWith("-----BEGIN PUBLIC KEY-----\n").endsWith("-----END PUBLIC KEY-----\n");
        assertThat(rsaPem.lines().skip(1).findFirst().orElseThrow()).hasSize(64);
        assertThat(keys.path("x-ghl-signature").path("publicKeyBase64").asText())
                .isEqualTo(KEYS.ed25519PublicKeyBase64());
        // The raw 32-byte key, as HighLevel's marketplace shows it: the SubjectPublicKeyInfo without its DER header.
        assertThat(Base64.getDecoder().decode(keys.path("x-ghl-signature").path("rawPublicKeyBase64").asText()))
                .hasSize(32).isEqualTo(HexFormat.of().parseHex(keys.path("x-ghl-signature").path("rawPublicKeyHex").asText()));
        assertThat("302a300506032b6570032100" + keys.path("x-ghl-signature").path("rawPublicKeyHex").asText())
                .isEqualTo(HexFormat.of().formatHex(KEYS.ed25519PublicKey().getEncoded()));
        PublicKey rsa = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(pemBody(rsaPem)));
        PublicKey ed = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(pemBody(edPem)));

        publisher.onEvent(new HighLevelEvent("ContactCreate", "ve9EPM428h8vShlRW1KT",
                HighLevelWebhookPayloadsTest.apiContact()));
        assertThat(publisher.awaitIdle(WAIT)).isTrue();

        Received hook = receiver.only();
        assertThat(hook.contentType()).startsWith("application/json");
        assertThat(hook.rsaSignature()).as("HighLevel no longer sends x-wh-signature").isNull();
        assertThat(verify("Ed25519", ed, hook.body(), hook.ed25519Signature())).isTrue();

        publisher.setRsaSignatures(true);
        publisher.onEvent(new HighLevelEvent("ContactUpdate", "ve9EPM428h8vShlRW1KT",
                HighLevelWebhookPayloadsTest.apiContact()));
        assertThat(publisher.awaitIdle(WAIT)).isTrue();
        Received legacy = receiver.received().get(1);
        assertThat(verify("SHA256withRSA", rsa, legacy.body(), legacy.rsaSignature())).isTrue();
        assertThat(verify("Ed25519", ed, legacy.body(), legacy.ed25519Signature())).isTrue();
        byte[] tamperedLegacy = legacy.body().clone();
        tamperedLegacy[tamperedLegacy.length - 2] ^= 1;
        assertThat(verify("SHA256withRSA", rsa, tamperedLegacy, legacy.rsaSignature())).isFalse();
        // the signatures cover the exact bytes: one changed byte fails them
        byte[] tampered = hook.body().clone();
        tampered[tampered.length - 2] ^= 1;
        assertThat(verify("Ed25519", ed, tampered, hook.ed25519Signature())).isFalse();

        JsonNode payload = hook.json();
        assertThat(fieldNames(payload)).containsExactlyInAnyOrderElementsOf(
                withEnvelope(HighLevelWebhookPayloadsTest.CONTACT_DOC_FIELDS));
        assertThat(payload.path("webhookId").asText()).isEqualTo(publisher.deliveries().get(0).webhookId());
        assertThat(Instant.parse(payload.path("timestamp").asText())).isCloseTo(Instant.now(),
                org.assertj.core.api.Assertions.within(5, java.time.temporal.ChronoUnit.SECONDS));
    }

    @Test
    void theDocumentedPayloadsArriveForEveryEventKind() throws Exception {
        publisher.onEvent(new HighLevelEvent("ContactTagUpdate", "loc1", HighLevelWebhookPayloadsTest.apiContact()));
        publisher.onEvent(new HighLevelEvent("NoteCreate", "loc1", HighLevelWebhookPayloadsTest.apiNote()));
        publisher.onEvent(new HighLevelEvent("TaskComplete", "loc1", HighLevelWebhookPayloadsTest.apiTask()));
        publisher.onEvent(new HighLevelEvent("AppointmentCreate", "loc1", HighLevelWebhookPayloadsTest.apiAppointment()));
        assertThat(publisher.awaitIdle(WAIT)).isTrue();

        assertThat(receiver.received()).hasSize(4);
        JsonNode tag = receiver.ofType("ContactTagUpdate").json();
        assertThat(fieldNames(tag)).containsExactlyInAnyOrderElementsOf(
                withEnvelope(HighLevelWebhookPayloadsTest.CONTACT_DOC_FIELDS));
        assertThat(tag.path("tags").size()).isEqualTo(2);
        assertThat(fieldNames(receiver.ofType("NoteCreate").json())).containsExactlyInAnyOrderElementsOf(
                withEnvelope(HighLevelWebhookPayloadsTest.NOTE_DOC_FIELDS));
        assertThat(fieldNames(receiver.ofType("TaskComplete").json())).containsExactlyInAnyOrderElementsOf(
                withEnvelope(HighLevelWebhookPayloadsTest.TASK_DOC_FIELDS));
        JsonNode appointment = receiver.ofType("AppointmentCreate").json();
        assertThat(appointment.path("appointment").path("calendarId").asText()).isEqualTo("BqTwX8QFwXzpegMve9EQ");
        assertThat(publisher.deliveries()).allSatisfy(d -> {
            assertThat(d.state()).isEqualTo(HighLevelWebhookPublisher.State.DELIVERED);
            assertThat(d.status()).isEqualTo(200);
            assertThat(d.attempts()).isEqualTo(1);
        });
    }

    @Test
    void a429IsRetriedSixTimesTenScaledMinutesApart() throws Exception {
        receiver.respond(hook -> 429);
        publisher.onEvent(contactEvent("ContactUpdate", "c1"));
        assertThat(publisher.awaitIdle(WAIT)).isTrue();

        List<Received> attempts = receiver.received();
        assertThat(attempts).hasSize(7); // the first try and six retries
        assertThat(attempts).extracting(Received::body).allSatisfy(body ->
                assertThat(body).isEqualTo(attempts.get(0).body())); // same bytes, same webhookId
        for (int i = 1; i < attempts.size(); i++) {
            // 10 minutes at time scale 60,000: at least 10 ms between attempts
            assertThat(Duration.between(attempts.get(i - 1).at(), attempts.get(i).at())).isGreaterThanOrEqualTo(Duration.ofMillis(9));
        }
        HighLevelWebhookPublisher.Delivery delivery = publisher.deliveries().get(0);
        assertThat(delivery.state()).isEqualTo(HighLevelWebhookPublisher.State.FAILED);
        assertThat(delivery.status()).isEqualTo(429);
        assertThat(delivery.attempts()).isEqualTo(7);
    }

    @Test
    void a429FollowedBySuccessIsDeliveredOnTheRetry() throws Exception {
        receiver.respond(hook -> receiver.received().size() <= 2 ? 429 : 204);
        publisher.onEvent(contactEvent("ContactCreate", "c1"));
        assertThat(publisher.awaitIdle(WAIT)).isTrue();
        HighLevelWebhookPublisher.Delivery delivery = publisher.deliveries().get(0);
        assertThat(delivery.state()).isEqualTo(HighLevelWebhookPublisher.State.DELIVERED);
        assertThat(delivery.status()).isEqualTo(204);
        assertThat(delivery.attempts()).isEqualTo(3);
    }

    @Test
    void anyOtherAnswerIsFinal() throws Exception {
        receiver.respond(hook -> hook.json().path("id").asText().equals("c500") ? 500 : 400);
        publisher.onEvent(contactEvent("ContactCreate", "c500"));
        publisher.onEvent(contactEvent("ContactCreate", "c400"));
        assertThat(publisher.awaitIdle(WAIT)).isTrue();
        Thread.sleep(50); // five retry intervals: a wrongly scheduled retry would have arrived by now
        assertThat(receiver.received()).hasSize(2);
        assertThat(publisher.deliveries()).extracting(HighLevelWebhookPublisher.Delivery::status)
                .containsExactlyInAnyOrder(500, 400);
        assertThat(publisher.deliveries()).allSatisfy(d -> {
            assertThat(d.state()).isEqualTo(HighLevelWebhookPublisher.State.FAILED);
            assertThat(d.attempts()).isEqualTo(1);
        });
    }

    @Test
    void anUnreachableReceiverIsFinalToo() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        publisher.setTargetUrl("http://127.0.0.1:" + closedPort + "/hooks");
        publisher.onEvent(contactEvent("ContactDelete", "c1"));
        assertThat(publisher.awaitIdle(WAIT)).isTrue();
        HighLevelWebhookPublisher.Delivery delivery = publisher.deliveries().get(0);
        assertThat(delivery.state()).isEqualTo(HighLevelWebhookPublisher.State.FAILED);
        assertThat(delivery.status()).isNull();
        assertThat(delivery.error()).isNotBlank();
        assertThat(delivery.attempts()).isEqualTo(1);
    }

    @Test
    void eventsOfOneContactStayInOrderWhileOtherContactsProceed() throws Exception {
        SimClock slower = SimClock.scaled(2_000); // 10 minutes last 300 ms
        try (HighLevelWebhookPublisher ordered = new HighLevelWebhookPublisher(slower, KEYS)) {
            ordered.setTargetUrl(receiver.url());
            AtomicBoolean refusedOnce = new AtomicBoolean();
            receiver.respond(hook -> hook.json().path("id").asText().equals("alice")
                    && refusedOnce.compareAndSet(false, true) ? 429 : 200);
            ordered.onEvent(contactEvent("ContactCreate", "alice"));
            ordered.onEvent(contactEvent("ContactUpdate", "alice"));
            ordered.onEvent(contactEvent("ContactCreate", "bob"));
            assertThat(ordered.awaitIdle(WAIT)).isTrue();

            List<String> arrivals = receiver.received().stream()
                    .map(r -> r.json().path("type").asText() + ":" + r.json().path("id").asText())
                    .toList();
            assertThat(arrivals.stream().filter(a -> a.endsWith(":alice")).toList()).containsExactly(
                    "ContactCreate:alice",   // 429
                    "ContactCreate:alice",   // the retry, 300 ms later
                    "ContactUpdate:alice");  // only after the create got through
            // bob was not held back by alice's retry
            assertThat(arrivals.indexOf("ContactCreate:bob")).isLessThan(arrivals.lastIndexOf("ContactCreate:alice"));
        }
    }

    @Test
    void deliveriesCanBeDroppedPausedOrSkipped() throws Exception {
        publisher.dropNext(1);
        publisher.onEvent(contactEvent("ContactCreate", "lost"));
        publisher.onEvent(contactEvent("ContactCreate", "kept"));
        assertThat(publisher.awaitIdle(WAIT)).isTrue();
        assertThat(receiver.received()).extracting(r -> r.json().path("id").asText()).containsExactly("kept");
        assertThat(publisher.deliveries()).extracting(HighLevelWebhookPublisher.Delivery::state)
                .containsExactly(HighLevelWebhookPublisher.State.DROPPED, HighLevelWebhookPublisher.State.DELIVERED);

        publisher.setPaused(true);
        publisher.onEvent(contactEvent("ContactUpdate", "kept"));
        assertThat(publisher.awaitIdle(Duration.ofMillis(200))).isFalse();
        assertThat(receiver.received()).hasSize(1);
        publisher.setPaused(false);
        assertThat(publisher.awaitIdle(WAIT)).isTrue();
        assertThat(receiver.received()).hasSize(2);

        publisher.setDropRate(1.0);
        publisher.onEvent(contactEvent("ContactUpdate", "kept"));
        publisher.setDropRate(0.0);
        publisher.setTargetUrl((String) null);
        publisher.onEvent(contactEvent("ContactUpdate", "kept"));
        assertThat(publisher.awaitIdle(WAIT)).isTrue();
        assertThat(receiver.received()).hasSize(2);
        List<HighLevelWebhookPublisher.Delivery> all = publisher.deliveries();
        assertThat(all.get(3).state()).isEqualTo(HighLevelWebhookPublisher.State.DROPPED);
        assertThat(all.get(4).state()).isEqualTo(HighLevelWebhookPublisher.State.SKIPPED);
        assertThat(all.get(4).attempts()).isZero();
    }

    @Test
    void chaosDeliversDuplicatesWithTheSameBytes() throws Exception {
        // 30 real-service minutes last 30 ms at this time scale.
        publisher.setDeliveryChaos(new HighLevelWebhookPublisher.DeliveryChaos(0, 0, 1, Duration.ofMinutes(30), 7));
        for (int i = 0; i < 3; i++) {
            publisher.onEvent(contactEvent("ContactUpdate", "c" + i));
        }
        assertThat(publisher.awaitIdle(WAIT)).isTrue();

        assertThat(receiver.received()).hasSize(6);
        for (int i = 0; i < 3; i++) {
            String id = "c" + i;
            List<Received> copies = receiver.received().stream().filter(r -> r.json().path("id").asText().equals(id)).toList();
            assertThat(copies).as("copies of %s", id).hasSize(2);
            assertThat(copies.get(1).body()).isEqualTo(copies.get(0).body());
            assertThat(copies.get(1).rsaSignature()).isEqualTo(copies.get(0).rsaSignature());
        }
        assertThat(publisher.deliveries()).hasSize(6).allSatisfy(d ->
                assertThat(d.state()).isEqualTo(HighLevelWebhookPublisher.State.DELIVERED));
        assertThat(publisher.deliveries()).filteredOn(HighLevelWebhookPublisher.Delivery::duplicate).hasSize(3);
    }

    @Test
    void chaosCanDeliverEveryWebhookThreeTimes() throws Exception {
        publisher.setDeliveryChaos(new HighLevelWebhookPublisher.DeliveryChaos(0, 0.5, 1, 2, Duration.ofMinutes(30), 7));
        for (int i = 0; i < 4; i++) {
            publisher.onEvent(contactEvent("ContactUpdate", "c" + i));
        }
        assertThat(publisher.awaitIdle(WAIT)).isTrue();

        assertThat(receiver.received()).hasSize(12);
        for (int i = 0; i < 4; i++) {
            String id = "c" + i;
            List<Received> copies = receiver.received().stream().filter(r -> r.json().path("id").asText().equals(id)).toList();
            assertThat(copies).as("copies of %s", id).hasSize(3);
            assertThat(copies).allSatisfy(c -> assertThat(c.body()).isEqualTo(copies.get(0).body()));
        }
        assertThat(publisher.deliveries()).filteredOn(HighLevelWebhookPublisher.Delivery::duplicate).hasSize(8);
    }

    @Test
    void chaosReordersOrDelaysTheEventsOfOneContact() throws Exception {
        List<String> sent = new ArrayList<>();
        // Out of order: each event in a lane of its own, held back up to 100 ms.
        publisher.setDeliveryChaos(new HighLevelWebhookPublisher.DeliveryChaos(0, 1, 0, Duration.ofMinutes(100), 11));
        for (int i = 0; i < 10; i++) {
            ObjectNode contact = HighLevelWebhookPayloadsTest.apiContact().put("id", "alice").put("lastName", "v" + i);
            publisher.onEvent(new HighLevelEvent("ContactUpdate", "loc1", contact));
            sent.add("v" + i);
        }
        assertThat(publisher.awaitIdle(WAIT)).isTrue();
        List<String> arrived = receiver.received().stream().map(r -> r.json().path("lastName").asText()).toList();
        assertThat(arrived).containsExactlyInAnyOrderElementsOf(sent).isNotEqualTo(sent);

        // Late: held back, but in order (later events of the contact wait behind a held one).
        receiver.clear();
        Instant start = Instant.now();
        publisher.setDeliveryChaos(new HighLevelWebhookPublisher.DeliveryChaos(1, 0, 0, Duration.ofMinutes(100), 11));
        for (int i = 0; i < 5; i++) {
            ObjectNode contact = HighLevelWebhookPayloadsTest.apiContact().put("id", "bob").put("lastName", "w" + i);
            publisher.onEvent(new HighLevelEvent("ContactUpdate", "loc1", contact));
        }
        assertThat(publisher.awaitIdle(WAIT)).isTrue();
        List<Received> late = receiver.received();
        assertThat(late).extracting(r -> r.json().path("lastName").asText()).containsExactly("w0", "w1", "w2", "w3", "w4");
        // Five holds of up to 100 ms each, one after the other.
        assertThat(Duration.between(start, late.get(4).at())).isGreaterThan(Duration.ofMillis(20));

        publisher.setDeliveryChaos(HighLevelWebhookPublisher.DeliveryChaos.NONE);
        receiver.clear();
        publisher.onEvent(contactEvent("ContactUpdate", "carol"));
        assertThat(publisher.awaitIdle(WAIT)).isTrue();
        assertThat(receiver.received()).hasSize(1);
    }

    @Test
    void theChaosIsSetThroughTheControlEndpoint() throws Exception {
        SimServer admin = new SimServer("highlevel-webhook-admin-test", clock);
        publisher.registerAdminRoutes(admin);
        admin.start(0);
        try {
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(admin.uri("/__admin/webhooks/control"))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"lateRate\":0.2,\"reorderRate\":0.1,"
                            + "\"duplicateRate\":0.3,\"copies\":2,\"maxDelaySeconds\":1.5,\"chaosSeed\":99}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            assertThat(publisher.deliveryChaos()).isEqualTo(new HighLevelWebhookPublisher.DeliveryChaos(0.2, 0.1, 0.3, 2,
                    Duration.ofMillis(1500), 99));
            JsonNode control = SimJson.parse(put.body());
            assertThat(control.path("duplicateRate").asDouble()).isEqualTo(0.3);
            assertThat(control.path("maxDelaySeconds").asDouble()).isEqualTo(1.5);

            HttpResponse<String> invalid = http.send(HttpRequest.newBuilder(admin.uri("/__admin/webhooks/control"))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"lateRate\":2,\"maxRetries\":1}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(invalid.statusCode()).isEqualTo(400);
            assertThat(invalid.body()).contains("lateRate");
            assertThat(publisher.deliveryChaos().lateRate()).isEqualTo(0.2);
            assertThat(publisher.maxRetries()).isEqualTo(HighLevelWebhookPublisher.DEFAULT_MAX_RETRIES);
        } finally {
            admin.stop();
        }
    }

    @Test
    void adminEndpointsSetTheTargetAndListDeliveries() throws Exception {
        publisher.setTargetUrl((String) null);
        SimServer admin = new SimServer("highlevel-webhook-admin-test", clock);
        publisher.registerAdminRoutes(admin);
        admin.start(0);
        try {
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(admin.uri("/__admin/webhooks/target"))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"url\":\"" + receiver.url() + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).isEqualTo(200);
            assertThat(publisher.targetUrl()).hasValueSatisfying(u -> assertThat(u.toString()).isEqualTo(receiver.url()));

            receiver.respond(hook -> hook.json().path("type").asText().equals("NoteCreate") ? 500 : 200);
            publisher.onEvent(contactEvent("ContactCreate", "c1"));
            publisher.onEvent(new HighLevelEvent("NoteCreate", "loc1", HighLevelWebhookPayloadsTest.apiNote()));
            assertThat(publisher.awaitIdle(WAIT)).isTrue();

            JsonNode listed = SimJson.parse(http.send(HttpRequest.newBuilder(
                    admin.uri("/__admin/webhooks/deliveries?state=FAILED")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(listed.path("deliveries")).hasSize(1);
            JsonNode failed = listed.path("deliveries").get(0);
            assertThat(failed.path("eventType").asText()).isEqualTo("NoteCreate");
            assertThat(failed.path("status").asInt()).isEqualTo(500);
            assertThat(failed.path("attempts").asInt()).isEqualTo(1);
            assertThat(failed.path("webhookId").asText()).isEqualTo(failed.path("payload").path("webhookId").asText());

            HttpResponse<String> control = http.send(HttpRequest.newBuilder(admin.uri("/__admin/webhooks/control"))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"dropNext\":2,\"maxRetries\":1}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(SimJson.parse(control.body()).path("dropNext").asInt()).isEqualTo(2);
            assertThat(publisher.maxRetries()).isEqualTo(1);
            HttpResponse<String> invalid = http.send(HttpRequest.newBuilder(admin.uri("/__admin/webhooks/control"))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"dropRate\":2}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(invalid.statusCode()).isEqualTo(400);
        } finally {
            admin.stop();
        }
    }

    @Test
    void closingStopsSending() throws Exception {
        publisher.setPaused(true);
        publisher.onEvent(contactEvent("ContactCreate", "c1"));
        publisher.close();
        publisher.onEvent(contactEvent("ContactCreate", "c2")); // ignored, no exception
        assertThat(publisher.awaitIdle(Duration.ofMillis(50))).isFalse();
        assertThat(receiver.received()).isEmpty();
        assertThat(publisher.deliveries()).hasSize(1);
    }

    // --- helpers ---------------------------------------------------------------------------------

    private static HighLevelEvent contactEvent(String type, String id) {
        ObjectNode contact = HighLevelWebhookPayloadsTest.apiContact();
        contact.put("id", id);
        return new HighLevelEvent(type, "loc1", contact);
    }

    private static boolean verify(String algorithm, PublicKey key, byte[] body, String base64Signature) throws Exception {
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(key);
        verifier.update(body);
        return verifier.verify(Base64.getDecoder().decode(base64Signature));
    }

    private static byte[] pemBody(String pem) {
        return Base64.getMimeDecoder().decode(pem
                .replace("-----BEGIN PUBLIC KEY-----", "")
                .replace("-----END PUBLIC KEY-----", ""));
    }

    record Received(Instant at, String contentType, String rsaSignature, String ed25519Signature, byte[] body) {
        JsonNode json() {
            return SimJson.parse(body);
        }
    }

    /** A webhook endpoint on the JDK's HttpServer that records what arrives and answers as told. */
    static final class Receiver {
        static {
            // As SimServer does: the flag is read once, when the JDK server first loads; if this
            // receiver loads it first, every simulator later in this JVM would pay ~40 ms per request.
            if (System.getProperty("sun.net.httpserver.nodelay") == null) {
                System.setProperty("sun.net.httpserver.nodelay", "true");
            }
        }

        private final List<Received> received = new CopyOnWriteArrayList<>();
        private volatile Function<Received, Integer> responder = hook -> 200;
        private HttpServer server;

        void start() {
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server.setExecutor(Executors.newFixedThreadPool(4));
            server.createContext("/hooks", exchange -> {
                byte[] body = exchange.getRequestBody().readAllBytes();
                Received hook = new Received(Instant.now(),
                        exchange.getRequestHeaders().getFirst("Content-Type"),
                        exchange.getRequestHeaders().getFirst("x-wh-signature"),
                        exchange.getRequestHeaders().getFirst("x-ghl-signature"), body);
                received.add(hook);
                int status = responder.apply(hook);
                exchange.sendResponseHeaders(status, -1);
                exchange.close();
            });
            server.start();
        }

        void stop() {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks";
        }

        void respond(Function<Received, Integer> responder) {
            this.responder = responder;
        }

        List<Received> received() {
            return new ArrayList<>(received);
        }

        void clear() {
            received.clear();
        }

        Received only() {
            assertThat(received).hasSize(1);
            return received.get(0);
        }

        Received ofType(String type) {
            return received.stream()
                    .filter(r -> r.json().path("type").asText().equals(type))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no " + type + " webhook received"));
        }
    }
}
