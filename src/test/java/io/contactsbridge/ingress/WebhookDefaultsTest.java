package io.contactsbridge.ingress;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.simulator.highlevel.HighLevelWebhookKeys;
import io.contactsbridge.support.AppTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/** The webhook endpoints with the shipped defaults (the shared test app sets only the live-mode Ed25519 key). */
@AppTest
class WebhookDefaultsTest {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    HttpResponse<String> post(String path, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void birdSendNotificationsAreOffUntilASecretIsSetAndSaySo() throws Exception {
        HttpResponse<String> response = post("/webhooks/birdsend", "{\"contactId\":1}".getBytes(StandardCharsets.UTF_8));

        assertThat(response.statusCode()).isEqualTo(404);
        JsonNode body = new ObjectMapper().readTree(response.body());
        assertThat(body.path("error").asText()).isEqualTo("not_enabled");
        assertThat(body.path("message").asText()).contains("BRIDGE_BIRDSEND_NOTIFICATION_SECRET");
    }

    @Test
    void highLevelWebhooksAreCheckedAgainstTheConfiguredEd25519KeyAndRsaAloneIsNotEnough() throws Exception {
        // Signed with some other key: only the private half of the configured key could produce a signature it accepts.
        HighLevelWebhookKeys impostor = HighLevelWebhookKeys.generate();
        byte[] body = ("{\"type\":\"ContactCreate\",\"id\":\"c1\",\"timestamp\":\"" + Instant.now()
                + "\",\"webhookId\":\"w1\"}").getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> response = post("/webhooks/highlevel", body, "x-wh-signature", impostor.signRsa(body),
                "x-ghl-signature", impostor.signEd25519(body));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("invalid_signature").contains("ed25519-public-key");

        HttpResponse<String> rsaOnly = post("/webhooks/highlevel", body, "x-wh-signature", impostor.signRsa(body));
        assertThat(rsaOnly.statusCode()).isEqualTo(401);
        assertThat(rsaOnly.body()).contains("missing_signature").contains("x-ghl-signature");
    }
}
