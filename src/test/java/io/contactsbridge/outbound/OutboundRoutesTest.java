package io.contactsbridge.outbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.outbound.FakeUpstream.Arrival;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimRequest;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.support.Waits;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The outbound routes against scripted fake upstreams over real HTTP: headers, results, typed
 * errors, retries, token refresh and the rate budget. Delays come from the test profile
 * (config/outbound-test.properties): retries 20 ms doubling, HighLevel 20 requests per 500 ms.
 */
@OutboundAppTest
@Timeout(20)
class OutboundRoutesTest {

    private static final AtomicInteger IDS = new AtomicInteger();

    @Autowired
    ProducerTemplate producer;
    @Autowired
    CamelContext camel;
    @Autowired
    OutboundTestBeans.FakeTokens tokens;
    @Autowired
    OutboundTestBeans.MutableTargets targets;
    @Autowired
    OutboundClient client;
    @Autowired
    MeterRegistry meters;
    @Autowired
    OutboundProperties props;
    @Autowired
    RateBudgets budgets;

    FakeUpstream highlevel;
    FakeUpstream birdsend;
    String hl;
    String bs;

    @BeforeEach
    void upstreams() {
        highlevel = new FakeUpstream("highlevel", "");
        birdsend = new FakeUpstream("birdsend", "/v1");
        hl = "hl-" + IDS.incrementAndGet();
        bs = "bs-" + IDS.incrementAndGet();
        targets.put(hl, ServiceType.HIGHLEVEL, highlevel.baseUrl(""));
        targets.put(bs, ServiceType.BIRDSEND, birdsend.baseUrl("/v1"));
        tokens.set(hl, "hl-token");
        tokens.set(bs, "bs-token");
        closeBreakers(camel);
    }

    @AfterEach
    void stop() {
        highlevel.close();
        birdsend.close();
    }

    /** Closes every connection's breaker made so far (the connections of earlier tests included). */
    static void closeBreakers(CamelContext camel) {
        ConnectionSendRoutes sendRoutes = camel.getRegistry().lookupByNameAndType("connectionSendRoutes",
                ConnectionSendRoutes.class);
        for (ConnectionSendRoutes.ConnectionBreaker b : sendRoutes.breakers()) {
            b.processor(camel).transitionToCloseState();
        }
    }

    // --- request and response ---------------------------------------------------------------------

    @Test
    void sendsTokenVersionAndJsonAndNothingOfTheCallersMessage() {
        highlevel.then(SimResponse.created(SimJson.object().set("contact", SimJson.object().put("id", "c1"))));
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("locationId", "loc 1");
        query.put("tags", List.of("a&b", "c"));

        Exchange out = send(ServiceType.HIGHLEVEL, hl, "create-contact", "POST", "/contacts",
                Map.of("email", "ann@example.com"), query, Map.of("MyHeader", "keep", "breadcrumbId", "crumb-1"));

        assertThat(out.getException()).isNull();
        SimRequest sent = highlevel.arrivals().get(0).request();
        assertThat(sent.header("Authorization")).isEqualTo("Bearer hl-token");
        assertThat(sent.header("Version")).isEqualTo("2021-07-28");
        assertThat(sent.header("Accept")).isEqualTo("application/json");
        assertThat(sent.contentType()).isEqualTo("application/json");
        assertThat(sent.rawQuery()).isEqualTo("locationId=loc%201&tags=a%26b&tags=c");
        assertThat(SimJson.parse(sent.body()).path("email").asText()).isEqualTo("ann@example.com");
        assertThat(sent.headers().keySet()).noneMatch(h -> h.startsWith("Bridge") || h.startsWith("Camel")
                || h.equalsIgnoreCase("MyHeader") || h.equalsIgnoreCase("breadcrumbId"));

        JsonNode body = out.getMessage().getBody(JsonNode.class);
        assertThat(body.path("contact").path("id").asText()).isEqualTo("c1");
        assertThat(out.getMessage().getHeader(OutboundHeaders.STATUS)).isEqualTo(201);
        assertThat(out.getMessage().getHeader(OutboundHeaders.SERVICE)).isEqualTo("highlevel");
        assertThat(out.getMessage().getHeader("MyHeader")).isEqualTo("keep");
        assertThat(out.getMessage().getHeader(OutboundHeaders.CONNECTION_ID)).isEqualTo(hl);
        assertThat(out.getMessage().getHeaders().keySet()).noneMatch(h -> h.equalsIgnoreCase("Authorization"));
    }

    @Test
    void birdSendKeepsTheBasePathAndGetsNoVersionHeader() {
        birdsend.then(SimResponse.ok(SimJson.object().put("contact_id", 7).put("email", "ann@example.com")));

        OutboundResponse response = client.call(bs, "get-contact", "GET", "/contacts/7", null, null);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.service()).isEqualTo(ServiceType.BIRDSEND);
        assertThat(response.body().path("contact_id").asInt()).isEqualTo(7);
        SimRequest sent = birdsend.arrivals().get(0).request();
        assertThat(sent.path()).isEqualTo("/v1/contacts/7");
        assertThat(sent.header("Authorization")).isEqualTo("Bearer bs-token");
        assertThat(sent.header("Version")).isNull();
    }

    @Test
    void deleteCarriesItsJsonBodyAndAnEmptyAnswerIsANullBody() {
        highlevel.then(SimResponse.noContent());

        OutboundResponse response = client.call(hl, "delete-contact", "DELETE", "/contacts/c1", null,
                "{\"tags\":[\"a\"]}");

        assertThat(response.status()).isEqualTo(204);
        assertThat(response.body()).isNull();
        assertThat(highlevel.arrivals().get(0).request().bodyAsString()).isEqualTo("{\"tags\":[\"a\"]}");
    }

    @Test
    void aMalformedRequestOrAnUnknownConnectionFailsWithoutSendingAnything() {
        assertThatThrownBy(() -> client.call(hl, "get-contact", "GET", "contacts/x", null, null))
                .isInstanceOf(OutboundRequestException.class).hasMessageContaining("must start with /");
        assertThatThrownBy(() -> client.call("nobody", "get-contact", "GET", "/contacts/x", null, null))
                .isInstanceOf(OutboundRequestException.class).hasMessageContaining("unknown connection nobody");

        Exchange wrongService = send(ServiceType.HIGHLEVEL, bs, "get-contact", "GET", "/contacts/7", null, null, Map.of());
        assertThat(wrongService.getException()).isInstanceOf(OutboundRequestException.class)
                .hasMessageContaining("BirdSend connection").hasMessageContaining("direct:birdsend-call");
        assertThat(highlevel.arrivals()).isEmpty();
        assertThat(birdsend.arrivals()).isEmpty();
    }

    // --- typed errors -------------------------------------------------------------------------------

    @Test
    void aRejectionIsNotRetriedAndCarriesTheServicesMessage() throws InterruptedException {
        highlevel.then(FakeUpstream.error(400,
                "{\"statusCode\":400,\"message\":\"Contact with id x not found\",\"error\":\"Bad Request\"}"));

        assertThatThrownBy(() -> client.call(hl, "get-contact", "GET", "/contacts/x", null, null))
                .isInstanceOfSatisfying(UpstreamRejectedException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("HighLevel get-contact failed: 400 Contact with id x not found");
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.service()).isEqualTo(ServiceType.HIGHLEVEL);
                    assertThat(e.connectionId()).isEqualTo(hl);
                    assertThat(e.isRetryable()).isFalse();
                });
        // A retry would have come after ~20 ms.
        Waits.holds("one arrival and no retry", Duration.ofMillis(150), Duration.ofSeconds(2),
                () -> highlevel.arrivals().size() == 1);
    }

    @Test
    void highLevelValidationErrorsAreReadFieldByField() {
        highlevel.then(FakeUpstream.error(422, "{\"statusCode\":422,\"message\":[\"email must be an email\","
                + "\"phone must be a valid phone number\",\"Invalid custom field\"],\"error\":\"Unprocessable Entity\"}"));

        assertThatThrownBy(() -> client.call(hl, "create-contact", "POST", "/contacts", null, Map.of("email", "x")))
                .isInstanceOfSatisfying(UpstreamRejectedException.class, e -> {
                    assertThat(e.status()).isEqualTo(422);
                    assertThat(e.fieldErrors()).containsEntry("email", List.of("email must be an email"))
                            .containsEntry("phone", List.of("phone must be a valid phone number"))
                            .containsEntry(UpstreamApiException.GENERAL, List.of("Invalid custom field"));
                    assertThat(e.getMessage()).startsWith("HighLevel create-contact failed: 422 email must be an email;");
                });
        assertThat(highlevel.arrivals()).hasSize(1);
    }

    @Test
    void birdSendValidationErrorsAreReadFieldByField() {
        birdsend.then(FakeUpstream.error(422, "{\"message\":\"The given data was invalid.\",\"errors\":"
                + "{\"email\":[\"The email has already been taken.\"],\"fields.first_name\":[\"Too long.\",\"Bad.\"]}}"));

        assertThatThrownBy(() -> client.call(bs, "create-contact", "POST", "/contacts", null, Map.of("email", "x")))
                .isInstanceOfSatisfying(UpstreamRejectedException.class, e -> {
                    assertThat(e.fieldErrors()).containsEntry("email", List.of("The email has already been taken."))
                            .containsEntry("fields.first_name", List.of("Too long.", "Bad."));
                    assertThat(e.upstreamMessage()).isEqualTo("The given data was invalid.");
                    assertThat(e.getMessage()).isEqualTo("BirdSend create-contact failed: 422 The given data was invalid. "
                            + "(email: The email has already been taken.; fields.first_name: Too long. Bad.)");
                });
    }

    // --- retries ------------------------------------------------------------------------------------

    @Test
    void serverErrorsAreRetriedWithGrowingDelaysThenSucceed() {
        highlevel.then(FakeUpstream.error(503, "{\"message\":\"busy\"}"), FakeUpstream.error(502, "bad gateway"));

        OutboundResponse response = client.call(hl, "get-contact", "GET", "/contacts/c1", null, null);

        assertThat(response.body().path("id").asText()).isEqualTo("c1");
        List<Arrival> arrivals = highlevel.arrivals();
        assertThat(arrivals).hasSize(3);
        long first = millisBetween(arrivals.get(0), arrivals.get(1));
        long second = millisBetween(arrivals.get(1), arrivals.get(2));
        assertThat(first).as("first delay ~20 ms").isGreaterThanOrEqualTo(15);
        assertThat(second).as("second delay ~40 ms").isGreaterThanOrEqualTo(30);
    }

    @Test
    void aDroppedConnectionIsRetried() {
        highlevel.then(r -> SimResponse.abortConnection());

        OutboundResponse response = client.call(hl, "get-contact", "GET", "/contacts/c2", null, null);

        assertThat(response.status()).isEqualTo(200);
        assertThat(highlevel.arrivals()).hasSize(2);
    }

    @Test
    void retriesStopAfterTheConfiguredNumberWithTheTypedError() {
        highlevel.otherwise(r -> FakeUpstream.error(500, "{\"statusCode\":500,\"message\":\"Internal server error\"}"));

        assertThatThrownBy(() -> client.call(hl, "get-contact", "GET", "/contacts/c3", null, null))
                .isInstanceOfSatisfying(UpstreamUnavailableException.class, e -> {
                    assertThat(e.status()).isEqualTo(500);
                    assertThat(e.isRetryable()).isTrue();
                    assertThat(e.getMessage()).isEqualTo("HighLevel get-contact failed: 500 Internal server error");
                });
        assertThat(highlevel.arrivals()).hasSize(1 + props.retry().maximumRedeliveries());
    }

    @Test
    void a429WaitsForRetryAfterAndPausesTheWholeConnection() throws Exception {
        highlevel.then(SimResponse.json(429, SimJson.object().put("message", "Too many requests"))
                .withHeader("Retry-After", "1"));

        CompletableFuture<OutboundResponse> first = CompletableFuture.supplyAsync(
                () -> client.call(hl, "get-contact", "GET", "/contacts/a", null, null));
        awaitArrivals(highlevel, 1);
        long limited = highlevel.arrivals().get(0).nanos();
        // The 429 reaches the budget before the second caller asks for a slot.
        Waits.until("the 429 paused the connection's budget", Duration.ofSeconds(5),
                () -> budgets.forConnection(ServiceType.HIGHLEVEL, hl).nextSlotIn().toMillis() > 500, Duration.ofMillis(5));
        OutboundResponse second = client.call(hl, "get-contact", "GET", "/contacts/b", null, null);

        assertThat(first.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(second.status()).isEqualTo(200);
        List<Arrival> arrivals = highlevel.arrivals();
        assertThat(arrivals).hasSize(3);
        for (Arrival later : arrivals.subList(1, 3)) {
            assertThat(TimeUnit.NANOSECONDS.toMillis(later.nanos() - limited)).isGreaterThanOrEqualTo(950);
        }
    }

    @Test
    void aRetryAfterBeyondTheMaximumWaitFailsFastWithAnExhaustedBudget() {
        highlevel.then(SimResponse.json(429, SimJson.object().put("message", "Too many requests"))
                .withHeader("Retry-After", "60"));
        long start = System.nanoTime();

        assertThatThrownBy(() -> client.call(hl, "get-contact", "GET", "/contacts/a", null, null))
                .isInstanceOfSatisfying(RateBudgetExhaustedException.class, e ->
                        assertThat(e.getMessage()).startsWith("HighLevel get-contact failed: not sent, the rate budget of "
                                + "connection " + hl));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1500);
        assertThat(highlevel.arrivals()).hasSize(1);
    }

    // --- tokens -------------------------------------------------------------------------------------

    @Test
    void a401RefreshesTheTokenOnceAndSendsAgain() {
        highlevel.otherwise(r -> "Bearer hl-token-refreshed".equals(r.header("Authorization"))
                ? SimResponse.ok(SimJson.object().put("id", "c1"))
                : FakeUpstream.error(401, "{\"statusCode\":401,\"message\":\"Invalid JWT\"}"));

        OutboundResponse response = client.call(hl, "get-contact", "GET", "/contacts/c1", null, null);

        assertThat(response.status()).isEqualTo(200);
        assertThat(highlevel.arrivals()).extracting(a -> a.request().header("Authorization"))
                .containsExactly("Bearer hl-token", "Bearer hl-token-refreshed");
        assertThat(refreshesOf(hl)).containsExactly(hl + ":hl-token");
        assertThat(acceptedOf(hl)).as("the provider told the token works").containsExactly(hl);
    }

    @Test
    void a401AfterTheRefreshFailsClearlyWithoutTheToken() {
        highlevel.otherwise(r -> FakeUpstream.error(401, "{\"statusCode\":401,\"message\":\"Invalid JWT\"}"));

        assertThatThrownBy(() -> client.call(hl, "get-contact", "GET", "/contacts/c1", null, null))
                .isInstanceOfSatisfying(UpstreamAuthException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.isRetryable()).isFalse();
                    assertThat(e.getMessage()).isEqualTo("HighLevel get-contact failed: 401 Invalid JWT (the token was "
                            + "refused again right after a refresh; reconnect connection " + hl + ")");
                    assertThat(e.getMessage()).doesNotContain("hl-token");
                });
        assertThat(highlevel.arrivals()).hasSize(2);
        assertThat(refreshesOf(hl)).containsExactly(hl + ":hl-token");
    }

    @Test
    void aRefusedRefreshFailsWithTheProvidersReason() {
        highlevel.otherwise(r -> FakeUpstream.error(401, "{\"message\":\"Unauthenticated.\"}"));
        tokens.refuseRefresh(hl);

        assertThatThrownBy(() -> client.call(hl, "get-contact", "GET", "/contacts/c1", null, null))
                .isInstanceOf(UpstreamAuthException.class)
                .hasMessage("HighLevel get-contact failed: 401 connection " + hl
                        + " cannot authenticate: the refresh token was revoked; reconnect");
        assertThat(highlevel.arrivals()).hasSize(1);
        assertThat(acceptedOf(hl)).as("no call worked, so the provider was told of none").isEmpty();
    }

    // --- rate budget --------------------------------------------------------------------------------

    @Test
    void concurrentCallersNeverExceedTheBudget() throws Exception {
        OutboundProperties.Window burst = props.highlevel().rate().windows().get("burst");
        int callers = 8;
        int callsEach = 6;
        callConcurrently(hl, callers, callsEach);

        List<Long> times = highlevel.arrivals().stream().map(Arrival::nanos).sorted().toList();
        assertThat(times).hasSize(callers * callsEach);
        long period = burst.period().toNanos();
        for (int i = burst.limit(); i < times.size(); i++) {
            assertThat(times.get(i) - times.get(i - burst.limit()))
                    .as("requests %d and %d arrived within one %s window", i - burst.limit(), i, burst.period())
                    .isGreaterThanOrEqualTo(period);
        }
    }

    /**
     * Slow answers must not hold the window back: the budget counts each request from when the HTTP client sent it.
     * One window's worth of callers, each calling again as soon as answered (200 ms): every window then opens a span
     * (275 ms) after the last. Counted from the answers instead, it would open 175 ms later than that.
     */
    @Test
    void slowAnswersDoNotHoldTheBudgetBackWhileStillKeepingIt() throws Exception {
        OutboundProperties.Window second = props.birdsend().rate().windows().get("second");
        long answerMs = 200;
        birdsend.otherwise(r -> {
            try {
                Thread.sleep(answerMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return SimResponse.ok(SimJson.object().put("id", r.pathVar("id")));
        });
        int callers = second.limit();
        int callsEach = 4;
        callConcurrently(bs, callers, callsEach);

        List<Long> times = birdsend.arrivals().stream().map(Arrival::nanos).sorted().toList();
        assertThat(times).hasSize(callers * callsEach);
        // The margin is for differences in delivery (here the in-process server's dispatch under load), so arrivals
        // may come closer together than the sends: up to three margins on a machine busy with other builds (42 ms
        // was seen with a 25 ms margin). A budget not kept would show requests of one window arriving together;
        // the exact spacing of the sends is RateBudgetTest's.
        long allowance = 3 * props.birdsend().rate().safetyMargin().toNanos();
        List<Long> turnovers = new ArrayList<>();
        for (int i = second.limit(); i < times.size(); i++) {
            long turnover = times.get(i) - times.get(i - second.limit());
            assertThat(turnover).as("requests %d and %d within one window", i - second.limit(), i)
                    .isGreaterThanOrEqualTo(second.period().toNanos() - allowance);
            turnovers.add(turnover);
        }
        long median = turnovers.stream().sorted().toList().get(turnovers.size() / 2) / 1_000_000;
        long span = second.period().toMillis() + props.birdsend().rate().safetyMargin().toMillis();
        assertThat(median).as("median time for a window of requests to turn over (one span is %d ms)", span)
                .isLessThan(span + answerMs / 2);
        assertThat(second.period().toMillis()).as("the test's premise: answers come within a window").isGreaterThan(answerMs);
    }

    @Test
    void remainingZeroFromTheServiceMakesTheNextCallWaitForTheInterval() {
        highlevel.then(SimResponse.ok(SimJson.object().put("id", "a")).withHeaders(Map.of(
                "X-RateLimit-Max", "100", "X-RateLimit-Remaining", "0", "X-RateLimit-Interval-Milliseconds", "600")));

        client.call(hl, "get-contact", "GET", "/contacts/a", null, null);
        client.call(hl, "get-contact", "GET", "/contacts/b", null, null);

        List<Arrival> arrivals = highlevel.arrivals();
        assertThat(millisBetween(arrivals.get(0), arrivals.get(1))).isGreaterThanOrEqualTo(600);
    }

    // --- metrics ------------------------------------------------------------------------------------

    @Test
    void callsAndAttemptsAreCountedByServiceOperationAndOutcome() {
        highlevel.then(FakeUpstream.error(503, "{}"));
        client.call(hl, "metered-op", "GET", "/contacts/m", null, null);
        birdsend.then(FakeUpstream.error(404, "{\"message\":\"Not found\"}"));
        assertThatThrownBy(() -> client.call(bs, "metered-op", "GET", "/contacts/m", null, null))
                .isInstanceOf(UpstreamRejectedException.class);

        assertThat(count(OutboundMetrics.CALLS, "highlevel", "success")).isEqualTo(1);
        assertThat(count(OutboundMetrics.REQUESTS, "highlevel", "5xx")).isEqualTo(1);
        assertThat(count(OutboundMetrics.REQUESTS, "highlevel", "2xx")).isEqualTo(1);
        assertThat(count(OutboundMetrics.CALLS, "birdsend", "rejected")).isEqualTo(1);
    }

    private long count(String meter, String service, String outcome) {
        var timer = meters.find(meter).tags("service", service, "operation", "metered-op", "outcome", outcome).timer();
        return timer == null ? 0 : timer.count();
    }

    // --- helpers ------------------------------------------------------------------------------------

    private List<String> acceptedOf(String connection) {
        synchronized (tokens.accepted) {
            return tokens.accepted.stream().filter(connection::equals).toList();
        }
    }

    private List<String> refreshesOf(String connection) {
        synchronized (tokens.refreshes) {
            return tokens.refreshes.stream().filter(r -> r.startsWith(connection + ":")).toList();
        }
    }

    // --- a caller's share of the budget ---------------------------------------------------------------

    @Test
    void aCallerNamingItsShareIsKeptToItEvenlySpaced() {
        // The test profile's BirdSend budget is 10 per 250 ms; a quarter of it is one request every 100 ms.
        OutboundProperties.Window second = props.birdsend().rate().windows().get("second");
        CallerShare share = new CallerShare("poller", 0.25);
        long interval = Math.round(second.period().toMillis() / (second.limit() * share.share()));
        for (int i = 0; i < 6; i++) {
            assertThat(client.call(bs, "get-contact", "GET", "/contacts/" + i, null, null, share).status()).isEqualTo(200);
        }

        List<Long> at = birdsend.arrivals().stream().map(a -> TimeUnit.NANOSECONDS.toMillis(a.nanos())).sorted().toList();
        assertThat(at).hasSize(6);
        // Let go an interval apart (unpaced they would all come within a few ms). Arrivals also differ by the
        // in-process server's dispatch, which on a busy machine brings two of them closer, but never three into one
        // interval.
        assertThat(at.get(5) - at.get(0)).as("arrivals (ms) %s", at).isGreaterThanOrEqualTo(5 * interval - 30);
        for (int i = 2; i < at.size(); i++) {
            assertThat(at.get(i) - at.get(i - 2)).as("three arrivals in one interval: %s", at).isGreaterThanOrEqualTo(interval);
        }
        assertThat(birdsend.arrivals().get(0).request().headers().keySet()).noneMatch(h -> h.startsWith("Bridge"));
    }

    /**
     * The wait for a caller's share comes before the connection's budget: while a paced caller waits for its next
     * slot, the other callers have the whole budget. The caller's first slot is used up; its call then waits for the
     * next (25 s away at this share), and meanwhile a whole HighLevel window (20 here) is free for others. Had the
     * waiting call taken its slot of the connection first, the 20th would be refused.
     */
    @Test
    void aCallerWaitingForItsShareHoldsNothingOfTheConnectionsBudget() throws Exception {
        OutboundProperties.Window burst = props.highlevel().rate().windows().get("burst");
        CallerShare share = new CallerShare("slow-poller", 0.001);
        budgets.pace(ServiceType.HIGHLEVEL, hl, share).await();
        Thread[] caller = new Thread[1];
        ExecutorService paced = Executors.newSingleThreadExecutor(r -> caller[0] = new Thread(r, "paced-caller"));
        try {
            paced.submit(() -> client.call(hl, "get-contact", "GET", "/contacts/paced", null, null, share));
            Waits.until("the paced call waits for its share", Duration.ofSeconds(5), () -> caller[0] != null
                    && caller[0].getState() == Thread.State.TIMED_WAITING && Arrays.stream(caller[0].getStackTrace())
                    .anyMatch(f -> f.getClassName().equals(CallerPace.class.getName()) && f.getMethodName().equals("await")));

            RateBudget connection = budgets.forConnection(ServiceType.HIGHLEVEL, hl);
            int granted = 0;
            // A free slot is granted at once; with the window full the next is a window away, beyond this wait.
            while (granted < burst.limit() && connection.acquire(burst.period().dividedBy(5)).granted()) {
                granted++;
            }
            assertThat(granted).as("slots of the connection's window free while the paced call waits").isEqualTo(burst.limit());
            assertThat(highlevel.arrivals()).isEmpty();
        } finally {
            paced.shutdownNow();
        }
    }

    @Test
    void aShareWithoutACallerOrOutOfRangeIsRefusedWithoutSendingAnything() {
        Exchange noCaller = send(ServiceType.BIRDSEND, bs, "get-contact", "GET", "/contacts/1", null, null,
                Map.of(OutboundHeaders.CALLER_SHARE, 0.5));
        assertThat(noCaller.getException()).isInstanceOf(OutboundRequestException.class)
                .hasMessageContaining(OutboundHeaders.CALLER);
        Exchange tooMuch = send(ServiceType.BIRDSEND, bs, "get-contact", "GET", "/contacts/1", null, null,
                Map.of(OutboundHeaders.CALLER, "poller", OutboundHeaders.CALLER_SHARE, "1.5"));
        assertThat(tooMuch.getException()).isInstanceOf(OutboundRequestException.class)
                .hasMessageContaining("above 0 and at most 1");
        assertThatThrownBy(() -> new CallerShare("poller", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CallerShare("two words", 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThat(birdsend.arrivals()).isEmpty();
    }

    private Exchange send(ServiceType service, String connection, String operation, String method, String path,
                          Object body, Object query, Map<String, Object> callerHeaders) {
        return producer.send(OutboundRoutes.callEndpoint(service), ex -> {
            ex.getMessage().setHeaders(new LinkedHashMap<>(callerHeaders));
            ex.getMessage().setHeader(OutboundHeaders.CONNECTION_ID, connection);
            ex.getMessage().setHeader(OutboundHeaders.OPERATION, operation);
            ex.getMessage().setHeader(OutboundHeaders.METHOD, method);
            ex.getMessage().setHeader(OutboundHeaders.PATH, path);
            if (query != null) {
                ex.getMessage().setHeader(OutboundHeaders.QUERY, query);
            }
            ex.getMessage().setBody(body);
        });
    }

    static void awaitArrivals(FakeUpstream upstream, int n) {
        Waits.until(n + " arrival(s)", Duration.ofSeconds(5), () -> upstream.arrivals().size() >= n, Duration.ofMillis(5));
    }

    /** {@code callers} threads, each getting a contact {@code callsEach} times in a row. */
    private void callConcurrently(String connection, int callers, int callsEach) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                all.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < callsEach; i++) {
                        client.call(connection, "get-contact", "GET", "/contacts/x", null, null);
                    }
                }, pool));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(15, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    private static long millisBetween(Arrival a, Arrival b) {
        return TimeUnit.NANOSECONDS.toMillis(b.nanos() - a.nanos());
    }
}
