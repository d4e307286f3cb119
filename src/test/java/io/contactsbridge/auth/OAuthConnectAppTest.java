package io.contactsbridge.auth;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.support.AppTest;
import io.contactsbridge.support.Http;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.util.UriComponentsBuilder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OAuth connect and callback endpoints of the running app (live mode, shared test context),
 * against a fake token endpoint; and that no secret reaches a log line, the status API or health.
 */
@AppTest
class OAuthConnectAppTest {

    private static final String ID = "hl-test";
    private static final String ADMIN = "admin";
    private static final String PASSWORD = "test-admin-password";
    private static final String CLIENT_SECRET = "app-client-secret-7f3e9a";
    private static FakeTokenEndpoint fake;

    @LocalServerPort
    int port;
    @Autowired
    ConnectionRegistry registry;
    @Autowired
    AccessTokenProvider tokens;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    CamelContext camel;

    private TestRestTemplate http;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger ours = (Logger) LoggerFactory.getLogger("io.contactsbridge");
    private Level oursBefore;
    private final List<String> codes = new ArrayList<>();

    @BeforeAll
    static void startFake() {
        fake = FakeTokenEndpoint.start();
    }

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    @BeforeEach
    void setUp() {
        http = Http.client(port);
        registry.register(ConnectionDefinition.builder(ID, CredentialKind.LOCATION_OAUTH)
                .baseUrl("http://highlevel.test")
                .oauth(new ConnectionDefinition.OAuthClient("client-app", CLIENT_SECRET, fake.authorizeUrl(),
                        fake.tokenUrl(), "contacts.readonly contacts.write", null, Duration.ofDays(365), null))
                .build());
        oursBefore = ours.getLevel();
        ours.setLevel(Level.DEBUG);
        logs.start();
        root.addAppender(logs);
    }

    @AfterEach
    void tearDown() {
        root.detachAppender(logs);
        ours.setLevel(oursBefore);
        // Leave the shared context as it was for the other test classes.
        registry.unregister(ID);
        jdbc.update("DELETE FROM connection_credential WHERE connection_id = ?", ID);
    }

    @Test
    void theRoutesAreRunning() {
        assertThat(camel.getRoute("oauth-connect")).isNotNull();
        assertThat(camel.getRoute("oauth-callback")).isNotNull();
        assertThat(camel.getRoute("token-refresh")).isNotNull();
    }

    @Test
    void connectThenCallbackStoresTheTokensAndNoSecretLeaks() {
        assertThat(http.getForEntity("/oauth/connect/" + ID, String.class).getStatusCode())
                .isEqualTo(HttpStatus.UNAUTHORIZED);

        ResponseEntity<String> redirect = admin().getForEntity("/oauth/connect/" + ID, String.class);
        assertThat(redirect.getStatusCode()).isEqualTo(HttpStatus.FOUND);
        URI location = redirect.getHeaders().getLocation();
        assertThat(location.toString()).startsWith(fake.authorizeUrl() + "?");
        Map<String, String> query = query(location);
        assertThat(query).containsEntry("response_type", "code").containsEntry("client_id", "client-app")
                .containsEntry("redirect_uri", "http://localhost:8080/oauth/callback/" + ID)
                .containsEntry("scope", "contacts.readonly contacts.write");
        String state = query.get("state");
        assertThat(state).hasSizeGreaterThanOrEqualTo(40);

        String code = newCode();
        ResponseEntity<String> page = http.getForEntity("/oauth/callback/" + ID + "?code={c}&state={s}", String.class,
                code, state);
        assertThat(page.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(page.getHeaders().getContentType().isCompatibleWith(MediaType.TEXT_HTML)).isTrue();
        assertThat(page.getBody()).contains("Connected", "HighLevel is connected", "loc-1");
        assertThat(page.getHeaders().keySet()).doesNotContain("code", "state", "connectionId");

        Map<String, String> exchange = fake.requests().get(fake.requests().size() - 1);
        assertThat(exchange).containsEntry("grant_type", "authorization_code").containsEntry("code", code)
                .containsEntry("redirect_uri", "http://localhost:8080/oauth/callback/" + ID)
                .containsEntry("client_secret", CLIENT_SECRET).containsEntry("user_type", "Location");

        String access = tokens.accessToken(ID);
        assertThat(access).isEqualTo(fake.issuedTokens().get(fake.issuedTokens().size() - 2));
        assertThat(registry.find(ID).orElseThrow().locationId()).isEqualTo("loc-1");
        assertThat(registry.find(ID).orElseThrow().companyId()).isEqualTo("comp-1");
        assertThat(jdbc.queryForObject("SELECT access_token_enc FROM connection_credential WHERE connection_id = ?",
                String.class, ID)).startsWith("v1.").doesNotContain(access);

        // A rejected token is refreshed through the app's own wiring.
        String refreshed = tokens.refreshAfterRejection(ID, access);
        assertThat(refreshed).isNotEqualTo(access).isEqualTo(fake.issuedTokens().get(fake.issuedTokens().size() - 2));

        // The same callback again: the state is used up.
        ResponseEntity<String> replay = http.getForEntity("/oauth/callback/" + ID + "?code={c}&state={s}", String.class,
                code, state);
        assertThat(replay.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(replay.getBody()).contains("already used");

        JsonNode status = admin().getForObject("/api/status", JsonNode.class);
        JsonNode mine = status.path("connections").path(ID);
        assertThat(mine.path("status").asText()).isEqualTo("OK");
        assertThat(mine.path("service").asText()).isEqualTo("highlevel");
        assertThat(mine.path("kind").asText()).isEqualTo("location-oauth");
        assertThat(mine.path("accessTokenExpiresAt").asText()).isNotBlank();
        assertThat(mine.path("lastRefreshAt").asText()).isNotBlank();
        String health = admin().getForObject("/actuator/health", String.class);
        assertThat(health).contains("\"connections\"").contains(ID);
        JsonNode gauge = admin().getForObject("/actuator/metrics/bridge.connection.token.expires.seconds?tag=connection:"
                + ID, JsonNode.class);
        assertThat(gauge.path("measurements").get(0).path("value").asDouble()).isBetween(86000.0, 86399.0);

        List<String> secrets = new ArrayList<>(fake.issuedTokens());
        secrets.addAll(codes);
        secrets.add(CLIENT_SECRET);
        secrets.add(state);
        String everything = status.toString() + health + page.getBody() + replay.getBody() + loggedText();
        assertThat(logs.list).as("the flow was logged at all").isNotEmpty();
        for (String secret : secrets) {
            assertThat(everything).as("no secret in logs, status, health or pages").doesNotContain(secret);
        }
    }

    @Test
    void theCallbackChecksTheStateAndExplainsWhatWentWrong() {
        long exchangesBefore = fake.calls("authorization_code");

        ResponseEntity<String> forged = http.getForEntity("/oauth/callback/" + ID + "?code=abc&state=forged",
                String.class);
        assertThat(forged.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(forged.getBody()).contains("unknown state").contains("/oauth/connect/" + ID);

        ResponseEntity<String> noState = http.getForEntity("/oauth/callback/" + ID + "?code=abc", String.class);
        assertThat(noState.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);

        String expiring = startConnect();
        jdbc.update("UPDATE oauth_state SET expires_at = ? WHERE state_hash = ?",
                Timestamp.from(Instant.now().minusSeconds(60)), OAuthStateStore.hash(expiring));
        ResponseEntity<String> expired = http.getForEntity("/oauth/callback/" + ID + "?code={c}&state={s}",
                String.class, newCode(), expiring);
        assertThat(expired.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(expired.getBody()).contains("expired").contains("10 minutes");

        HttpHeaders json = new HttpHeaders();
        json.setAccept(List.of(MediaType.APPLICATION_JSON));
        ResponseEntity<JsonNode> declined = http.exchange("/oauth/callback/" + ID + "?error=access_denied&state={s}",
                HttpMethod.GET, new HttpEntity<>(json), JsonNode.class, startConnect());
        assertThat(declined.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(declined.getHeaders().getContentType().isCompatibleWith(MediaType.APPLICATION_JSON)).isTrue();
        assertThat(declined.getBody().path("error").asText()).contains("did not authorize").contains("access_denied");

        ResponseEntity<String> badCode = http.getForEntity("/oauth/callback/" + ID + "?code=wrong-code&state={s}",
                String.class, startConnect());
        assertThat(badCode.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(badCode.getBody()).contains("refused the authorization code").contains("invalid_grant");

        assertThat(fake.calls("authorization_code")).isEqualTo(exchangesBefore + 1);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM connection_credential WHERE connection_id = ?",
                Integer.class, ID)).isZero();
        assertThat(loggedText()).doesNotContain("wrong-code").doesNotContain(CLIENT_SECRET);
    }

    @Test
    void connectExplainsConnectionsThatCannotBeConnected() {
        ResponseEntity<String> unknown = admin().getForEntity("/oauth/connect/nope", String.class);
        assertThat(unknown.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(unknown.getBody()).contains("There is no connection");

        registry.register(ConnectionDefinition.builder("pit-test", CredentialKind.PRIVATE_INTEGRATION)
                .baseUrl("http://highlevel.test").token("pit-value").build());
        try {
            ResponseEntity<String> staticKind = admin().getForEntity("/oauth/connect/pit-test", String.class);
            assertThat(staticKind.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(staticKind.getBody()).contains("Private Integration token").contains("nothing to connect");
        } finally {
            registry.unregister("pit-test");
        }
    }

    @Test
    void anUnexpectedFailureAnswersAPlainPageWithoutInternals() {
        registry.register(ConnectionDefinition.builder("broken-test", CredentialKind.OAUTH)
                .baseUrl("http://birdsend.test")
                .oauth(new ConnectionDefinition.OAuthClient("client-app", CLIENT_SECRET, fake.authorizeUrl(),
                        "http://bad host/oauth/token", "write", null, null, null))
                .build());
        try {
            ResponseEntity<String> redirect = admin().getForEntity("/oauth/connect/broken-test", String.class);
            String state = query(redirect.getHeaders().getLocation()).get("state");
            String code = newCode();
            ResponseEntity<String> page = http.getForEntity("/oauth/callback/broken-test?code={c}&state={s}",
                    String.class, code, state);
            assertThat(page.getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
            assertThat(page.getBody()).contains("could not complete this request").doesNotContain("at io.contactsbridge");
            assertThat(loggedText()).contains("Route oauth-callback failed").doesNotContain(code)
                    .doesNotContain(CLIENT_SECRET);
        } finally {
            registry.unregister("broken-test");
        }
    }

    private TestRestTemplate admin() {
        return http.withBasicAuth(ADMIN, PASSWORD);
    }

    private String startConnect() {
        ResponseEntity<String> redirect = admin().getForEntity("/oauth/connect/" + ID, String.class);
        assertThat(redirect.getStatusCode()).isEqualTo(HttpStatus.FOUND);
        return query(redirect.getHeaders().getLocation()).get("state");
    }

    private String newCode() {
        String code = "code-" + UUID.randomUUID();
        fake.acceptCode(code);
        codes.add(code);
        return code;
    }

    private String loggedText() {
        StringBuilder sb = new StringBuilder();
        for (ILoggingEvent e : logs.list) {
            sb.append(e.getFormattedMessage()).append('\n');
            if (e.getThrowableProxy() != null) {
                sb.append(ThrowableProxyUtil.asString(e.getThrowableProxy())).append('\n');
            }
        }
        return sb.toString();
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> q = new LinkedHashMap<>();
        UriComponentsBuilder.fromUri(uri).build().getQueryParams().forEach((k, v) ->
                q.put(k, java.net.URLDecoder.decode(v.get(0), StandardCharsets.UTF_8)));
        return q;
    }
}
