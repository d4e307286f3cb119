package io.contactsbridge.auth;

import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.ContactsBridgeApplication;
import io.contactsbridge.journal.JournalEvent;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.simulator.highlevel.HighLevelOAuthServer;
import io.contactsbridge.simulator.highlevel.HighLevelSandbox;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import io.contactsbridge.simulator.highlevel.HighLevelWebhookPublisher;
import io.contactsbridge.simulator.highlevel.StaticTokenAuthority;
import io.contactsbridge.simulator.sim.SimClock;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A live bridge as a HighLevel marketplace app, end to end over HTTP against the HighLevel simulator: a person
 * installs and uninstalls the app on a location through the simulator's admin API, the simulator sends the
 * signed INSTALL and UNINSTALL webhooks to the bridge, which journals them and connects the location (with a
 * token from its agency connection, or by saying which connect link to open) or deletes its tokens and pauses its
 * sync, in /api/status and health. Other apps' webhooks are acknowledged and not stored.
 */
@CamelSpringBootTest
@SpringBootTest(classes = ContactsBridgeApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@TestPropertySource(properties = {
        "spring.datasource.url=jdbc:h2:mem:lifecycle-test;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1",
        "bridge.routes-pattern=classpath:lifecycle-tests-load-no-yaml-routes/*.yaml",
        "bridge.public-url=" + HighLevelAppLifecycleTest.BRIDGE,
        "bridge.journal.retry-initial-delay=100ms",
        "bridge.journal.retry-max-delay=200ms"})
class HighLevelAppLifecycleTest {

    static final String BRIDGE = "http://bridge.test";
    static final String CLIENT = "bridgeapp77-5c0ffee";
    static final String APP = "bridgeapp77";
    static final String SECRET = "bridge-app-secret-91";
    static final String LOC = HighLevelState.DEMO_LOCATION_ID;
    static final String HL = JournalSources.HIGHLEVEL_WEBHOOK;
    static final String PASSWORD = "test-admin-password";

    static final HighLevelSandbox HIGHLEVEL = HighLevelSandbox.create(SimClock.system());
    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    static final ObjectMapper JSON = new ObjectMapper();

    static {
        HIGHLEVEL.simulator().start(0);
        Set<String> scopes = new LinkedHashSet<>(StaticTokenAuthority.ALL_SCOPES);
        scopes.add("oauth.write");
        scopes.add("oauth.readonly");
        HIGHLEVEL.oauth().registerApp(CLIENT, SECRET, List.of(BRIDGE + "/oauth/callback/highlevel",
                BRIDGE + "/oauth/callback/agency"), scopes);
    }

    @DynamicPropertySource
    static void app(DynamicPropertyRegistry registry) {
        String hl = HIGHLEVEL.simulator().baseUrl();
        registry.add("bridge.highlevel.webhook.ed25519-public-key", () -> HIGHLEVEL.webhooks().keys().ed25519RawPublicKeyBase64());
        for (String id : List.of("highlevel", "agency")) {
            String p = "bridge.connections." + id + ".";
            registry.add(p + "service", () -> "highlevel");
            registry.add(p + "kind", () -> id.equals("agency") ? "agency-oauth" : "location-oauth");
            registry.add(p + "base-url", () -> hl);
            registry.add(p + "oauth.client-id", () -> CLIENT);
            registry.add(p + "oauth.client-secret", () -> SECRET);
            registry.add(p + "oauth.authorize-url", () -> hl + "/oauth/chooselocation");
            registry.add(p + "oauth.token-url", () -> hl + "/oauth/token");
            registry.add(p + "oauth.scopes", () -> "");
        }
        registry.add("bridge.connections.highlevel.location-id", () -> LOC);
    }

    @AfterAll
    static void stopSimulator() {
        HIGHLEVEL.close();
    }

    @LocalServerPort
    int port;
    @Autowired
    JournalStore journal;
    @Autowired
    CredentialStore store;
    @Autowired
    OAuthFlow flow;
    @Autowired
    AccessTokenProvider tokens;
    @Autowired
    HighLevelAppLifecycle lifecycle;
    @Autowired
    JdbcTemplate jdbc;

    @BeforeEach
    void freshStart() throws Exception {
        HIGHLEVEL.webhooks().setTargetUrl("http://127.0.0.1:" + port + "/webhooks/highlevel");
        if (HIGHLEVEL.oauth().installs().stream().anyMatch(i -> i.locationId().equals(LOC))) {
            HIGHLEVEL.oauth().uninstall(CLIENT, LOC);
        }
        assertThat(HIGHLEVEL.webhooks().awaitIdle(Duration.ofSeconds(10))).isTrue();
        // What that UNINSTALL did is not this test's business: start from no stored tokens at all.
        await().atMost(Duration.ofSeconds(10)).until(() -> journal.pending("highlevel-app-lifecycle") == 0);
        jdbc.update("DELETE FROM connection_credential");
    }

    @Test
    void withAnAgencyConnectionInstallConnectsTheLocationAndUninstallDeletesItsTokensAndPausesIt() throws Exception {
        connect("agency");
        assertThat(store.find("agency").orElseThrow().companyId()).isEqualTo(HighLevelState.DEMO_COMPANY_ID);
        assertThat(store.find("agency").orElseThrow().locationId()).as("an agency token").isNull();

        HIGHLEVEL.oauth().install(CLIENT, LOC, null);
        JsonNode install = delivered("INSTALL");
        assertThat(journal.find(HL, install.path("webhookId").asText())).hasValueSatisfying(e -> {
            assertThat(e.eventType()).isEqualTo("INSTALL");
            assertThat(e.contactKey()).isEqualTo("highlevel-location:" + LOC);
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> status("highlevel") == ConnectionStatus.CONNECTED);
        StoredCredential connected = store.find("highlevel").orElseThrow();
        assertThat(connected.locationId()).isEqualTo(LOC);
        String token = tokens.accessToken("highlevel");
        assertThat(HIGHLEVEL.oauth().tokenStatus(token)).isEqualTo(HighLevelOAuthServer.TokenStatus.VALID);
        assertThat(contactsStatus(token)).isEqualTo(200);
        assertThat(connection("highlevel").path("status").asText()).isEqualTo("OK");
        assertThat(lifecycle.syncAllowed("highlevel")).isTrue();

        // Idempotent: HighLevel's retry of the same webhook is not journaled twice, and applying it again changes nothing.
        assertThat(resend(install)).isEqualTo("duplicate");
        assertThat(lifecycle.install(APP, HighLevelState.DEMO_COMPANY_ID, LOC, Instant.now())).contains("already");
        assertThat(store.find("highlevel").orElseThrow().version()).isEqualTo(connected.version());

        HIGHLEVEL.oauth().uninstall(CLIENT, LOC);
        JsonNode uninstall = delivered("UNINSTALL");
        assertThat(journal.find(HL, uninstall.path("webhookId").asText())).isPresent();
        await().atMost(Duration.ofSeconds(20)).until(() -> status("highlevel") == ConnectionStatus.UNINSTALLED);
        StoredCredential removed = store.find("highlevel").orElseThrow();
        assertThat(removed.accessTokenEnc()).as("stored tokens deleted").isNull();
        assertThat(removed.refreshTokenEnc()).isNull();
        assertThat(HIGHLEVEL.oauth().tokenStatus(token)).as("HighLevel revoked it too")
                .isEqualTo(HighLevelOAuthServer.TokenStatus.UNKNOWN);

        JsonNode status = connection("highlevel");
        assertThat(status.path("status").asText()).isEqualTo("UNINSTALLED");
        assertThat(status.path("message").asText()).contains("HighLevel uninstalled the app from location " + LOC,
                "stored tokens were deleted", "sync of this location is paused", "install the app again");
        assertThat(health().path("components").path("connections").path("status").asText()).isEqualTo("UP");
        assertThat(health().path("components").path("connections").path("details").path("warnings").toString())
                .contains("HighLevel uninstalled the app from location " + LOC);
        assertThat(lifecycle.syncAllowed("highlevel")).isFalse();
        assertThatThrownBy(() -> lifecycle.requireSyncAllowed("highlevel"))
                .isInstanceOf(ConnectionAuthException.class).hasMessageContaining("paused");
        assertThatThrownBy(() -> tokens.accessToken("highlevel")).isInstanceOf(ConnectionAuthException.class)
                .hasMessageContaining("uninstalled");

        long version = store.find("highlevel").orElseThrow().version();
        assertThat(resend(uninstall)).isEqualTo("duplicate");
        assertThat(lifecycle.uninstall(APP, HighLevelState.DEMO_COMPANY_ID, LOC, Instant.now())).contains("already");
        assertThat(store.find("highlevel").orElseThrow().version()).isEqualTo(version);

        // Installing again connects it again and lifts the pause.
        HIGHLEVEL.oauth().install(CLIENT, LOC, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> status("highlevel") == ConnectionStatus.CONNECTED);
        assertThat(lifecycle.syncAllowed("highlevel")).isTrue();
        assertThat(contactsStatus(tokens.accessToken("highlevel"))).isEqualTo(200);

        // An UNINSTALL naming only the company (the app removed from the agency) deletes the agency's tokens.
        assertThat(lifecycle.uninstall(APP, HighLevelState.DEMO_COMPANY_ID, null, Instant.now()))
                .contains("connection agency: tokens deleted");
        assertThat(status("agency")).isEqualTo(ConnectionStatus.UNINSTALLED);
        assertThat(store.find("agency").orElseThrow().accessTokenEnc()).isNull();
        assertThat(connection("agency").path("message").asText()).contains("uninstalled the app from company "
                + HighLevelState.DEMO_COMPANY_ID, "connect at " + BRIDGE + "/oauth/connect/agency");
    }

    @Test
    void withoutAnAgencyConnectionInstallSaysWhichConnectLinkToOpen() throws Exception {
        HIGHLEVEL.oauth().install(CLIENT, LOC, null);
        delivered("INSTALL");
        await().atMost(Duration.ofSeconds(20)).until(() -> status("highlevel") == ConnectionStatus.AWAITING_CONNECT);
        JsonNode status = connection("highlevel");
        assertThat(status.path("status").asText()).isEqualTo("NOT_CONNECTED");
        assertThat(status.path("message").asText()).contains("HighLevel installed the app on location " + LOC,
                "open " + BRIDGE + "/oauth/connect/highlevel");
        assertThat(lifecycle.syncAllowed("highlevel")).isFalse();

        connect("highlevel");
        assertThat(status("highlevel")).isEqualTo(ConnectionStatus.CONNECTED);
        assertThat(lifecycle.syncAllowed("highlevel")).isTrue();
        assertThat(connection("highlevel").path("status").asText()).isEqualTo("OK");

        HIGHLEVEL.oauth().uninstall(CLIENT, LOC);
        await().atMost(Duration.ofSeconds(20)).until(() -> status("highlevel") == ConnectionStatus.UNINSTALLED);
        assertThat(connection("highlevel").path("message").asText())
                .contains("install the app again and connect at " + BRIDGE + "/oauth/connect/highlevel");
    }

    @Test
    void webhooksOfAnotherAppAreAcknowledgedAndNotStored() throws Exception {
        String otherId = "wh-other-" + System.nanoTime();
        HttpResponse<String> other = postSigned("{\"type\":\"UNINSTALL\",\"appId\":\"someoneelse\",\"locationId\":\"" + LOC
                + "\",\"companyId\":\"c1\",\"timestamp\":\"" + Instant.now() + "\",\"webhookId\":\"" + otherId + "\"}");
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(other.body()).path("result").asText()).isEqualTo("ignored");
        assertThat(JSON.readTree(other.body()).path("message").asText()).contains("someoneelse", APP, "not stored");
        assertThat(journal.find(HL, otherId)).isEmpty();

        String contactId = "wh-contact-" + System.nanoTime();
        HttpResponse<String> otherContact = postSigned("{\"type\":\"ContactUpdate\",\"locationId\":\"" + LOC
                + "\",\"appId\":\"someoneelse\",\"id\":\"c9\",\"timestamp\":\"" + Instant.now() + "\",\"webhookId\":\""
                + contactId + "\"}");
        assertThat(otherContact.statusCode()).isEqualTo(200);
        assertThat(journal.find(HL, contactId)).isEmpty();

        String anonymousInstall = "wh-anon-" + System.nanoTime();
        assertThat(postSigned("{\"type\":\"INSTALL\",\"locationId\":\"" + LOC + "\",\"timestamp\":\"" + Instant.now()
                + "\",\"webhookId\":\"" + anonymousInstall + "\"}").statusCode()).isEqualTo(200);
        assertThat(journal.find(HL, anonymousInstall)).as("whose app? not ours to act on").isEmpty();

        String ours = "wh-ours-" + System.nanoTime();
        assertThat(postSigned("{\"type\":\"ContactUpdate\",\"locationId\":\"" + LOC + "\",\"appId\":\"" + APP
                + "\",\"id\":\"c9\",\"timestamp\":\"" + Instant.now() + "\",\"webhookId\":\"" + ours + "\"}").statusCode())
                .isEqualTo(200);
        assertThat(journal.find(HL, ours)).map(JournalEvent::contactKey).hasValue("highlevel:c9");
    }

    // ---- helpers -------------------------------------------------------------------------------

    private ConnectionStatus status(String id) {
        return store.find(id).map(StoredCredential::status).orElse(null);
    }

    /** The newest delivered webhook of this type, after the simulator has sent it (and the bridge answered 200). */
    private JsonNode delivered(String type) throws Exception {
        assertThat(HIGHLEVEL.webhooks().awaitIdle(Duration.ofSeconds(10))).isTrue();
        List<HighLevelWebhookPublisher.Delivery> all = HIGHLEVEL.webhooks().deliveries(type);
        HighLevelWebhookPublisher.Delivery last = all.get(all.size() - 1);
        assertThat(last.state()).isEqualTo(HighLevelWebhookPublisher.State.DELIVERED);
        assertThat(last.status()).isEqualTo(200);
        return last.payloadJson();
    }

    /** Posts the webhook again as HighLevel's retry would: same bytes, signed with the simulator's key. */
    private String resend(JsonNode payload) throws Exception {
        return JSON.readTree(postSigned(JSON.writeValueAsString(payload)).body()).path("result").asText();
    }

    private HttpResponse<String> postSigned(String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webhooks/highlevel"))
                .header("Content-Type", "application/json")
                .header("x-ghl-signature", HIGHLEVEL.webhooks().keys().signEd25519(bytes))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The connect flow as an admin's browser runs it: start, the simulator's consent redirect, the callback. */
    private void connect(String id) throws Exception {
        HttpResponse<String> consent = HTTP.send(HttpRequest.newBuilder(URI.create(flow.start(id))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(consent.statusCode()).as(consent.body()).isEqualTo(302);
        Map<String, String> query = new LinkedHashMap<>();
        for (String pair : URI.create(consent.headers().firstValue("Location").orElseThrow()).getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            query.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        flow.complete(id, query.get("code"), query.get("state"), null);
    }

    private int contactsStatus(String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(HIGHLEVEL.simulator().baseUrl() + "/contacts/?locationId=" + LOC))
                        .header("Authorization", "Bearer " + token).header("Version", "2021-07-28").build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private JsonNode connection(String id) throws Exception {
        return get("/api/status").path("connections").path(id);
    }

    private JsonNode health() throws Exception {
        return get("/actuator/health");
    }

    private JsonNode get(String path) throws Exception {
        String basic = Base64.getEncoder().encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Basic " + basic).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }
}
