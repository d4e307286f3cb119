package io.contactsbridge.ingress;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.simulator.highlevel.HighLevelWebhookKeys;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * The settings of the inbound tests' app (one Spring context shared by every class that extends this and is
 * annotated {@code @AppTest}): webhook keys generated for the test run, a BirdSend secret, small limits, fast
 * retries, an H2 database of its own, and none of the YAML routes of {@code routes/} (routes other features add
 * there would consume, and hold back, the test events).
 */
@TestPropertySource(properties = {
        "spring.datasource.url=jdbc:h2:mem:inbound-test;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE",
        "bridge.routes-pattern=classpath:inbound-tests-load-no-yaml-routes/*.yaml",
        "bridge.birdsend.notification.secret=" + IngressAppTestSupport.BIRDSEND_SECRET,
        "bridge.inbound.max-concurrent-requests=" + IngressAppTestSupport.MAX_CONCURRENT,
        "bridge.inbound.max-pending=" + IngressAppTestSupport.MAX_PENDING,
        "bridge.inbound.pending-check-interval=0s",
        "bridge.inbound.body-read-timeout=" + IngressAppTestSupport.BODY_READ_TIMEOUT,
        "bridge.inbound.max-requests-per-address=" + IngressAppTestSupport.MAX_PER_ADDRESS,
        "bridge.journal.retry-initial-delay=100ms",
        "bridge.journal.retry-max-delay=200ms",
        "bridge.journal.lease-duration=5s"})
public abstract class IngressAppTestSupport {

    public static final String BIRDSEND_SECRET = "inbound-test-birdsend-secret-0123456789";
    public static final int MAX_CONCURRENT = 4;
    public static final String BODY_READ_TIMEOUT = "2s";
    public static final int MAX_PER_ADDRESS = 40;
    public static final int MAX_PENDING = 20;
    /** What the tests sign with; their public halves are the app's verification keys. */
    public static final HighLevelWebhookKeys KEYS = HighLevelWebhookKeys.generate();

    protected static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    protected static final ObjectMapper JSON = new ObjectMapper();

    @DynamicPropertySource
    static void webhookKeys(DynamicPropertyRegistry registry) {
        registry.add("bridge.highlevel.webhook.rsa-public-key", KEYS::rsaPublicKeyPem);
        registry.add("bridge.highlevel.webhook.ed25519-public-key", KEYS::ed25519PublicKeyBase64);
    }

    @LocalServerPort
    protected int port;

    @Autowired
    protected JournalStore journal;

    protected URI url(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    /** POSTs {@code body} as JSON with the given header name/value pairs. */
    protected HttpResponse<String> post(String path, byte[] body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url(path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Signed as HighLevel signs: Ed25519 in x-ghl-signature (it no longer sends the RSA x-wh-signature). */
    protected HttpResponse<String> postHighLevel(byte[] body) throws IOException, InterruptedException {
        return post("/webhooks/highlevel", body, "x-ghl-signature", KEYS.signEd25519(body));
    }

    protected static byte[] contactEvent(String type, String contactId, String webhookId, Instant timestamp) {
        String json = "{\"type\":\"" + type + "\",\"locationId\":\"loc-test\",\"id\":\"" + contactId + "\","
                + "\"email\":\"" + contactId + "@example.com\",\"firstName\":\"Ada\",\"tags\":[],"
                + "\"timestamp\":\"" + timestamp + "\",\"webhookId\":\"" + webhookId + "\"}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    protected static byte[] contactEvent(String type, String contactId, String webhookId) {
        return contactEvent(type, contactId, webhookId, Instant.now());
    }

    protected static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    /** The BirdSend notification headers for {@code body} signed at {@code unixSeconds}. */
    protected static String[] birdSendHeaders(byte[] body, long unixSeconds, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((unixSeconds + ".").getBytes(StandardCharsets.UTF_8));
            String signature = "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
            return new String[] {"X-Bridge-Timestamp", String.valueOf(unixSeconds), "X-Bridge-Signature", signature};
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    protected static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }
}
