package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimFilter;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.simulator.sim.SimServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class HighLevelOAuthServerTest {

    private static final String CLIENT_ID = "6578278e879ad2646715ba9c-lq4sb5tt";
    private static final String CLIENT_SECRET = "s3cr3t-4b1c";
    private static final String REDIRECT = "https://bridge.example/oauth/callback/gohighlevel";
    private static final double SCALE = 1000;

    private final MutableClock time = MutableClock.startingAt(Instant.parse("2025-03-01T08:00:00Z"));
    private final SimClock clock = new SimClock(time, SCALE);
    private final HighLevelOAuthServer oauth = new HighLevelOAuthServer(clock, "CompanyAAAAAAAAAAAAA", "LocationBBBBBBBBBBBB");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private SimServer server;

    @BeforeEach
    void start() {
        oauth.registerApp(CLIENT_ID, CLIENT_SECRET, List.of(REDIRECT),
                List.of("contacts.readonly", "contacts.write", "locations.readonly"));
        server = new SimServer("highlevel-oauth-test", clock);
        oauth.registerRoutes(server);
        oauth.registerAdminRoutes(server);
        // What the simulator's auth filter does: OAuth endpoints are public, everything else needs a grant.
        server.filter(SimFilter.before(req -> {
            if (HighLevelOAuthServer.PUBLIC_OPERATIONS.contains(req.operation())) {
                return null;
            }
            String auth = req.header("Authorization");
            String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
            Optional<HighLevelGrant> grant = oauth.authenticate(token);
            if (grant.isEmpty()) {
                return SimResponse.json(401, SimJson.object()
                        .put("statusCode", 401).put("message", "Invalid JWT").put("error", "Unauthorized"));
            }
            req.setAttribute(HighLevelGrant.ATTRIBUTE, grant.get());
            return null;
        }));
        server.route("GET", "/whoami", "whoami", req -> {
            HighLevelGrant grant = req.attribute(HighLevelGrant.ATTRIBUTE);
            return SimResponse.ok(SimJson.object()
                    .put("kind", grant.kind().name())
                    .put("appId", grant.appId())
                    .put("companyId", grant.companyId())
                    .put("locationId", grant.locationId())
                    .put("scopes", String.join(" ", grant.scopes())));
        });
        server.start(0);
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void authorizationCodeFlowFromRedirectToRefreshAndExpiry() throws Exception {
        HttpResponse<String> redirect = get("/oauth/chooselocation?response_type=code"
                + "&redirect_uri=" + enc(REDIRECT) + "&client_id=" + enc(CLIENT_ID)
                + "&scope=" + enc("contacts.readonly contacts.write") + "&state=" + enc("st/8 x"));
        assertThat(redirect.statusCode()).isEqualTo(302);
        URI location = URI.create(redirect.headers().firstValue("Location").orElseThrow());
        assertThat(location.toString()).startsWith(REDIRECT + "?code=");
        Map<String, String> callback = query(location);
        assertThat(callback).containsEntry("state", "st/8 x");
        String code = callback.get("code");
        assertThat(code).isNotBlank();

        HttpResponse<String> exchanged = token(Map.of("client_id", CLIENT_ID, "client_secret", CLIENT_SECRET,
                "grant_type", "authorization_code", "code", code, "user_type", "Location", "redirect_uri", REDIRECT));
        assertThat(exchanged.statusCode()).isEqualTo(200);
        JsonNode tokens = SimJson.parse(exchanged.body());
        assertThat(tokens.path("token_type").asText()).isEqualTo("Bearer");
        assertThat(tokens.path("expires_in").asLong()).isEqualTo(86_399);
        assertThat(tokens.path("scope").asText()).isEqualTo("contacts.readonly contacts.write");
        assertThat(tokens.path("userType").asText()).isEqualTo("Location");
        assertThat(tokens.path("locationId").asText()).isEqualTo("LocationBBBBBBBBBBBB");
        assertThat(tokens.path("companyId").asText()).isEqualTo("CompanyAAAAAAAAAAAAA");
        assertThat(tokens.path("userId").asText()).isEqualTo(oauth.installingUserId());
        assertThat(tokens.has("approvedLocations")).isFalse();
        String access = tokens.path("access_token").asText();
        String refresh = tokens.path("refresh_token").asText();
        assertThat(access.split("\\.")).hasSize(3);
        JsonNode claims = SimJson.parse(Base64.getUrlDecoder().decode(access.split("\\.")[1]));
        assertThat(claims.path("authClass").asText()).isEqualTo("Location");
        assertThat(claims.path("authClassId").asText()).isEqualTo("LocationBBBBBBBBBBBB");
        assertThat(claims.path("sourceId").asText()).isEqualTo(CLIENT_ID);
        // exp reflects when the token really dies on the simulator's clock: 86399 s / 1000
        assertThat(claims.path("exp").asLong() - claims.path("iat").asLong()).isEqualTo(86);

        HttpResponse<String> me = whoami(access);
        assertThat(me.statusCode()).isEqualTo(200);
        JsonNode grant = SimJson.parse(me.body());
        assertThat(grant.path("kind").asText()).isEqualTo("LOCATION_OAUTH");
        assertThat(grant.path("appId").asText()).isEqualTo("6578278e879ad2646715ba9c");
        assertThat(grant.path("locationId").asText()).isEqualTo("LocationBBBBBBBBBBBB");
        assertThat(grant.path("scopes").asText()).isEqualTo("contacts.readonly contacts.write");

        // the code is single-use
        HttpResponse<String> reused = token(Map.of("client_id", CLIENT_ID, "client_secret", CLIENT_SECRET,
                "grant_type", "authorization_code", "code", code));
        assertOAuthError(reused, 400, "invalid_grant");

        HttpResponse<String> refreshed = refresh(refresh);
        assertThat(refreshed.statusCode()).isEqualTo(200);
        JsonNode rotated = SimJson.parse(refreshed.body());
        String access2 = rotated.path("access_token").asText();
        String refresh2 = rotated.path("refresh_token").asText();
        assertThat(refresh2).isNotEqualTo(refresh);
        assertThat(access2).isNotEqualTo(access);
        assertThat(rotated.path("expires_in").asLong()).isEqualTo(86_399);
        assertThat(rotated.path("locationId").asText()).isEqualTo("LocationBBBBBBBBBBBB");
        assertThat(rotated.path("scope").asText()).isEqualTo("contacts.readonly contacts.write");

        HttpResponse<String> oldRefresh = refresh(refresh);
        assertOAuthError(oldRefresh, 400, "invalid_grant");
        assertThat(SimJson.parse(oldRefresh.body()).path("error_description").asText())
                .isEqualTo("Invalid grant: refresh token is invalid");
        assertThat(whoami(access2).statusCode()).isEqualTo(200);

        // 86399 real-service seconds at time scale 1000 are 86.399 s on the simulator's clock
        assertThat(oauth.scaledAccessTokenLifetime()).isEqualTo(Duration.ofMillis(86_399));
        time.advance(Duration.ofMillis(86_398));
        assertThat(whoami(access2).statusCode()).isEqualTo(200);
        time.advance(Duration.ofMillis(1));
        assertThat(whoami(access2).statusCode()).isEqualTo(401);
        assertThat(whoami(access).statusCode()).isEqualTo(401);
        assertThat(oauth.tokenStatus(access2)).isEqualTo(HighLevelOAuthServer.TokenStatus.EXPIRED);

        // the refresh token outlives the access token (a year, scaled)
        HttpResponse<String> afterExpiry = refresh(refresh2);
        assertThat(afterExpiry.statusCode()).isEqualTo(200);
        assertThat(whoami(SimJson.parse(afterExpiry.body()).path("access_token").asText()).statusCode()).isEqualTo(200);
    }

    @Test
    void chooseLocationRejectsUnknownClientsRedirectsAndScopes() throws Exception {
        HttpResponse<String> unknownClient = get("/oauth/chooselocation?response_type=code&client_id=nope"
                + "&redirect_uri=" + enc(REDIRECT));
        assertThat(unknownClient.statusCode()).isEqualTo(400);
        assertThat(SimJson.parse(unknownClient.body()).path("message").asText()).contains("Unknown client_id");

        HttpResponse<String> badRedirect = get("/oauth/chooselocation?response_type=code&client_id=" + enc(CLIENT_ID)
                + "&redirect_uri=" + enc("https://evil.example/cb"));
        assertThat(badRedirect.statusCode()).isEqualTo(400);
        assertThat(SimJson.parse(badRedirect.body()).path("message").asText())
                .contains("redirect_uri https://evil.example/cb is not registered");

        HttpResponse<String> badScope = get("/oauth/chooselocation?response_type=code&client_id=" + enc(CLIENT_ID)
                + "&redirect_uri=" + enc(REDIRECT) + "&scope=" + enc("contacts.readonly users.write"));
        assertThat(badScope.statusCode()).isEqualTo(400);
        assertThat(SimJson.parse(badScope.body()).path("message").asText()).contains("users.write");

        HttpResponse<String> implicit = get("/oauth/chooselocation?response_type=token&client_id=" + enc(CLIENT_ID)
                + "&redirect_uri=" + enc(REDIRECT));
        assertThat(implicit.statusCode()).isEqualTo(400);

        // the marketplace path works too; no scope asks for all the app's scopes; no state, no state param
        HttpResponse<String> v2 = get("/v2/oauth/chooselocation?response_type=code&client_id=" + enc(CLIENT_ID)
                + "&redirect_uri=" + enc(REDIRECT));
        assertThat(v2.statusCode()).isEqualTo(302);
        Map<String, String> callback = query(URI.create(v2.headers().firstValue("Location").orElseThrow()));
        assertThat(callback).containsOnlyKeys("code");
        JsonNode tokens = SimJson.parse(token(Map.of("client_id", CLIENT_ID, "client_secret", CLIENT_SECRET,
                "grant_type", "authorization_code", "code", callback.get("code"))).body());
        assertThat(tokens.path("scope").asText()).isEqualTo("contacts.readonly contacts.write locations.readonly");
    }

    @Test
    void tokenEndpointValidatesClientFormAndCodes() throws Exception {
        String code = authorize();
        assertOAuthError(token(Map.of("client_id", CLIENT_ID, "client_secret", "wrong",
                "grant_type", "authorization_code", "code", code)), 401, "invalid_client");

        HttpResponse<String> json = http.send(HttpRequest.newBuilder(server.uri("/oauth/token"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(SimJson.toJson(Map.of("client_id", CLIENT_ID,
                        "client_secret", CLIENT_SECRET, "grant_type", "authorization_code", "code", code))))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertOAuthError(json, 400, "invalid_request");

        HttpResponse<String> missing = token(Map.of("client_id", CLIENT_ID, "client_secret", CLIENT_SECRET,
                "user_type", "Agency"));
        assertThat(missing.statusCode()).isEqualTo(422);
        JsonNode problems = SimJson.parse(missing.body());
        assertThat(problems.path("error").asText()).isEqualTo("Unprocessable Entity");
        assertThat(problems.path("message").isArray()).isTrue();
        assertThat(problems.path("message").toString()).contains("grant_type should not be empty", "user_type must be one of");

        assertOAuthError(token(Map.of("client_id", CLIENT_ID, "client_secret", CLIENT_SECRET,
                "grant_type", "client_credentials")), 400, "unsupported_grant_type");

        // a redirect_uri other than the one authorized is refused (and the code is spent)
        assertOAuthError(token(Map.of("client_id", CLIENT_ID, "client_secret", CLIENT_SECRET,
                "grant_type", "authorization_code", "code", code, "redirect_uri", "https://other.example/cb")),
                400, "invalid_grant");

        // codes live 10 minutes of real-service time: 600 ms at scale 1000
        String late = authorize();
        time.advance(Duration.ofMillis(600));
        HttpResponse<String> expired = token(Map.of("client_id", CLIENT_ID, "client_secret", CLIENT_SECRET,
                "grant_type", "authorization_code", "code", late));
        assertOAuthError(expired, 400, "invalid_grant");
        assertThat(SimJson.parse(expired.body()).path("error_description").asText()).contains("expired");

        // a refresh token only works for the client it was issued to
        oauth.registerApp("other-app", "other-secret", List.of(REDIRECT), List.of("contacts.readonly"));
        String refresh = SimJson.parse(token(Map.of("client_id", CLIENT_ID, "client_secret", CLIENT_SECRET,
                "grant_type", "authorization_code", "code", authorize())).body()).path("refresh_token").asText();
        assertOAuthError(token(Map.of("client_id", "other-app", "client_secret", "other-secret",
                "grant_type", "refresh_token", "refresh_token", refresh)), 400, "invalid_grant");
        assertThat(refresh(refresh).statusCode()).isEqualTo(200);
    }

    @Test
    void companyTokensCarryNoLocation() throws Exception {
        HttpResponse<String> answer = token(Map.of("client_id", CLIENT_ID, "client_secret", CLIENT_SECRET,
                "grant_type", "authorization_code", "code", authorize(), "user_type", "Company"));
        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode tokens = SimJson.parse(answer.body());
        assertThat(tokens.path("userType").asText()).isEqualTo("Company");
        assertThat(tokens.has("locationId")).isFalse();
        assertThat(tokens.path("companyId").asText()).isEqualTo("CompanyAAAAAAAAAAAAA");
        assertThat(tokens.path("approvedLocations").get(0).asText()).isEqualTo("LocationBBBBBBBBBBBB");
        HighLevelGrant grant = oauth.authenticate(tokens.path("access_token").asText()).orElseThrow();
        assertThat(grant.locationId()).isNull();
        assertThat(grant.companyId()).isEqualTo("CompanyAAAAAAAAAAAAA");
        // refreshing keeps the user type
        JsonNode refreshed = SimJson.parse(refresh(tokens.path("refresh_token").asText()).body());
        assertThat(refreshed.path("userType").asText()).isEqualTo("Company");
    }

    @Test
    void privateIntegrationTokensNeverExpireButCanBeRevoked() throws Exception {
        String pit = oauth.issuePrivateIntegrationToken("LocationCCCCCCCCCCCC", List.of("contacts.readonly"));
        assertThat(pit).matches("pit-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        String other = oauth.issuePrivateIntegrationToken("LocationCCCCCCCCCCCC", List.of("contacts.readonly"));
        HighLevelGrant grant = oauth.authenticate(pit).orElseThrow();
        assertThat(grant.kind()).isEqualTo(HighLevelGrant.Kind.PRIVATE_INTEGRATION);
        assertThat(grant.expiresAt()).isNull();
        assertThat(grant.locationId()).isEqualTo("LocationCCCCCCCCCCCC");
        assertThat(grant.rateLimitKey()).isNotEqualTo(oauth.authenticate(other).orElseThrow().rateLimitKey());

        String access = oauth.issueLocationTokens(CLIENT_ID, "LocationBBBBBBBBBBBB").path("access_token").asText();
        time.advance(Duration.ofDays(30));
        assertThat(whoami(pit).statusCode()).isEqualTo(200);
        assertThat(whoami(access).statusCode()).isEqualTo(401);

        assertThat(oauth.revoke(pit)).isTrue();
        assertThat(oauth.revoke(pit)).isFalse();
        assertThat(whoami(pit).statusCode()).isEqualTo(401);
        assertThat(oauth.tokenStatus(pit)).isEqualTo(HighLevelOAuthServer.TokenStatus.UNKNOWN);
        assertThat(whoami(other).statusCode()).isEqualTo(200);

        assertThat(oauth.reinstate(pit)).isTrue();
        assertThat(oauth.reinstate(pit)).isFalse();
        assertThat(oauth.reinstate(other)).as("a token never revoked").isFalse();
        assertThat(whoami(pit).statusCode()).isEqualTo(200);
        assertThat(oauth.authenticate(pit).orElseThrow()).isEqualTo(grant);
    }

    @Test
    void expireAllAccessTokensLeavesRefreshTokensAndPrivateIntegrationsWorking() throws Exception {
        JsonNode tokens = oauth.issueLocationTokens(CLIENT_ID, "LocationBBBBBBBBBBBB");
        String pit = oauth.issuePrivateIntegrationToken("LocationBBBBBBBBBBBB", List.of("contacts.readonly"));
        assertThat(whoami(tokens.path("access_token").asText()).statusCode()).isEqualTo(200);

        HttpResponse<String> expired = send(HttpRequest.newBuilder(server.uri("/__admin/oauth/expire-access-tokens"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(SimJson.parse(expired.body()).path("expired").asInt()).isEqualTo(1);

        assertThat(whoami(tokens.path("access_token").asText()).statusCode()).isEqualTo(401);
        assertThat(whoami(pit).statusCode()).isEqualTo(200);
        HttpResponse<String> refreshed = refresh(tokens.path("refresh_token").asText());
        assertThat(whoami(SimJson.parse(refreshed.body()).path("access_token").asText()).statusCode()).isEqualTo(200);
    }

    @Test
    void accessTokenLifetimeIsConfigurableAndReportedInRealServiceSeconds() throws Exception {
        HttpResponse<String> settings = send(HttpRequest.newBuilder(server.uri("/__admin/oauth/settings"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"accessTokenLifetimeSeconds\":3600}")));
        assertThat(settings.statusCode()).isEqualTo(200);
        assertThat(SimJson.parse(settings.body()).path("scaledAccessTokenLifetimeMs").asLong()).isEqualTo(3600);

        JsonNode tokens = SimJson.parse(token(Map.of("client_id", CLIENT_ID, "client_secret", CLIENT_SECRET,
                "grant_type", "authorization_code", "code", authorize())).body());
        assertThat(tokens.path("expires_in").asLong()).isEqualTo(3600);
        String access = tokens.path("access_token").asText();
        time.advance(Duration.ofMillis(3599));
        assertThat(whoami(access).statusCode()).isEqualTo(200);
        time.advance(Duration.ofMillis(1));
        assertThat(whoami(access).statusCode()).isEqualTo(401);
    }

    @Test
    void aRefreshTokenRacedTwiceSucceedsOnce() throws Exception {
        String refresh = oauth.issueLocationTokens(CLIENT_ID, "LocationBBBBBBBBBBBB").path("refresh_token").asText();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> attempts = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                attempts.add(() -> refresh(refresh).statusCode());
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : pool.invokeAll(attempts)) {
                statuses.add(f.get());
            }
            assertThat(statuses).containsOnly(200, 400);
            assertThat(statuses.stream().filter(s -> s == 200).count()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    // --- helpers ---------------------------------------------------------------------------------

    private String authorize() throws Exception {
        HttpResponse<String> redirect = get("/oauth/chooselocation?response_type=code&client_id=" + enc(CLIENT_ID)
                + "&redirect_uri=" + enc(REDIRECT) + "&scope=contacts.readonly");
        assertThat(redirect.statusCode()).isEqualTo(302);
        return query(URI.create(redirect.headers().firstValue("Location").orElseThrow())).get("code");
    }

    private HttpResponse<String> refresh(String refreshToken) throws IOException, InterruptedException {
        return token(Map.of("client_id", CLIENT_ID, "client_secret", CLIENT_SECRET,
                "grant_type", "refresh_token", "refresh_token", refreshToken, "user_type", "Location"));
    }

    private HttpResponse<String> token(Map<String, String> form) throws IOException, InterruptedException {
        String body = form.entrySet().stream()
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(server.uri("/oauth/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> whoami(String token) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(server.uri("/whoami")).header("Authorization", "Bearer " + token).GET());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(server.uri(path)).GET());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertOAuthError(HttpResponse<String> response, int status, String error) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = SimJson.parse(response.body());
        assertThat(body.path("statusCode").asInt()).isEqualTo(status);
        assertThat(body.path("error").asText()).isEqualTo(error);
        assertThat(body.path("error_description").asText()).isNotBlank();
        assertThat(body.path("message").asText()).isEqualTo(body.path("error_description").asText());
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            out.put(pair.substring(0, eq), java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
