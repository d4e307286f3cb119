package io.contactsbridge.security;

import java.io.IOException;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.support.AppTest;
import io.contactsbridge.support.LogCapture;
import org.apache.camel.test.spring.junit5.DisableJmx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The admin surface as a security reviewer probes it, over real HTTP in live mode: password guessing is throttled,
 * a browser session cannot be ridden from another site (admin API and Jolokia), Jolokia shows and does only what
 * Hawtio needs, the session cookie is named per port, and health treats wrong credentials like none.
 */
@AppTest
@DisableJmx(false) // the same context as FoundationTest: Jolokia reads Camel through JMX
class AdminSurfaceTest {

    private static final String ADMIN = "admin";
    private static final String PASSWORD = "test-admin-password";
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    LoginThrottle throttle;

    @BeforeEach
    @AfterEach
    void clearThrottle() {
        throttle.forgetAll();
    }

    private String base() {
        return "http://localhost:" + port;
    }

    private static HttpClient client(CookieManager cookies) {
        HttpClient.Builder b = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5));
        if (cookies != null) {
            b.cookieHandler(cookies);
        }
        return b.build();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> get(String path, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base() + path)).GET();
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        return client(null).send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void wrongPasswordsAreThrottledPerAddressThenTheWaitEnds() throws Exception {
        try (LogCapture log = LogCapture.open()) {
            for (int i = 0; i < 5; i++) {
                assertThat(get("/api/status", basic(ADMIN, "guess-" + i)).statusCode()).isEqualTo(401);
            }
            // The sixth failure starts a wait: now even the right password is refused, without being checked.
            assertThat(get("/api/status", basic(ADMIN, "guess-5")).statusCode()).isEqualTo(401);
            HttpResponse<String> refused = get("/api/status", basic(ADMIN, PASSWORD));
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("2");
            assertThat(refused.body()).contains("too_many_login_attempts");
            // The login form is throttled the same way.
            assertThat(formLogin(new CookieManager(), PASSWORD)).isEqualTo(429);
            // More failures while it waits are refused too, and the burst is logged once.
            for (int i = 0; i < 10; i++) {
                assertThat(get("/api/status", basic(ADMIN, "more-" + i)).statusCode()).isEqualTo(429);
            }
            assertThat(log.events(e -> e.message().contains("Admin login:"))).hasSize(1);

            // The wait ends (scaled to 2 s in tests) and the right password works and clears the count.
            await().atMost(Duration.ofSeconds(10)).until(() -> get("/api/status", basic(ADMIN, PASSWORD)).statusCode() == 200);
            assertThat(get("/api/status", basic(ADMIN, "one-slip")).statusCode()).isEqualTo(401);
            assertThat(get("/api/status", basic(ADMIN, PASSWORD)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theWaitGrowsWithEachFailureBeyondTheFreeOnes() {
        String address = "203.0.113.9";
        for (int i = 0; i < 5; i++) {
            throttle.failed(address, ADMIN);
            assertThat(throttle.waitFor(address, ADMIN)).isEmpty();
        }
        throttle.failed(address, ADMIN);
        Duration first = throttle.waitFor(address, ADMIN).orElseThrow();
        throttle.failed(address, ADMIN);
        Duration second = throttle.waitFor(address, ADMIN).orElseThrow();
        assertThat(first).isLessThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(second).isGreaterThan(Duration.ofSeconds(2)).isLessThanOrEqualTo(Duration.ofSeconds(4));
        // Another address is not affected by this one's failures (the per-user allowance is larger).
        assertThat(throttle.waitFor("203.0.113.10", ADMIN)).isEmpty();
    }

    @Test
    void aBrowserSessionCannotBeUsedFromAnotherSite() throws Exception {
        CookieManager cookies = new CookieManager();
        assertThat(formLogin(cookies, PASSWORD)).isEqualTo(302);
        HttpCookie session = cookies.getCookieStore().getCookies().stream()
                .filter(c -> c.getName().startsWith("contacts-bridge-session-")).findFirst().orElseThrow();
        assertThat(session.getName()).isEqualTo("contacts-bridge-session-0"); // server.port=0 in tests: named per port
        assertThat(session.isHttpOnly()).isTrue();
        HttpClient browser = client(cookies);

        // Another site's page posting with the session cookie only: refused before anything runs.
        HttpResponse<String> evil = browser.send(HttpRequest.newBuilder(URI.create(base() + "/api/backfill"))
                .header("Origin", "http://evil.example").DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(evil.statusCode()).isEqualTo(403);
        assertThat(evil.body()).contains("cross_origin_refused");
        HttpResponse<String> fetchMeta = browser.send(HttpRequest.newBuilder(URI.create(base() + "/api/backfill"))
                .header("Sec-Fetch-Site", "cross-site").DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(fetchMeta.statusCode()).isEqualTo(403);
        // No Origin at all, but no CSRF token either: refused.
        HttpResponse<String> noToken = browser.send(HttpRequest.newBuilder(URI.create(base() + "/api/backfill"))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(403);
        // Same origin with the token from the cookie (what Hawtio does): reaches the API (409: no backfill runs).
        String token = cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals("XSRF-TOKEN"))
                .findFirst().orElseThrow().getValue();
        HttpResponse<String> own = browser.send(HttpRequest.newBuilder(URI.create(base() + "/api/backfill"))
                .header("Origin", base()).header("X-XSRF-TOKEN", token).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(own.statusCode()).isEqualTo(409);

        // Jolokia: an operation by GET is refused whoever asks; by POST from another site too.
        String stop = "/actuator/jolokia/exec/org.apache.camel:context=*,type=routes,name=%22heartbeat%22/stop()";
        HttpResponse<String> getExec = browser.send(HttpRequest.newBuilder(URI.create(base() + stop)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(getExec.statusCode()).isEqualTo(405);
        assertThat(get(stop, basic(ADMIN, PASSWORD)).statusCode()).isEqualTo(405);
        assertThat(get("/actuator/jolokia/?p=/exec/java.lang:type=Memory/gc()", basic(ADMIN, PASSWORD)).statusCode())
                .isEqualTo(405);
        HttpResponse<String> evilJolokia = browser.send(HttpRequest.newBuilder(URI.create(base() + "/actuator/jolokia"))
                .header("Origin", "http://evil.example").header("X-XSRF-TOKEN", token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"version\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(evilJolokia.statusCode()).isEqualTo(403);
        assertThat(evilJolokia.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        HttpResponse<String> evilRead = browser.send(HttpRequest.newBuilder(URI.create(base() + "/actuator/jolokia/version"))
                .header("Origin", "http://evil.example").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(evilRead.statusCode()).isEqualTo(403);
        assertThat(evilRead.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();
        // Hawtio's own POST with the token works.
        HttpResponse<String> own2 = browser.send(HttpRequest.newBuilder(URI.create(base() + "/actuator/jolokia"))
                .header("Origin", base()).header("X-XSRF-TOKEN", token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"version\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(own2.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(own2.body()).path("status").asInt()).isEqualTo(200);
    }

    @Test
    void jolokiaShowsAndDoesOnlyWhatHawtioNeeds() throws Exception {
        // Camel: read and operate.
        JsonNode routes = jolokia("{\"type\":\"search\",\"mbean\":\"org.apache.camel:type=routes,*\"}");
        assertThat(routes.path("status").asInt()).isEqualTo(200);
        String heartbeat = null;
        for (JsonNode name : routes.path("value")) {
            if (name.asText().contains("name=\"heartbeat\"")) {
                heartbeat = name.asText();
            }
        }
        assertThat(heartbeat).isNotNull();
        JsonNode state = jolokia("{\"type\":\"exec\",\"mbean\":" + JSON.writeValueAsString(heartbeat)
                + ",\"operation\":\"getState()\"}");
        assertThat(state.path("status").asInt()).as(state.toString()).isEqualTo(200);
        // The JVM: harmless readings yes; its command line and system properties (where a secret given as an
        // argument would show) no; no operation outside Camel.
        assertThat(jolokia("{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":\"Uptime\"}")
                .path("status").asInt()).isEqualTo(200);
        for (String attribute : List.of("SystemProperties", "InputArguments", "ClassPath")) {
            JsonNode secret = jolokia("{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":\""
                    + attribute + "\"}");
            assertThat(secret.path("status").asInt()).as(attribute).isEqualTo(403);
        }
        JsonNode all = jolokia("{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\"}");
        assertThat(all.toString()).doesNotContain("sun.java.command", "java.class.path", "test-admin-password");
        assertThat(jolokia("{\"type\":\"exec\",\"mbean\":\"java.lang:type=Memory\",\"operation\":\"gc()\"}")
                .path("status").asInt()).isEqualTo(403);
        assertThat(jolokia("{\"type\":\"exec\",\"mbean\":\"com.sun.management:type=DiagnosticCommand\","
                + "\"operation\":\"vmSystemProperties()\"}").path("status").asInt()).isEqualTo(403);
        assertThat(jolokia("{\"type\":\"write\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"Verbose\","
                + "\"value\":true}").path("status").asInt()).isEqualTo(403);
    }

    @Test
    void healthTreatsWrongCredentialsLikeNone() throws Exception {
        HttpResponse<String> anonymous = get("/actuator/health", null);
        HttpResponse<String> wrong = get("/actuator/health", basic(ADMIN, "wrong"));
        HttpResponse<String> garbage = get("/actuator/health", "Basic !!!not-base64");
        HttpResponse<String> right = get("/actuator/health", basic(ADMIN, PASSWORD));
        assertThat(anonymous.statusCode()).isEqualTo(200);
        assertThat(wrong.statusCode()).isEqualTo(200);
        assertThat(garbage.statusCode()).isEqualTo(200);
        assertThat(right.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(wrong.body()).path("components").has("db")).isTrue();
        assertThat(JSON.readTree(anonymous.body()).path("components").path("db").has("details")).isFalse();
        assertThat(JSON.readTree(wrong.body()).path("components").path("db").has("details")).isFalse();
        assertThat(JSON.readTree(right.body()).path("components").path("db").has("details")).isTrue();
        assertThat(get("/actuator/health/liveness", basic(ADMIN, "wrong")).statusCode()).isEqualTo(200);
        // Guessing through health counts like any other login, and while waiting the right one shows no more.
        for (int i = 0; i < 6; i++) {
            get("/actuator/health", basic(ADMIN, "guess-" + i));
        }
        HttpResponse<String> waiting = get("/actuator/health", basic(ADMIN, PASSWORD));
        assertThat(waiting.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(waiting.body()).path("components").path("db").has("details")).isFalse();
    }

    private JsonNode jolokia(String body) throws Exception {
        HttpResponse<String> r = client(null).send(HttpRequest.newBuilder(URI.create(base() + "/actuator/jolokia"))
                .header("Authorization", basic(ADMIN, PASSWORD)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void deadLetterReplaysAndDiscardsNeedTheAdminAndABrowserSessionsCsrfToken() throws Exception {
        assertThat(get("/api/dead-letters", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/dead-letters", basic(ADMIN, PASSWORD)).statusCode()).isEqualTo(200);
        CookieManager cookies = new CookieManager();
        assertThat(formLogin(cookies, PASSWORD)).isEqualTo(302);
        HttpClient browser = client(cookies);
        for (HttpRequest.Builder request : List.of(
                HttpRequest.newBuilder(URI.create(base() + "/api/dead-letters/999999999/replay"))
                        .POST(HttpRequest.BodyPublishers.noBody()),
                HttpRequest.newBuilder(URI.create(base() + "/api/dead-letters/replay")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"ids\":[999999999]}")),
                HttpRequest.newBuilder(URI.create(base() + "/api/dead-letters/999999999")).DELETE())) {
            HttpRequest noToken = request.build();
            assertThat(browser.send(noToken, HttpResponse.BodyHandlers.ofString()).statusCode())
                    .as("%s %s without the CSRF token", noToken.method(), noToken.uri()).isEqualTo(403);
        }
        // With the token (what the dashboard will send): reaches the API, which knows no such letter.
        String token = cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals("XSRF-TOKEN"))
                .findFirst().orElseThrow().getValue();
        HttpResponse<String> own = browser.send(HttpRequest.newBuilder(URI.create(base() + "/api/dead-letters/999999999/replay"))
                .header("Origin", base()).header("X-XSRF-TOKEN", token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(own.statusCode()).as(own.body()).isEqualTo(404);
    }

    /** The login form as a browser fills it in: fetch the page for its CSRF token, then post. Returns the status. */
    private int formLogin(CookieManager cookies, String password) throws Exception {
        HttpClient browser = client(cookies);
        HttpResponse<String> page = browser.send(HttpRequest.newBuilder(URI.create(base() + "/login")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher csrf = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"").matcher(page.body());
        assertThat(csrf.find()).as(page.body()).isTrue();
        String form = "username=" + ADMIN + "&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8)
                + "&_csrf=" + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8);
        return browser.send(HttpRequest.newBuilder(URI.create(base() + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Origin", base())
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
