package io.contactsbridge.auth;

import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.contactsbridge.simulator.birdsend.BirdSendSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelOAuthServer;
import io.contactsbridge.simulator.highlevel.HighLevelSandbox;
import io.contactsbridge.simulator.highlevel.HighLevelSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * End to end against the HighLevel and BirdSend simulators: connect through their consent
 * redirects, call their APIs with the tokens, and refresh from two replicas at once. The simulators
 * consume a refresh token on use, so a second refresh with the same token would come back
 * invalid_grant and fail this test: single-flight is checked against the real rule.
 */
class SimulatorOAuthTest {

    private static final String BRIDGE = "http://bridge.test";
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private HighLevelSandbox highLevel;
    private BirdSendSimulator birdSend;
    private AuthProperties props;

    @BeforeEach
    void startSimulators() {
        highLevel = HighLevelSandbox.create(SimClock.system());
        highLevel.simulator().start(0);
        highLevel.oauth().registerApp("bridgeapp-client", "hl-app-secret", List.of(BRIDGE + "/oauth/callback/hl"),
                List.of("contacts.readonly", "contacts.write"));
        birdSend = new BirdSendSimulator().start(0);
        birdSend.registerOAuthClient("bs-client", "bs-app-secret", BRIDGE + "/oauth/callback/bs");

        String hl = highLevel.simulator().baseUrl();
        String bs = birdSend.baseUrl();
        props = new AuthProperties(Map.of(
                "hl", new AuthProperties.ConnectionSettings(ServiceType.HIGHLEVEL, CredentialKind.LOCATION_OAUTH, hl,
                        null, null, null, null, null, new AuthProperties.OAuthSettings("bridgeapp-client",
                        "hl-app-secret", hl + "/oauth/chooselocation", hl + "/oauth/token",
                        "contacts.readonly contacts.write", null, Duration.ofDays(365), null)),
                "bs", new AuthProperties.ConnectionSettings(ServiceType.BIRDSEND, CredentialKind.OAUTH,
                        birdSend.apiBaseUrl(), null, null, null, null, null, new AuthProperties.OAuthSettings("bs-client",
                        "bs-app-secret", bs + "/oauth/authorize", bs + "/oauth/token", "write", null, null,
                        Duration.ofDays(60)))),
                BRIDGE, new AuthProperties.Encryption(AuthFixture.KEY, null, null), AuthFixture.timing());
    }

    @AfterEach
    void stopSimulators() {
        highLevel.close();
        birdSend.close();
    }

    @Test
    void highLevelConnectsCallsTheApiAndRefreshesOnceFromTwoReplicas() throws Exception {
        DataSource store = AuthFixture.emptyDatabase(Kind.POSTGRESQL);
        AuthFixture.Replica a = AuthFixture.replica(store, Clock.systemUTC(), props, "pod-a");
        AuthFixture.Replica b = AuthFixture.replica(store, Clock.systemUTC(), props, "pod-b");

        OAuthFlow.Connected connected = connect(a, "hl");
        assertThat(connected.locationId()).isEqualTo(HighLevelState.DEMO_LOCATION_ID);
        assertThat(a.registry().find("hl").orElseThrow().locationId()).isEqualTo(HighLevelState.DEMO_LOCATION_ID);

        String token = a.tokens().accessToken("hl");
        assertThat(highLevel.oauth().tokenStatus(token)).isEqualTo(HighLevelOAuthServer.TokenStatus.VALID);
        assertThat(highLevelContacts(token)).isEqualTo(200);

        String oldRefresh = a.storedRefreshToken("hl");
        List<String> renewed = concurrently(List.of(
                () -> a.tokens().refreshAfterRejection("hl", token),
                () -> b.tokens().refreshAfterRejection("hl", token),
                () -> b.tokens().refreshAfterRejection("hl", token)));
        assertThat(renewed).doesNotContain(token).containsOnly(renewed.get(0));
        assertThat(highLevelContacts(renewed.get(0))).isEqualTo(200);
        assertThat(a.store().find("hl").orElseThrow().status()).isEqualTo(ConnectionStatus.CONNECTED);
        assertThat(a.storedRefreshToken("hl")).isNotEqualTo(oldRefresh);

        // The simulator consumed the old refresh token: whoever used it again would be told to reconnect.
        assertThatThrownBy(() -> a.endpoint().refresh(a.definition("hl"), oldRefresh))
                .isInstanceOfSatisfying(TokenEndpointException.class, e -> {
                    assertThat(e.refused()).isTrue();
                    assertThat(e.errorCode()).isEqualTo("invalid_grant");
                });
    }

    @Test
    void birdSendConnectsCallsTheApiAndRotatesItsRefreshToken() throws Exception {
        AuthFixture.Replica r = AuthFixture.replica(AuthFixture.emptyDatabase(Kind.H2), Clock.systemUTC(), props, "pod-a");

        connect(r, "bs");
        String token = r.tokens().accessToken("bs");
        HttpResponse<String> account = http.send(HttpRequest.newBuilder(URI.create(birdSend.apiBaseUrl() + "/account"))
                .header("Authorization", "Bearer " + token).header("Accept", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(account.statusCode()).isEqualTo(200);
        assertThat(account.body()).contains("account_id");

        String oldRefresh = r.storedRefreshToken("bs");
        String renewed = r.tokens().refreshAfterRejection("bs", token);
        assertThat(renewed).isNotEqualTo(token);
        assertThat(r.storedRefreshToken("bs")).isNotEqualTo(oldRefresh);
        HttpResponse<String> again = http.send(HttpRequest.newBuilder(URI.create(birdSend.apiBaseUrl() + "/account"))
                .header("Authorization", "Bearer " + renewed).header("Accept", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(200);
    }

    /** Runs the connect flow as a browser would: start, follow the consent redirect, land on the callback. */
    private OAuthFlow.Connected connect(AuthFixture.Replica r, String id) throws Exception {
        OAuthFlow flow = new OAuthFlow(r.registry(), r.states(), r.store(), r.endpoint(), r.tokens(),
                Clock.systemUTC(), props);
        HttpResponse<String> consent = http.send(HttpRequest.newBuilder(URI.create(flow.start(id))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(consent.statusCode()).as(consent.body()).isEqualTo(302);
        String callback = consent.headers().firstValue("Location").orElseThrow();
        assertThat(callback).startsWith(BRIDGE + "/oauth/callback/" + id + "?");
        Map<String, String> query = query(URI.create(callback));
        return flow.complete(id, query.get("code"), query.get("state"), query.get("error"));
    }

    private int highLevelContacts(String token) throws Exception {
        URI uri = URI.create(highLevel.simulator().baseUrl() + "/contacts/?locationId=" + HighLevelState.DEMO_LOCATION_ID);
        return http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                        .header("Version", HighLevelSimulator.API_VERSION).header("Accept", "application/json").build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static List<String> concurrently(List<Callable<String>> calls) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(calls.size());
        try {
            List<Future<String>> futures = pool.invokeAll(calls, 20, TimeUnit.SECONDS);
            List<String> results = new ArrayList<>();
            for (Future<String> f : futures) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> q = new LinkedHashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }
}
