package io.contactsbridge.dashboard;

import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.outbound.OutboundProperties;
import io.contactsbridge.security.LoginThrottle;
import io.contactsbridge.support.AppTest;
import org.apache.camel.test.spring.junit5.DisableJmx;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard page's security and frame over real HTTP in live mode (the context of FoundationTest and
 * AdminSurfaceTest): {@code /} sends a browser without a login to the login form and a script gets 401; a form login
 * lands on it; with the login it is an HTML page for phones too, whose script, stylesheet and uPlot are served from
 * the jar, and whose settings carry the configured rate budgets and the automation routes, nothing secret.
 * DashboardBrowserTest draws it in a real browser.
 */
@AppTest
@DisableJmx(false) // the same context as FoundationTest
class DashboardPageTest {

    private static final String PASSWORD = "test-admin-password";
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    LoginThrottle throttle;
    @Autowired
    OutboundProperties outbound;

    @BeforeEach
    void clearThrottle() {
        throttle.forgetAll();
    }

    @Test
    void withoutALoginABrowserIsSentToTheLoginFormAndAScriptGets401() throws Exception {
        HttpResponse<String> browser = send(HttpRequest.newBuilder(uri("/")).header("Accept", "text/html"), null);
        assertThat(browser.statusCode()).isEqualTo(302);
        assertThat(URI.create(browser.headers().firstValue("Location").orElseThrow()).getPath()).isEqualTo("/login");
        assertThat(send(HttpRequest.newBuilder(uri("/")), null).statusCode()).isEqualTo(401);
        for (String asset : new String[] {"/dashboard/dashboard.js", DashboardPage.UPLOT + "uPlot.iife.min.js"}) {
            assertThat(send(HttpRequest.newBuilder(uri(asset)), null).statusCode()).as(asset).isEqualTo(401);
        }
        assertThat(send(HttpRequest.newBuilder(uri("/")).header("Authorization", basic("wrong")), null).statusCode())
                .isEqualTo(401);
    }

    @Test
    void aFormLoginLandsOnTheDashboardWhichIsAPageForPhonesToo() throws Exception {
        CookieManager cookies = new CookieManager();
        HttpResponse<String> login = formLogin(cookies);
        assertThat(login.statusCode()).isEqualTo(302);
        assertThat(URI.create(login.headers().firstValue("Location").orElseThrow()).getPath()).isEqualTo("/");

        HttpResponse<String> page = send(HttpRequest.newBuilder(uri("/")).header("Accept", "text/html"), cookies);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(page.headers().firstValue("Cache-Control").orElseThrow()).contains("no-store");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'self'");
        String html = page.body();
        assertThat(html).contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .contains("id=\"sync-chart\"", "id=\"budget-chart\"", "id=\"backfill-facts\"", "id=\"automation-table\"",
                        "id=\"dead-letter-table\"", "id=\"pair-table\"")
                // The "Add a pair" form, whose selects the script fills and which it sends as POST /api/pairs.
                .contains("<form id=\"pair-add\"", "id=\"pair-add-id\" name=\"id\"",
                        "id=\"pair-add-highlevel\" name=\"highlevelConnection\"",
                        "id=\"pair-add-birdsend\" name=\"birdsendConnection\"", "id=\"pair-add-mapping\" name=\"mapping\"",
                        "id=\"pair-add-result\"")
                .contains("href=\"/actuator/hawtio/\"", "href=\"/api/status\"")
                .contains("<script src=\"" + DashboardPage.UPLOT + "uPlot.iife.min.js\">")
                .contains("action=\"/logout\"")
                .doesNotContain(PASSWORD);

        // Everything the page loads is served from the jar, with the session.
        for (String asset : new String[] {"/dashboard/dashboard.js", "/dashboard/dashboard.css",
                DashboardPage.UPLOT + "uPlot.iife.min.js", DashboardPage.UPLOT + "uPlot.min.css"}) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(uri(asset)), cookies);
            assertThat(r.statusCode()).as(asset).isEqualTo(200);
            assertThat(r.body()).as(asset).isNotBlank();
        }

        JsonNode config = config(html);
        assertThat(config.path("refreshSeconds").asLong()).isEqualTo(15);
        // The configured windows, shortest first, as the script works out each budget's capacity from them.
        for (ServiceType service : ServiceType.values()) {
            JsonNode windows = config.path("budgets").path(service.name().toLowerCase(Locale.ROOT)).path("windows");
            OutboundProperties.Window shortest = outbound.service(service).rate().windows().values().stream()
                    .min(Comparator.comparing(OutboundProperties.Window::period)).orElseThrow();
            assertThat(windows.size()).isEqualTo(outbound.service(service).rate().windows().size());
            assertThat(windows.get(0).path("limit").asInt()).isEqualTo(shortest.limit());
            assertThat(windows.get(0).path("periodSeconds").asDouble()).isEqualTo(shortest.period().toMillis() / 1000.0);
        }
        assertThat(config.path("automations").findValuesAsText("id")).contains("automation-booked-call")
                .as("the routes their trigger Kamelets create are not automations").noneMatch(id -> id.endsWith("-source"));
    }

    @Test
    void aScriptWithBasicCredentialsGetsThePageToo() throws Exception {
        HttpResponse<String> page = send(HttpRequest.newBuilder(uri("/")).header("Authorization", basic(PASSWORD)), null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).startsWith("<!DOCTYPE html>");
    }

    @Test
    void theSettingsBlockCannotBeEndedByAValue() {
        String html = DashboardPage.html(new DashboardPage.Model("1<b>", "live", "</script><script>x()</script>", "",
                "/actuator/hawtio/", null, "{\"id\":\"</script><script>alert(1)</script>\"}"));
        assertThat(html).doesNotContain("</script><script>alert(1)").doesNotContain("</script><script>x()")
                .contains("\\u003c/script>").contains("1&lt;b&gt;");
    }

    private static JsonNode config(String html) throws Exception {
        Matcher m = Pattern.compile("<script type=\"application/json\" id=\"dashboard-config\">(.*?)</script>",
                Pattern.DOTALL).matcher(html);
        assertThat(m.find()).as(html).isTrue();
        return JSON.readTree(m.group(1));
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private static String basic(String password) {
        return "Basic " + Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request, CookieManager cookies) throws Exception {
        HttpClient.Builder client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5));
        if (cookies != null) {
            client.cookieHandler(cookies);
        }
        return client.build().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The login form as a browser fills it in, without a page asked for before: Spring has no saved request. */
    private HttpResponse<String> formLogin(CookieManager cookies) throws Exception {
        HttpResponse<String> page = send(HttpRequest.newBuilder(uri("/login")), cookies);
        Matcher csrf = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"").matcher(page.body());
        assertThat(csrf.find()).as(page.body()).isTrue();
        String form = "username=admin&password=" + URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8)
                + "&_csrf=" + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8);
        return send(HttpRequest.newBuilder(uri("/login")).header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", "http://localhost:" + port).POST(HttpRequest.BodyPublishers.ofString(form)), cookies);
    }
}
