package io.contactsbridge.ingress;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.ContactsBridgeApplication;
import io.contactsbridge.journal.JournalEvent;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.ops.MissingSettingsException;
import io.contactsbridge.ops.MissingSettingsFailureAnalyzer;
import io.contactsbridge.simulator.highlevel.HighLevelWebhookKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The packaged jar's live mode with HighLevel's webhook key as an operator gives it: the Ed25519 public key from
 * the app's marketplace settings in each form that is pasted (PEM, base64 of the SubjectPublicKeyInfo, base64 and
 * hex of the raw 32 bytes), one of them through its environment variable. Each start gets a webhook signed as
 * HighLevel signs (Ed25519 over the exact bytes, no RSA header) stored byte for byte, and an unsigned one refused
 * saying what is missing. Without the key the start is refused, naming the setting, its variable and where the key is.
 */
class LiveWebhookSignatureTest {

    private static final HighLevelWebhookKeys HIGHLEVEL = HighLevelWebhookKeys.generate();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY_PROPERTY = "bridge.highlevel.webhook.ed25519-public-key";
    private static final String KEY_VARIABLE = "BRIDGE_HIGHLEVEL_WEBHOOK_ED25519_PUBLIC_KEY";

    /** The forms of one public key; {@code viaEnvironment} sets it as the environment variable instead of a property. */
    enum Encoding {
        PEM(true, HighLevelWebhookKeys::ed25519PublicKeyPem),
        SPKI_BASE64(false, HighLevelWebhookKeys::ed25519PublicKeyBase64),
        RAW_BASE64(false, k -> java.util.Base64.getEncoder().encodeToString(raw(k))),
        RAW_HEX(false, k -> HexFormat.of().formatHex(raw(k)));

        final boolean viaEnvironment;
        final Function<HighLevelWebhookKeys, String> text;

        Encoding(boolean viaEnvironment, Function<HighLevelWebhookKeys, String> text) {
            this.viaEnvironment = viaEnvironment;
            this.text = text;
        }

        /** The last 32 bytes of the SubjectPublicKeyInfo are the raw key. */
        static byte[] raw(HighLevelWebhookKeys keys) {
            byte[] spki = keys.ed25519PublicKey().getEncoded();
            return Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        }
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void aSignedWebhookIsStoredAndAnUnsignedOneRefusedWithTheKeyInEachEncoding(Encoding encoding) throws Exception {
        String key = encoding.text.apply(HIGHLEVEL);
        if (encoding == Encoding.RAW_HEX) {
            assertThat(key).hasSize(64);
        }
        try (ConfigurableApplicationContext app = startLive(encoding, key)) {
            int port = ((WebServerApplicationContext) app).getWebServer().getPort();
            JournalStore journal = app.getBean(JournalStore.class);
            String webhookId = "wh-" + encoding + "-" + UUID.randomUUID();
            // Bytes a re-serialisation would change: an accent, CRLF, spacing and key order as HighLevel sent them.
            byte[] body = ("{\"type\":\"ContactCreate\",  \"locationId\":\"loc-live\",\r\n \"id\":\"c-live\","
                    + "\"firstName\":\"Renée\",\"lastName\":\"O'Brien\",\"tags\":[ ],\"timestamp\":\"" + Instant.now()
                    + "\",\"webhookId\":\"" + webhookId + "\"}").getBytes(StandardCharsets.UTF_8);

            HttpResponse<String> signed = post(port, body, "x-ghl-signature", HIGHLEVEL.signEd25519(body));
            assertThat(signed.statusCode()).as(signed.body()).isEqualTo(200);
            JournalEvent stored = journal.find(JournalSources.HIGHLEVEL_WEBHOOK, webhookId).orElseThrow();
            assertThat(stored.payload().getBytes(StandardCharsets.UTF_8)).as("byte for byte as received").isEqualTo(body);

            String unsignedId = "wh-unsigned-" + UUID.randomUUID();
            byte[] unsigned = new String(body, StandardCharsets.UTF_8).replace(webhookId, unsignedId)
                    .getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> refused = post(port, unsigned, "x-wh-signature", HIGHLEVEL.signRsa(unsigned));
            assertThat(refused.statusCode()).isEqualTo(401);
            JsonNode answer = JSON.readTree(refused.body());
            assertThat(answer.path("error").asText()).isEqualTo("missing_signature");
            assertThat(answer.path("message").asText()).startsWith("The request carries no x-ghl-signature header: "
                    + "HighLevel signs every webhook with Ed25519 in x-ghl-signature, so a request without it is refused.");
            assertThat(journal.find(JournalSources.HIGHLEVEL_WEBHOOK, unsignedId)).isEmpty();
        }
    }

    @Test
    void aLiveStartWithoutTheKeyIsRefusedSayingWhatWhereAndHow() {
        SpringApplicationBuilder app = new SpringApplicationBuilder(ContactsBridgeApplication.class)
                .properties("bridge.mode=live", "bridge.admin.password=x",
                        "bridge.encryption.key=q7vJ0xq3m8Lr0aT1c5b8dYk2nW4pZ6sH9uE1fG3iJ5M=",
                        // proves nothing else started: a server or database would need these
                        "server.port=-1", "spring.datasource.url=jdbc:invalid:never-used");

        assertThatThrownBy(app::run).isInstanceOfSatisfying(MissingSettingsException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("Live mode cannot start: missing " + KEY_PROPERTY + " (env " + KEY_VARIABLE + ")");
            FailureAnalysis analysis = new MissingSettingsFailureAnalyzer().analyze(e);
            assertThat(analysis.getDescription()).contains(KEY_PROPERTY, KEY_VARIABLE,
                    "app's settings in the HighLevel marketplace", "bridge.highlevel.webhook.enabled=false");
        });
    }

    private static ConfigurableApplicationContext startLive(Encoding encoding, String key) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("bridge.mode", "live");
        properties.put("bridge.admin.password", "live-test-admin-password");
        properties.put("bridge.encryption.key", "q7vJ0xq3m8Lr0aT1c5b8dYk2nW4pZ6sH9uE1fG3iJ5M=");
        properties.put("bridge.instance.id", "live-webhook-" + encoding);
        properties.put("spring.datasource.url", "jdbc:h2:mem:live-webhook-" + encoding
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1");
        properties.put("bridge.routes-pattern", "classpath:live-webhook-test-loads-no-yaml-routes/*.yaml");
        properties.put("server.port", "0");
        properties.put("server.address", "127.0.0.1");
        properties.put("server.shutdown", "immediate");
        properties.put("logging.level.root", "WARN");
        StandardEnvironment environment = new StandardEnvironment();
        if (encoding.viaEnvironment) {
            Map<String, Object> variables = new HashMap<>(environment.getSystemEnvironment());
            variables.put(KEY_VARIABLE, key);
            environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                    new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
        } else {
            properties.put(KEY_PROPERTY, key);
        }
        // As command-line arguments, which win over the packaged application.properties (a file store, port 8080).
        return new SpringApplicationBuilder(ContactsBridgeApplication.class).environment(environment)
                .run(properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new));
    }

    private static HttpResponse<String> post(int port, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webhooks/highlevel"))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
