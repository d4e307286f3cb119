package io.contactsbridge.simulator.birdsend;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.simulator.sim.CallRecorder;
import io.contactsbridge.simulator.sim.FaultConfig;
import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import static io.contactsbridge.simulator.birdsend.BirdSendTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each fault mode of the simulator core, on BirdSend's routes and in BirdSend's error shape. */
class BirdSendFaultsTest {

    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

    private final MutableClock time = MutableClock.startingAt(T0);
    private BirdSendSimulator sim;
    private BirdSendTestClient client;
    private String token;
    private long contactId;

    @BeforeEach
    void start() {
        sim = BirdSendSimulator.builder()
                .clock(new SimClock(time, 1.0))
                .settings(BirdSendSettings.builder().rateLimitEnabled(false).build())
                .build()
                .start(0);
        token = sim.issuePersonalAccessToken();
        client = new BirdSendTestClient(sim, token);
        contactId = sim.seedContact(BirdSendNewContact.of("ann@example.com", "Ann", "Lee")).contactId();
    }

    @AfterEach
    void stop() {
        sim.stop();
    }

    @Test
    void errorRateFaultsAnswerLaravelErrorsAndFaultedWritesChangeNothing() {
        // configured over HTTP, as a test of the bridge running in another process would
        HttpResponse<String> configured = client.raw("PUT", "/__admin/faults",
                "{\"seed\":7,\"operations\":[\"create-contact\"],\"errorRates\":{\"500\":0.5}}");
        assertThat(configured.statusCode()).isEqualTo(200);

        int created = 0;
        int failed = 0;
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> response = client.post("/contacts", "{\"email\":\"p" + i + "@example.com\"}");
            if (response.statusCode() == 201) {
                created++;
            } else {
                assertThat(response.statusCode()).isEqualTo(500);
                assertThat(response.body()).isEqualTo("{\"message\":\"Server Error\"}");
                failed++;
            }
        }
        assertThat(created).isPositive();
        assertThat(failed).isPositive();
        assertThat(sim.contacts()).hasSize(1 + created);
        // out-of-scope operations are untouched
        assertThat(client.get("/contacts/" + contactId).statusCode()).isEqualTo(200);
        assertThat(sim.server().calls().count(BirdSendOperations.CREATE_CONTACT, 500)).isEqualTo(failed);
    }

    @Test
    void injected429sLookLikeTheRealLimitAndChangeNothing() {
        sim.updateSettings(s -> s.rateLimitEnabled(true));
        sim.faults().configure(FaultConfig.builder().errorRate(429, 1.0).retryAfterSeconds(3)
                .operations(BirdSendOperations.ADD_CONTACT_TAGS).build());
        HttpResponse<String> response = client.post("/contacts/" + contactId + "/tags", "{\"tags\":[\"VIP\"]}");
        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.body()).isEqualTo("{\"message\":\"Too Many Attempts.\"}");
        assertThat(response.headers().firstValue("Retry-After")).contains("3");
        assertThat(response.headers().firstValue("X-RateLimit-Remaining")).contains("0");
        assertThat(response.headers().firstValue("X-RateLimit-Limit")).contains("5");
        assertThat(sim.contact(contactId).orElseThrow().tags()).isEmpty();
        assertThat(sim.tags(sim.defaultAccountId())).isEmpty();
    }

    @Test
    void latencyDelaysTheAnswerButTheWriteStillHappens() throws Exception {
        sim.faults().configure(FaultConfig.builder().latency(300, 0).build());
        long started = System.nanoTime();
        assertThat(client.get("/contacts/" + contactId).statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));

        // A client that gives up early does not know whether its write happened: here it did.
        assertThatThrownBy(() -> client.sendOrThrow("POST", "/v1/contacts", "{\"email\":\"late@example.com\"}",
                Duration.ofMillis(100), "Authorization", "Bearer " + token, "Content-Type", "application/json"))
                .isInstanceOf(HttpTimeoutException.class);
        org.awaitility.Awaitility.await("the late create applied").atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
                .until(() -> !sim.findContactsByEmail(sim.defaultAccountId(), "late@example.com").isEmpty());
        assertThat(sim.findContactsByEmail(sim.defaultAccountId(), "late@example.com")).hasSize(1);
    }

    @Test
    void connectionResetsGiveNoAnswerAndChangeNothing() {
        sim.faults().configure(FaultConfig.builder().resetRate(1.0).build());
        assertThatThrownBy(() -> client.sendOrThrow("PATCH", "/v1/contacts/" + contactId,
                "{\"email\":\"changed@example.com\"}", Duration.ofSeconds(2),
                "Authorization", "Bearer " + token, "Content-Type", "application/json"))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(HttpTimeoutException.class);
        assertThat(sim.contact(contactId).orElseThrow().email()).isEqualTo("ann@example.com");
        assertThat(sim.server().calls().count(BirdSendOperations.UPDATE_CONTACT, CallRecorder.ABORTED)).isEqualTo(1);

        sim.faults().clear();
        assertThat(client.patch("/contacts/" + contactId, "{\"email\":\"changed@example.com\"}").statusCode())
                .isEqualTo(200);
    }

    @Test
    void anOutageAnswers503UntilItEndsAndChangesNothing() {
        sim.faults().configure(FaultConfig.builder()
                .outageFor(Duration.ofSeconds(30), FaultConfig.OutageMode.UNAVAILABLE).build());
        HttpResponse<String> down = client.delete("/contacts/" + contactId);
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).isEqualTo("{\"message\":\"Service Unavailable\"}");
        assertThat(down.headers().firstValue("Retry-After")).contains("30");
        assertThat(sim.contact(contactId)).isPresent();

        time.advance(Duration.ofSeconds(29));
        assertThat(client.get("/account").statusCode()).isEqualTo(503);
        time.advance(Duration.ofSeconds(1));
        assertThat(client.get("/account").statusCode()).isEqualTo(200);
        assertThat(client.delete("/contacts/" + contactId).statusCode()).isEqualTo(204);
    }

    @Test
    void slowDripTripsAShortReadTimeoutButDeliversTheWholeContact() throws Exception {
        sim.faults().configure(FaultConfig.builder().slowDrip(1.0, 128, 400)
                .operations(BirdSendOperations.GET_CONTACT).build());
        HttpURLConnection impatient = open("/v1/contacts/" + contactId, 250); // a pause of 400 ms between chunks trips it
        assertThat(impatient.getResponseCode()).isEqualTo(200); // headers arrive at once
        assertThatThrownBy(() -> readAll(impatient)).isInstanceOf(SocketTimeoutException.class);
        impatient.disconnect();

        HttpURLConnection patient = open("/v1/contacts/" + contactId, 2000);
        JsonNode contact = SimJson.parse(readAll(patient));
        assertThat(contact.path("contact_id").asLong()).isEqualTo(contactId);
        assertThat(contact.path("fields").path("first_name").asText()).isEqualTo("Ann");
        patient.disconnect();
    }

    private HttpURLConnection open(String path, int readTimeoutMs) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(sim.baseUrl() + path).toURL().openConnection();
        connection.setConnectTimeout(2000);
        connection.setReadTimeout(readTimeoutMs);
        connection.setRequestProperty("Authorization", "Bearer " + token);
        connection.setRequestProperty("Accept", "application/json");
        return connection;
    }

    private static String readAll(HttpURLConnection connection) throws IOException {
        try (InputStream in = connection.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
