package io.contactsbridge.simulator.birdsend;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.simulator.sim.SimClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.contactsbridge.simulator.birdsend.BirdSendTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;

class BirdSendAuthTest {

    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");
    private static final String REDIRECT = "https://bridge.example.com/oauth/birdsend/callback";
    private static final String UNAUTHENTICATED = "{\"message\":\"Unauthenticated.\"}";

    private final MutableClock time = MutableClock.startingAt(T0);
    private final SimClock clock = new SimClock(time, 1.0);
    private BirdSendSimulator sim;
    private BirdSendTestClient anonymous;
    private BirdSendOAuthClient app;

    @BeforeEach
    void start() {
        sim = BirdSendSimulator.builder()
                .clock(clock)
                .settings(BirdSendSettings.builder().rateLimitEnabled(false).build())
                .build()
                .start(0);
        anonymous = new BirdSendTestClient(sim, "none");
        app = sim.registerOAuthClient("7", "s3cret", REDIRECT);
    }

    @AfterEach
    void stop() {
        sim.stop();
    }

    @Test
    void missingUnknownAndRevokedTokensGetLaravels401() {
        HttpResponse<String> noHeader = anonymous.raw("GET", "/v1/account", null, "Accept", "application/json");
        assertThat(noHeader.statusCode()).isEqualTo(401);
        assertThat(noHeader.body()).isEqualTo(UNAUTHENTICATED);
        assertThat(noHeader.headers().firstValue("X-RateLimit-Limit")).isEmpty();

        assertThat(anonymous.get("/account").statusCode()).isEqualTo(401);
        assertThat(anonymous.raw("GET", "/v1/account", null, "Authorization", "Basic abc").statusCode()).isEqualTo(401);

        String token = sim.issuePersonalAccessToken();
        BirdSendTestClient client = anonymous.withToken(token);
        assertThat(client.get("/account").statusCode()).isEqualTo(200);
        assertThat(sim.revokeToken(token)).isTrue();
        HttpResponse<String> revoked = client.get("/account");
        assertThat(revoked.statusCode()).isEqualTo(401);
        assertThat(revoked.body()).isEqualTo(UNAUTHENTICATED);
    }

    @Test
    void personalAccessTokensDoNotExpire() {
        BirdSendTestClient client = anonymous.withToken(sim.issuePersonalAccessToken());
        time.advance(Duration.ofDays(3650));
        assertThat(client.get("/account").statusCode()).isEqualTo(200);
    }

    @Test
    void readOnlyTokensGet403OnWritesAndChangeNothing() {
        BirdSendTestClient reader = anonymous.withToken(
                sim.issuePersonalAccessToken(sim.defaultAccountId(), BirdSendScope.READ));
        assertThat(reader.get("/contacts").statusCode()).isEqualTo(200);
        HttpResponse<String> write = reader.post("/contacts", "{\"email\":\"ann@example.com\"}");
        assertThat(write.statusCode()).isEqualTo(403);
        assertThat(write.body()).isEqualTo("{\"message\":\"Invalid scope(s) provided.\"}");
        assertThat(sim.contacts()).isEmpty();

        sim.updateSettings(s -> s.enforceScopes(false));
        assertThat(reader.post("/contacts", "{\"email\":\"ann@example.com\"}").statusCode()).isEqualTo(201);
    }

    @Test
    void authorizationCodeFlowIssuesWorkingTokens() {
        HttpResponse<String> authorize = anonymous.raw("GET", "/oauth/authorize?client_id=7&redirect_uri="
                + encode(REDIRECT) + "&response_type=code&scope=write&state=" + encode("a b/c"), null);
        assertThat(authorize.statusCode()).isEqualTo(302);
        URI location = URI.create(authorize.headers().firstValue("Location").orElseThrow());
        assertThat(location.toString()).startsWith(REDIRECT + "?");
        Map<String, String> params = query(location);
        assertThat(params.get("state")).isEqualTo("a b/c");
        String code = params.get("code");
        assertThat(code).isNotBlank();

        HttpResponse<String> exchanged = tokenRequest("grant_type=authorization_code&client_id=7&client_secret=s3cret"
                + "&redirect_uri=" + encode(REDIRECT) + "&code=" + encode(code));
        assertThat(exchanged.statusCode()).isEqualTo(200);
        JsonNode tokens = json(exchanged);
        assertThat(tokens.path("token_type").asText()).isEqualTo("Bearer");
        assertThat(tokens.path("expires_in").asLong()).isEqualTo(60L * 24 * 3600);
        assertThat(tokens.path("refresh_token").asText()).isNotBlank();
        assertThat(exchanged.headers().firstValue("Cache-Control")).contains("no-store");

        BirdSendTestClient client = anonymous.withToken(tokens.path("access_token").asText());
        assertThat(json(client.get("/account")).path("account_id").asLong()).isEqualTo(sim.defaultAccountId());
        assertThat(client.post("/contacts", "{\"email\":\"ann@example.com\"}").statusCode()).isEqualTo(201);

        // a code works once
        HttpResponse<String> reused = tokenRequest("grant_type=authorization_code&client_id=7&client_secret=s3cret"
                + "&redirect_uri=" + encode(REDIRECT) + "&code=" + encode(code));
        assertThat(reused.statusCode()).isEqualTo(400);
        assertThat(json(reused).path("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    void tokenEndpointAcceptsJsonAndBasicClientCredentials() {
        String code = authorize("write", null);
        HttpResponse<String> json = anonymous.raw("POST", "/oauth/token", "{\"grant_type\":\"authorization_code\","
                        + "\"client_id\":7,\"client_secret\":\"s3cret\",\"redirect_uri\":\"" + REDIRECT + "\",\"code\":\""
                        + code + "\"}",
                "Content-Type", "application/json", "Accept", "application/json");
        assertThat(json.statusCode()).as(json.body()).isEqualTo(200);

        String second = authorize("write", null);
        HttpResponse<String> basic = anonymous.raw("POST", "/oauth/token",
                "grant_type=authorization_code&code=" + encode(second),
                "Content-Type", "application/x-www-form-urlencoded",
                "Authorization", "Basic " + Base64.getEncoder().encodeToString("7:s3cret".getBytes(StandardCharsets.UTF_8)));
        assertThat(basic.statusCode()).as(basic.body()).isEqualTo(200);
    }

    @Test
    void refreshTokensRotateAndTheOldOnesStopWorking() {
        JsonNode first = exchange(authorize("write", null));
        String oldAccess = first.path("access_token").asText();
        String oldRefresh = first.path("refresh_token").asText();

        JsonNode second = refresh(oldRefresh, 200);
        String newAccess = second.path("access_token").asText();
        String newRefresh = second.path("refresh_token").asText();
        assertThat(newAccess).isNotEqualTo(oldAccess);
        assertThat(newRefresh).isNotEqualTo(oldRefresh);

        // the used refresh token is dead: 401 by default, as clients expect before disconnecting
        HttpResponse<String> reused = tokenRequest("grant_type=refresh_token&client_id=7&client_secret=s3cret"
                + "&refresh_token=" + encode(oldRefresh));
        assertThat(reused.statusCode()).isEqualTo(401);
        assertThat(json(reused).path("error").asText()).isEqualTo("invalid_request");
        assertThat(json(reused).path("message").asText()).isEqualTo("The refresh token is invalid.");

        // the access token it replaced is revoked too, the new one works
        assertThat(anonymous.withToken(oldAccess).get("/account").statusCode()).isEqualTo(401);
        assertThat(anonymous.withToken(newAccess).get("/account").statusCode()).isEqualTo(200);

        // and the new refresh token rotates in turn
        JsonNode third = refresh(newRefresh, 200);
        assertThat(third.path("refresh_token").asText()).isNotEqualTo(newRefresh);

        sim.updateSettings(s -> s.invalidRefreshTokenStatus(400));
        HttpResponse<String> rfc = tokenRequest("grant_type=refresh_token&client_id=7&client_secret=s3cret"
                + "&refresh_token=" + encode(newRefresh));
        assertThat(rfc.statusCode()).isEqualTo(400);
        assertThat(json(rfc).path("error").asText()).isEqualTo("invalid_grant");
    }

    @Test
    void accessTokensExpireAfterTheConfiguredLifetimeAndRefreshRenewsThem() {
        JsonNode tokens = exchange(authorize("write", null));
        BirdSendTestClient client = anonymous.withToken(tokens.path("access_token").asText());
        time.advance(Duration.ofDays(60).minusSeconds(1));
        assertThat(client.get("/account").statusCode()).isEqualTo(200);
        time.advance(Duration.ofSeconds(1));
        HttpResponse<String> expired = client.get("/account");
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(expired.body()).isEqualTo(UNAUTHENTICATED);

        JsonNode renewed = refresh(tokens.path("refresh_token").asText(), 200);
        assertThat(anonymous.withToken(renewed.path("access_token").asText()).get("/account").statusCode()).isEqualTo(200);

        // a 365-day lifetime, and lifetimes pass through the time scale
        sim.updateSettings(s -> s.accessTokenLifetimeSeconds(365L * 24 * 3600));
        clock.setTimeScale(365);
        JsonNode yearLong = exchange(authorize("write", null));
        assertThat(yearLong.path("expires_in").asLong()).isEqualTo(365L * 24 * 3600);
        BirdSendTestClient scaled = anonymous.withToken(yearLong.path("access_token").asText());
        time.advance(Duration.ofHours(23));
        assertThat(scaled.get("/account").statusCode()).isEqualTo(200);
        time.advance(Duration.ofHours(1));
        assertThat(scaled.get("/account").statusCode()).isEqualTo(401);
    }

    @Test
    void oauthScopesAreEnforcedAndDefaultToRead() {
        JsonNode readOnly = exchange(authorize("read", null));
        BirdSendTestClient reader = anonymous.withToken(readOnly.path("access_token").asText());
        assertThat(reader.get("/contacts").statusCode()).isEqualTo(200);
        assertThat(reader.post("/contacts", "{\"email\":\"ann@example.com\"}").statusCode()).isEqualTo(403);

        JsonNode unnamed = exchange(authorize("", null));
        assertThat(anonymous.withToken(unnamed.path("access_token").asText())
                .post("/contacts", "{\"email\":\"ann@example.com\"}").statusCode()).isEqualTo(403);

        // a refresh may narrow the scope, never widen it
        JsonNode writer = exchange(authorize("write", null));
        JsonNode narrowed = json(tokenRequest("grant_type=refresh_token&client_id=7&client_secret=s3cret&scope=read"
                + "&refresh_token=" + encode(writer.path("refresh_token").asText())));
        assertThat(anonymous.withToken(narrowed.path("access_token").asText())
                .post("/contacts", "{\"email\":\"ann@example.com\"}").statusCode()).isEqualTo(403);
        HttpResponse<String> widened = tokenRequest("grant_type=refresh_token&client_id=7&client_secret=s3cret"
                + "&scope=write&refresh_token=" + encode(readOnly.path("refresh_token").asText()));
        assertThat(widened.statusCode()).isEqualTo(400);
        assertThat(json(widened).path("error").asText()).isEqualTo("invalid_scope");
    }

    @Test
    void tokenEndpointRejectsBadRequestsInLeagueOAuthShape() {
        HttpResponse<String> badSecret = tokenRequest("grant_type=authorization_code&client_id=7&client_secret=nope&code=x");
        assertThat(badSecret.statusCode()).isEqualTo(401);
        assertThat(json(badSecret).path("error").asText()).isEqualTo("invalid_client");
        assertThat(json(badSecret).path("message").asText()).isEqualTo("Client authentication failed");

        HttpResponse<String> noGrant = tokenRequest("client_id=7&client_secret=s3cret");
        assertThat(noGrant.statusCode()).isEqualTo(400);
        assertThat(json(noGrant).path("error").asText()).isEqualTo("invalid_request");

        HttpResponse<String> password = tokenRequest("grant_type=password&client_id=7&client_secret=s3cret");
        assertThat(password.statusCode()).isEqualTo(400);
        assertThat(json(password).path("error").asText()).isEqualTo("unsupported_grant_type");

        HttpResponse<String> noCode = tokenRequest("grant_type=authorization_code&client_id=7&client_secret=s3cret");
        assertThat(noCode.statusCode()).isEqualTo(400);
        assertThat(json(noCode).path("error").asText()).isEqualTo("invalid_request");

        String code = authorize("write", null);
        HttpResponse<String> otherRedirect = tokenRequest("grant_type=authorization_code&client_id=7"
                + "&client_secret=s3cret&redirect_uri=" + encode("https://evil.example.com/cb") + "&code=" + encode(code));
        assertThat(otherRedirect.statusCode()).isEqualTo(400);
        assertThat(json(otherRedirect).path("error").asText()).isEqualTo("invalid_grant");

        time.advance(Duration.ofMinutes(10));
        HttpResponse<String> stale = tokenRequest("grant_type=authorization_code&client_id=7&client_secret=s3cret"
                + "&code=" + encode(code));
        assertThat(stale.statusCode()).isEqualTo(400);
        assertThat(json(stale).path("hint").asText()).contains("expired");
    }

    @Test
    void authorizeRejectsUnknownClientsAndRedirectsOtherErrors() {
        HttpResponse<String> unknown = anonymous.raw("GET", "/oauth/authorize?client_id=999&response_type=code", null);
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(json(unknown).path("error").asText()).isEqualTo("invalid_client");

        HttpResponse<String> foreignRedirect = anonymous.raw("GET", "/oauth/authorize?client_id=7&response_type=code"
                + "&redirect_uri=" + encode("https://evil.example.com/cb"), null);
        assertThat(foreignRedirect.statusCode()).isEqualTo(401);

        HttpResponse<String> badScope = anonymous.raw("GET",
                "/oauth/authorize?client_id=7&response_type=code&scope=admin&state=s1", null);
        assertThat(badScope.statusCode()).isEqualTo(302);
        Map<String, String> params = query(URI.create(badScope.headers().firstValue("Location").orElseThrow()));
        assertThat(params).containsEntry("error", "invalid_scope").containsEntry("state", "s1");

        HttpResponse<String> token = anonymous.raw("GET", "/oauth/authorize?client_id=7&response_type=token", null);
        assertThat(query(URI.create(token.headers().firstValue("Location").orElseThrow())))
                .containsEntry("error", "unsupported_response_type");
    }

    @Test
    void authorizeCanPickTheAccountAndTokensSeeOnlyThatAccount() {
        long other = sim.createAccount("second@example.com", "Sec", "Ond", null, "UTC");
        BirdSendContactView mine = sim.seedContact(BirdSendNewContact.of("mine@example.com"));
        String code = authorize("write", other);
        BirdSendTestClient client = anonymous.withToken(exchange(code).path("access_token").asText());
        assertThat(json(client.get("/account")).path("account_id").asLong()).isEqualTo(other);
        assertThat(client.get("/contacts/" + mine.contactId()).statusCode()).isEqualTo(404);
        assertThat(json(client.get("/contacts")).path("data")).isEmpty();

        assertThat(anonymous.raw("GET", "/oauth/authorize?client_id=7&response_type=code&account_id=12345", null)
                .statusCode()).isEqualTo(400);
    }

    @Test
    void tokensCanBeIssuedDirectlyForTests() {
        BirdSendTokenPair pair = sim.issueOAuthTokens("7", sim.defaultAccountId());
        assertThat(pair.scopes()).containsExactly(BirdSendScope.WRITE);
        assertThat(anonymous.withToken(pair.accessToken()).post("/contacts", "{\"email\":\"a@example.com\"}")
                .statusCode()).isEqualTo(201);
        assertThat(refresh(pair.refreshToken(), 200).path("access_token").asText()).isNotBlank();
    }

    // --- helpers ---------------------------------------------------------------------------------

    private String authorize(String scope, Long accountId) {
        HttpResponse<String> response = anonymous.raw("GET", "/oauth/authorize?client_id=" + app.clientId()
                + "&redirect_uri=" + encode(REDIRECT) + "&response_type=code&scope=" + encode(scope)
                + (accountId == null ? "" : "&account_id=" + accountId), null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(302);
        return query(URI.create(response.headers().firstValue("Location").orElseThrow())).get("code");
    }

    private JsonNode exchange(String code) {
        HttpResponse<String> response = tokenRequest("grant_type=authorization_code&client_id=7&client_secret=s3cret"
                + "&redirect_uri=" + encode(REDIRECT) + "&code=" + encode(code));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    private JsonNode refresh(String refreshToken, int expectedStatus) {
        HttpResponse<String> response = tokenRequest("grant_type=refresh_token&client_id=7&client_secret=s3cret"
                + "&refresh_token=" + encode(refreshToken));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
        return json(response);
    }

    private HttpResponse<String> tokenRequest(String form) {
        return anonymous.raw("POST", "/oauth/token", form,
                "Content-Type", "application/x-www-form-urlencoded", "Accept", "application/json");
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
