package io.contactsbridge.dashboard;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.sandbox.SandboxSimulators;
import io.contactsbridge.simulator.birdsend.BirdSendOperations;
import io.contactsbridge.simulator.highlevel.StaticTokenAuthority;
import io.contactsbridge.simulator.sim.FaultConfig;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.support.Waits;
import io.contactsbridge.sync.Backfill;
import io.contactsbridge.sync.ContactLink;
import io.contactsbridge.sync.LinkStore;
import io.contactsbridge.sync.SyncProperties;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real browser (headless Chromium through chromedriver, as Debian packages them) against the
 * sandbox's simulators over real HTTP: a person logs in through the login form, sees the charts drawn (canvas with
 * pixels, the series in the legend), the budgets, the finished backfill, the automations with a firing and the dead
 * letter a permanent fault in BirdSend left; once the fault is gone, the Replay button replays it, and the admin API
 * confirms that the letter was replayed and BirdSend has the change. A pair is paused and resumed with its button,
 * another added with the "Add a pair" form (and refused, with the API's message, for a taken id or connection) and
 * removed with its Remove button. On a phone-sized window the page does not scroll sideways. Without chromium or
 * chromedriver the test is skipped and says so (.ci/run installs them).
 * {@code -Ddashboard.screenshot=docs/dashboard.png} also saves a screenshot of the page (the README's).
 */
@ExtendWith(DashboardBrowserTest.NeedsBrowser.class)
@CamelSpringBootTest
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS) // its pollers and sync stop with it
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:dashboard-e2e;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;"
                + "DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE",
        "bridge.reports.flush-interval=200ms",
        "bridge.dashboard.refresh-interval=2s",
})
@ActiveProfiles({"test", "sandbox"})
@TestPropertySource(locations = "classpath:live-sync-test.properties", properties = "bridge.admin.password=test-admin-password")
class DashboardBrowserTest {

    private static final Duration ARRIVAL = Duration.ofSeconds(30);
    private static final String PASSWORD = "test-admin-password";
    private static final String AUTH = "Basic " + Base64.getEncoder()
            .encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static Path chromium;
    private static Path chromedriver;
    private static WebDriver browser;

    @Autowired
    SandboxSimulators sims;
    @Autowired
    Backfill backfill;
    @Autowired
    LinkStore links;
    @Autowired
    SyncProperties syncProps;
    @LocalServerPort
    int port;

    /**
     * Before the Spring context starts: without a browser there is nothing to test, and the skip says why. A condition
     * rather than an assumption in {@code @BeforeAll}: Surefire counts a test skipped by a condition (with its reason)
     * but reports a class aborted in {@code @BeforeAll} as "Tests run: 0", which reads like nothing was there.
     */
    static final class NeedsBrowser implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            chromium = executable("CHROME_BIN", "chromium", "chromium-browser", "google-chrome").orElse(null);
            chromedriver = executable("CHROMEDRIVER", "chromedriver").orElse(null);
            if (chromium != null && chromedriver != null) {
                return ConditionEvaluationResult.enabled("chromium " + chromium + ", chromedriver " + chromedriver);
            }
            String reason = "DashboardBrowserTest skipped: no " + (chromium == null ? "chromium" : "chromedriver")
                    + " found (on PATH, or CHROME_BIN / CHROMEDRIVER naming it); install them with "
                    + "`apt-get install chromium chromium-driver` (.ci/run does)";
            System.err.println(reason); // in the build's output too, not only in the reports
            return ConditionEvaluationResult.disabled(reason);
        }
    }

    @AfterAll
    static void closeTheBrowser() {
        if (browser != null) {
            browser.quit();
            browser = null;
        }
    }

    @Test
    void aPersonLogsInSeesTheChartsAndReplaysADeadLetterWithTheButton() throws Exception {
        Waits.until("backfill done", Duration.ofSeconds(90), () -> "done".equals(backfill.snapshot().state()));
        String run = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);

        // A person in HighLevel; the sync creates the twin in BirdSend. An appointment fires booked-call.
        String hlId = sims.highLevel().state().createContactAsUser(sims.highLevelLocationId(), SimJson.object()
                .put("email", ("dashboard." + run + "@example.org").toLowerCase(Locale.ROOT)).put("firstName", "Dana")
                .put("lastName", "Board")).get("id").asText();
        ContactLink link = Waits.value("a link for " + hlId, ARRIVAL, () -> links.byHighLevel(syncProps.pair(), hlId));
        send("POST", sims.highLevel().baseUrl() + "/__admin/contacts/" + hlId + "/appointments",
                "{\"title\":\"Intro call\",\"calendarId\":\"cal-dashboard\",\"startTime\":\"2026-12-10T10:00:00Z\","
                        + "\"endTime\":\"2026-12-10T10:30:00Z\"}", null);

        // BirdSend refuses every update for a while: the person's next edit is a dead letter.
        long letterId;
        sims.birdSend().faults().configure(FaultConfig.builder().operations(BirdSendOperations.UPDATE_CONTACT)
                .errorRate(422, 1.0).build());
        try {
            Instant before = Instant.now();
            sims.highLevel().state().editContactAsUser(hlId, SimJson.object().put("lastName", "Replayed"));
            letterId = Waits.value("a dead letter for BirdSend contact " + link.birdsendId(), ARRIVAL, () -> {
                JsonNode list = api("GET", "/api/dead-letters");
                for (JsonNode l : list.path("deadLetters")) {
                    if (Instant.parse(l.path("lastFailedAt").asText()).isAfter(before)) {
                        return Optional.of(l.path("id").asLong());
                    }
                }
                return Optional.empty();
            });
        } finally {
            sims.birdSend().faults().configure(FaultConfig.NONE);
        }

        browser = startBrowser();
        WebDriverWait wait = new WebDriverWait(browser, ARRIVAL);
        String base = "http://localhost:" + port;

        // The login form, then the dashboard.
        browser.get(base + "/");
        wait.until(d -> URI.create(d.getCurrentUrl()).getPath().equals("/login"));
        browser.findElement(By.id("username")).sendKeys("admin");
        browser.findElement(By.id("password")).sendKeys(PASSWORD);
        browser.findElement(By.cssSelector("button[type=submit]")).click();
        wait.until(d -> URI.create(d.getCurrentUrl()).getPath().equals("/")
                && "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-loaded")));

        // The charts are drawn: uPlot's canvas has pixels, the legend names the series.
        for (String chart : List.of("sync-chart", "budget-chart")) {
            wait.until(d -> "true".equals(d.findElement(By.id(chart)).getDomAttribute("data-drawn")));
            Number painted = (Number) js().executeScript("var c = document.querySelector('#' + arguments[0] + ' canvas');"
                    + "if (!c || !c.width || !c.height) { return 0; }"
                    + "var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, n = 0;"
                    + "for (var i = 3; i < d.length; i += 4) { if (d[i] > 0) { n++; } } return n;", chart);
            assertThat(painted.longValue()).as("painted pixels of " + chart).isGreaterThan(0);
        }
        assertThat(text("#sync-chart .u-legend")).contains("written to BirdSend", "written to HighLevel", "failed writes");
        // The backfill created people on both sides, and this test one more in BirdSend.
        wait.until(d -> text("#sync-facts").matches("(?s).*Created\\s+[1-9].*"));
        assertThat(text("#budget-table")).contains("highlevel:" + syncProps.highlevelConnection())
                .contains("birdsend:" + syncProps.birdsendConnection());
        assertThat(((Number) js().executeScript("return document.querySelectorAll('#budget-chart canvas').length"))
                .intValue()).isEqualTo(1);
        assertThat(text("#backfill-facts")).contains("done");
        assertThat(browser.findElement(By.id("backfill-bar")).getDomAttribute("aria-valuenow")).isEqualTo("100");
        wait.until(d -> automationRow("automation-booked-call").contains("yes")
                && automationRow("automation-booked-call").contains(" UTC"));
        assertThat(text("#connection-table")).contains("highlevel highlevel OK", "birdsend birdsend OK");
        assertThat(browser.getPageSource()).as("the sandbox's tokens stay in /api/status")
                .doesNotContain(sims.highLevelToken()).doesNotContain(sims.birdSendToken());

        // The dead letter, replayed with its button now that BirdSend takes updates again.
        By row = By.id("dead-letter-" + letterId);
        wait.until(d -> !d.findElements(row).isEmpty());
        saveScreenshot();
        wait.until(d -> {
            try {
                d.findElement(By.cssSelector("button[data-replay='" + letterId + "']")).click();
                return true;
            } catch (StaleElementReferenceException refreshedMeanwhile) {
                return false;
            }
        });
        wait.until(d -> !d.findElements(By.id("replay-result")).isEmpty());
        assertThat(browser.findElement(By.id("replay-result")).getDomAttribute("data-outcome")).isEqualTo("queued");
        Waits.until("the letter replayed", ARRIVAL, () -> {
            JsonNode letter = api("GET", "/api/dead-letters/" + letterId);
            return "replayed".equals(letter.path("state").asText())
                    && "succeeded".equals(letter.path("lastReplayOutcome").asText());
        });
        Waits.until("BirdSend has the edit", ARRIVAL, () -> "Replayed".equals(sims.birdSend()
                .contact(Long.parseLong(link.birdsendId())).orElseThrow().field("last_name")));
        wait.until(d -> d.findElements(row).isEmpty());

        // Two connections of an empty location and account of their own, added through the admin API now so that the
        // page lists them by the time its form is used, below. The account gets the sandbox's fields, which its mapping
        // needs (else the new pair's mapping check logs that it does not fit).
        String location = "DashLoc" + run;
        sims.highLevel().state().ensureLocation(location);
        String locationToken = sims.highLevelOAuth().issuePrivateIntegrationToken(location, StaticTokenAuthority.ALL_SCOPES);
        long account = sims.birdSend().createAccount("owner." + run + "@example.org", "Dash", "Board", "Dash Ltd", "UTC");
        sims.birdSend().fields(sims.birdSend().defaultAccountId())
                .forEach(f -> sims.birdSend().defineField(account, f.key(), f.label(), f.type()));
        apiSend("POST", "/api/connections", JSON.createObjectNode().put("id", "hl-dash").put("kind", "private-integration")
                .put("baseUrl", sims.highLevel().baseUrl()).put("locationId", location).put("token", locationToken));
        apiSend("POST", "/api/connections", JSON.createObjectNode().put("id", "bs-dash").put("kind", "personal-access-token")
                .put("baseUrl", sims.birdSend().apiBaseUrl()).put("token", sims.birdSend().issuePersonalAccessToken(account)));

        // The pair's Pause button pauses it (the admin API agrees), the same button then says Resume and resumes it.
        wait.until(d -> "running".equals(pairState()));
        assertThat(text("#pair-table tbody")).contains("default", "highlevel", "birdsend");
        clickPairButton(wait, "Pause");
        wait.until(d -> "paused".equals(pairState()));
        assertThat(api("GET", "/api/pairs/default").path("paused").asBoolean(false)).as("paused through the page").isTrue();
        clickPairButton(wait, "Resume");
        wait.until(d -> "running".equals(pairState()));
        assertThat(api("GET", "/api/pairs/default").path("paused").asBoolean(true)).as("resumed through the page").isFalse();

        // A pair of those two added with the form: the selects list each service's connections, the table the new pair.
        wait.until(d -> options("pair-add-highlevel", "value").contains("hl-dash")
                && options("pair-add-birdsend", "value").contains("bs-dash"));
        assertThat(options("pair-add-highlevel", "value")).as("HighLevel connections only").contains("highlevel")
                .doesNotContain("birdsend", "bs-dash");
        assertThat(options("pair-add-birdsend", "value")).as("BirdSend connections only").contains("birdsend")
                .doesNotContain("highlevel", "hl-dash");
        // A mapping the bridge must not fetch is refused with the reason, and nothing is added.
        submitPairForm(wait, "dash", "hl-dash", "bs-dash", "https://example.org/acme.yaml");
        wait.until(d -> "refused".equals(browser.findElement(By.id("pair-add-result")).getDomAttribute("data-outcome")));
        assertThat(text("#pair-add-result")).startsWith("Pair dash was not added:").contains("file:", "classpath:")
                .doesNotContain("{");
        assertThat(api("GET", "/api/pairs").findValuesAsText("id")).doesNotContain("dash");
        // With its own mapping (the sandbox's, which the new account's fields fit), shown in its row.
        submitPairForm(wait, "dash", "hl-dash", "bs-dash", "classpath:mapping/contacts-sandbox.yaml");
        wait.until(d -> text("#pair-dash").contains("hl-dash"));
        assertThat(text("#pair-dash")).contains("bs-dash", "classpath:mapping/contacts-sandbox.yaml");
        assertThat(text("#pair-add-result")).contains("Pair dash added", "mapping classpath:mapping/contacts-sandbox.yaml");
        assertThat(api("GET", "/api/pairs/dash").path("mapping").asText())
                .isEqualTo("classpath:mapping/contacts-sandbox.yaml");
        assertThat(api("GET", "/api/pairs/dash").path("source").asText()).as("added through the page").isEqualTo("api");
        // The choices say which pair has a connection (and are redrawn now, before the form is used again).
        wait.until(d -> options("pair-add-highlevel", "text").contains("hl-dash (pair dash)"));

        // Refused: an id in use (409), then a connection of another pair (400); the API's message, not its JSON.
        submitPairForm(wait, "dash", "hl-dash", "bs-dash", "");
        wait.until(d -> text("#pair-add-result").contains("exists already"));
        assertThat(text("#pair-add-result")).isEqualTo("Pair dash was not added: pair dash exists already.");
        submitPairForm(wait, "dash-again", "hl-dash", "birdsend", "");
        wait.until(d -> text("#pair-add-result").contains("dash-again"));
        assertThat(text("#pair-add-result")).contains("connection hl-dash is pair dash's").doesNotContain("{", "\"error\"");
        assertThat(browser.findElement(By.id("pair-add-result")).getDomAttribute("data-outcome")).isEqualTo("refused");

        // Removed with its button, once the confirm (which says the links and cursors stay) is accepted.
        clickButton(wait, By.cssSelector("button[data-remove-pair='dash']"), "Remove");
        Alert confirm = wait.until(ExpectedConditions.alertIsPresent());
        assertThat(confirm.getText()).contains("Remove pair dash", "links and cursors are kept");
        confirm.accept();
        wait.until(d -> d.findElements(By.id("pair-dash")).isEmpty());
        assertThat(api("GET", "/api/pairs").findValuesAsText("id")).containsExactly("default");

        // A phone: one column, nothing wider than the screen (wide tables scroll inside their box).
        browser.manage().window().setSize(new Dimension(390, 844));
        wait.until(d -> ((Number) js().executeScript("return document.documentElement.scrollWidth")).intValue()
                <= ((Number) js().executeScript("return window.innerWidth")).intValue());
        Number chartWidth = (Number) js().executeScript("return document.querySelector('#sync-chart canvas')"
                + ".getBoundingClientRect().width");
        assertThat(chartWidth.intValue()).isLessThanOrEqualTo(390);
    }

    /** Pair default's state as its row shows it, read in one step (the table is redrawn on every refresh). */
    private String pairState() {
        return (String) js().executeScript("var r = document.getElementById('pair-default');"
                + " return r ? r.getAttribute('data-state') : null;");
    }

    /** Clicks pair default's pause button once it says {@code label}. */
    private void clickPairButton(WebDriverWait wait, String label) {
        clickButton(wait, By.cssSelector("button[data-pair='default']"), label);
    }

    /** Clicks a table's button once it says {@code label} (the tables are redrawn on every refresh). */
    private void clickButton(WebDriverWait wait, By button, String label) {
        wait.until(d -> {
            try {
                var found = d.findElement(button);
                if (!label.equals(found.getText())) {
                    return false;
                }
                found.click();
                return true;
            } catch (StaleElementReferenceException refreshedMeanwhile) {
                return false;
            }
        });
    }

    /** Fills in the "Add a pair" form and sends it, once the last answer is in (its button enabled again). */
    private void submitPairForm(WebDriverWait wait, String id, String highlevelConnection, String birdsendConnection,
                                String mapping) {
        WebElement submit = browser.findElement(By.cssSelector("#pair-add button[type=submit]"));
        wait.until(d -> submit.isEnabled());
        WebElement idField = browser.findElement(By.id("pair-add-id"));
        idField.clear();
        idField.sendKeys(id);
        new Select(browser.findElement(By.id("pair-add-highlevel"))).selectByValue(highlevelConnection);
        new Select(browser.findElement(By.id("pair-add-birdsend"))).selectByValue(birdsendConnection);
        WebElement mappingField = browser.findElement(By.id("pair-add-mapping"));
        mappingField.clear();
        mappingField.sendKeys(mapping);
        submit.click();
    }

    /** A select's options' {@code value} or {@code text}, read in one step. */
    @SuppressWarnings("unchecked")
    private List<String> options(String selectId, String property) {
        return (List<String>) js().executeScript("var property = arguments[1];"
                + " return Array.prototype.map.call(document.getElementById(arguments[0]).options,"
                + " function (o) { return o[property]; });", selectId, property);
    }

    private String automationRow(String id) {
        return Stream.of(text("#automation-table tbody").split("\n")).filter(t -> t.startsWith(id)).findFirst().orElse("");
    }

    /** The text as shown, read in one step: the page replaces its tables' rows on every refresh. */
    private String text(String css) {
        return ((String) js().executeScript("var e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
                css)).replaceAll("[\t ]+", " ");
    }

    private JavascriptExecutor js() {
        return (JavascriptExecutor) browser;
    }

    /** With -Ddashboard.screenshot=<file.png>: the whole page as a 1280 px wide screen shows it. */
    private void saveScreenshot() throws Exception {
        String target = System.getProperty("dashboard.screenshot");
        if (target == null || target.isBlank()) {
            return;
        }
        Number height = (Number) js().executeScript("return document.documentElement.scrollHeight");
        browser.manage().window().setSize(new Dimension(1280, Math.min(4000, height.intValue() + 140)));
        new WebDriverWait(browser, ARRIVAL).until(d -> "true".equals(
                d.findElement(By.id("sync-chart")).getDomAttribute("data-drawn")));
        Path file = Path.of(target).toAbsolutePath();
        Files.createDirectories(file.getParent());
        Files.write(file, ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        browser.manage().window().setSize(new Dimension(1280, 1000));
    }

    private static WebDriver startBrowser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--lang=en");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /** An environment variable naming the file, else the first of the names on PATH. */
    private static Optional<Path> executable(String variable, String... names) {
        String given = System.getenv(variable);
        if (given != null && !given.isBlank()) {
            return Optional.of(Path.of(given)).filter(Files::isExecutable);
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return Stream.of(names).flatMap(name -> Stream.of(path.split(File.pathSeparator)).map(dir -> Path.of(dir, name)))
                .filter(Files::isExecutable).findFirst();
    }

    private JsonNode api(String method, String path) {
        try {
            return JSON.readTree(send(method, "http://localhost:" + port + path, null, AUTH));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void apiSend(String method, String path, JsonNode body) throws Exception {
        send(method, "http://localhost:" + port + path, body.toString(), AUTH);
    }

    private static String send(String method, String url, String body, String auth) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).header("Version", "2021-07-28")
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            req.header("Authorization", auth);
        }
        HttpResponse<String> res = HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(method + " " + url + ": " + res.body()).isBetween(200, 299);
        return res.body();
    }
}
