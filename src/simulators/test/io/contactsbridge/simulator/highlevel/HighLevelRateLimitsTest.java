package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimFilter;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.simulator.sim.SimServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class HighLevelRateLimitsTest {

    private static final String LOCATION_HEADER = "X-Test-Location";

    private final MutableClock time = MutableClock.startingAt(Instant.parse("2025-03-01T08:00:00Z"));
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicInteger handled = new AtomicInteger();
    private SimServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    /**
     * A server whose stand-in auth filter grants app "app1" access to the location named in a test
     * header (no header, no grant), followed by the rate limits, as in the HighLevel simulator.
     */
    private HighLevelRateLimits start(SimClock clock, HighLevelRateLimits limits) {
        server = new SimServer("highlevel-rate-limit-test", clock);
        server.filter(SimFilter.before(req -> {
            String location = req.header(LOCATION_HEADER);
            if (location != null) {
                req.setAttribute(HighLevelGrant.ATTRIBUTE, new HighLevelGrant(HighLevelGrant.Kind.LOCATION_OAUTH,
                        "app1", "company1", location, Set.of("contacts.readonly"), null));
            }
            return null;
        }));
        server.filter(limits);
        limits.registerAdminRoutes(server);
        server.route("GET", "/contacts/ping", "ping", req -> {
            handled.incrementAndGet();
            return SimResponse.ok(SimJson.object().put("ok", true));
        });
        server.route("GET", "/contacts/boom", "boom", req -> {
            handled.incrementAndGet();
            throw new IllegalStateException("handler failure");
        });
        server.route("GET", "/contacts/missing", "missing", req -> {
            handled.incrementAndGet();
            return SimResponse.json(404, SimJson.object().put("statusCode", 404).put("message", "Contact not found"));
        });
        server.start(0);
        return limits;
    }

    @Test
    void aBurstOf100PassesAndThe101stIsRefusedWithTheHeaders() throws Exception {
        SimClock clock = new SimClock(time, 1.0);
        start(clock, new HighLevelRateLimits(clock));

        for (int i = 1; i <= 100; i++) {
            HttpResponse<String> ok = get("/contacts/ping", "loc-A");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(header(ok, "X-RateLimit-Remaining")).isEqualTo(String.valueOf(100 - i));
            assertThat(header(ok, "X-RateLimit-Daily-Remaining")).isEqualTo(String.valueOf(200_000 - i));
        }
        HttpResponse<String> refused = get("/contacts/ping", "loc-A");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(header(refused, "X-RateLimit-Limit-Daily")).isEqualTo("200000");
        assertThat(header(refused, "X-RateLimit-Daily-Remaining")).isEqualTo("199900");
        assertThat(header(refused, "X-RateLimit-Interval-Milliseconds")).isEqualTo("10000");
        assertThat(header(refused, "X-RateLimit-Max")).isEqualTo("100");
        assertThat(header(refused, "X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(header(refused, "Retry-After")).isEqualTo("10");
        JsonNode body = SimJson.parse(refused.body());
        assertThat(body.path("statusCode").asInt()).isEqualTo(429);
        assertThat(body.path("message").asText()).isEqualTo(HighLevelRateLimits.TOO_MANY_REQUESTS_MESSAGE);
        assertThat(body.path("error").asText()).isEqualTo("Too Many Requests");
        assertThat(handled.get()).isEqualTo(100); // the refused request never reached the handler

        // another location of the same app has its own budget
        assertThat(get("/contacts/ping", "loc-B").statusCode()).isEqualTo(200);

        // the burst window ends 10 s after it began
        time.advance(Duration.ofMillis(9_999));
        assertThat(get("/contacts/ping", "loc-A").statusCode()).isEqualTo(429);
        time.advance(Duration.ofMillis(1));
        HttpResponse<String> again = get("/contacts/ping", "loc-A");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(header(again, "X-RateLimit-Remaining")).isEqualTo("99");
        assertThat(header(again, "X-RateLimit-Daily-Remaining")).isEqualTo("199899");
    }

    @Test
    void everyAnswerThatPassedCarriesTheHeadersAndUngrantedRequestsAreUntouched() throws Exception {
        SimClock clock = new SimClock(time, 1.0);
        start(clock, new HighLevelRateLimits(clock));

        HttpResponse<String> failure = get("/contacts/boom", "loc-A");
        assertThat(failure.statusCode()).isEqualTo(500);
        assertThat(header(failure, "X-RateLimit-Remaining")).isEqualTo("99");
        HttpResponse<String> notFound = get("/contacts/missing", "loc-A");
        assertThat(notFound.statusCode()).isEqualTo(404);
        for (String name : HighLevelRateLimits.HEADERS) {
            assertThat(notFound.headers().firstValue(name)).as(name).isPresent();
        }
        assertThat(header(notFound, "X-RateLimit-Remaining")).isEqualTo("98");
        assertThat(notFound.headers().firstValue("Retry-After")).isEmpty();

        HttpResponse<String> anonymous = get("/contacts/ping", null);
        assertThat(anonymous.statusCode()).isEqualTo(200);
        for (String name : HighLevelRateLimits.HEADERS) {
            assertThat(anonymous.headers().firstValue(name)).as(name).isEmpty();
        }
        assertThat(get("/contacts/ping", "loc-A").headers().firstValue("X-RateLimit-Remaining")).hasValue("97");
    }

    @Test
    void windowsShrinkWithTheTimeScale() throws Exception {
        SimClock clock = new SimClock(time, 1000);
        start(clock, new HighLevelRateLimits(clock, 3, Duration.ofSeconds(10), 1000));

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> ok = get("/contacts/ping", "loc-A");
            assertThat(ok.statusCode()).isEqualTo(200);
            // the interval a client experiences: 10 s / 1000, and the day likewise
            assertThat(header(ok, "X-RateLimit-Interval-Milliseconds")).isEqualTo("10");
            assertThat(header(ok, "X-RateLimit-Daily-Reset")).isEqualTo("86400");
        }
        HttpResponse<String> refused = get("/contacts/ping", "loc-A");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(header(refused, "Retry-After")).isEqualTo("0.01"); // 10 service seconds, in base-clock seconds
        time.advance(Duration.ofMillis(10));
        assertThat(get("/contacts/ping", "loc-A").statusCode()).isEqualTo(200);
    }

    @Test
    void theDailyLimitHoldsAcrossBurstWindowsUntilTheDayIsOver() throws Exception {
        SimClock clock = new SimClock(time, 1.0);
        HighLevelRateLimits limits = start(clock, new HighLevelRateLimits(clock, 3, Duration.ofSeconds(10), 5));
        limits.setRetryAfterEnabled(false);

        for (int i = 0; i < 3; i++) {
            assertThat(get("/contacts/ping", "loc-A").statusCode()).isEqualTo(200);
        }
        time.advance(Duration.ofSeconds(10));
        assertThat(get("/contacts/ping", "loc-A").statusCode()).isEqualTo(200);
        HttpResponse<String> last = get("/contacts/ping", "loc-A");
        assertThat(header(last, "X-RateLimit-Daily-Remaining")).isEqualTo("0");
        assertThat(header(last, "X-RateLimit-Remaining")).isEqualTo("1");

        HttpResponse<String> refused = get("/contacts/ping", "loc-A");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(header(refused, "X-RateLimit-Limit-Daily")).isEqualTo("5");
        assertThat(header(refused, "X-RateLimit-Daily-Remaining")).isEqualTo("0");
        // the day began with the first request, 10 s ago: what HighLevel's SDK reads as dailyResetMs
        assertThat(header(refused, "X-RateLimit-Daily-Reset")).isEqualTo(String.valueOf(Duration.ofDays(1).minusSeconds(10).toMillis()));
        assertThat(header(refused, "X-RateLimit-Remaining")).isEqualTo("1"); // burst room is left, the day is not
        assertThat(refused.headers().firstValue("Retry-After")).isEmpty();

        time.advance(Duration.ofHours(12));
        assertThat(get("/contacts/ping", "loc-A").statusCode()).isEqualTo(429);
        time.advance(Duration.ofHours(12).minusSeconds(10));
        HttpResponse<String> nextDay = get("/contacts/ping", "loc-A");
        assertThat(nextDay.statusCode()).isEqualTo(200);
        assertThat(header(nextDay, "X-RateLimit-Daily-Remaining")).isEqualTo("4");
    }

    @Test
    void limitsCanBeChangedThroughTheAdminEndpoint() throws Exception {
        SimClock clock = new SimClock(time, 1.0);
        HighLevelRateLimits limits = start(clock, new HighLevelRateLimits(clock));

        HttpResponse<String> put = http.send(HttpRequest.newBuilder(server.uri("/__admin/rate-limits"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"burstMax\":2,\"burstIntervalMs\":5000,\"dailyLimit\":50}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(SimJson.parse(put.body()).path("burstMax").asInt()).isEqualTo(2);
        assertThat(limits.burstInterval()).isEqualTo(Duration.ofSeconds(5));

        assertThat(get("/contacts/ping", "loc-A").statusCode()).isEqualTo(200);
        HttpResponse<String> second = get("/contacts/ping", "loc-A");
        assertThat(header(second, "X-RateLimit-Max")).isEqualTo("2");
        assertThat(header(second, "X-RateLimit-Interval-Milliseconds")).isEqualTo("5000");
        assertThat(header(second, "X-RateLimit-Limit-Daily")).isEqualTo("50");
        assertThat(get("/contacts/ping", "loc-A").statusCode()).isEqualTo(429);

        HttpResponse<String> reset = http.send(HttpRequest.newBuilder(server.uri("/__admin/rate-limits"))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(reset.statusCode()).isEqualTo(204);
        assertThat(get("/contacts/ping", "loc-A").statusCode()).isEqualTo(200);

        HttpResponse<String> invalid = http.send(HttpRequest.newBuilder(server.uri("/__admin/rate-limits"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"burstMax\":0}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(limits.burstMax()).isEqualTo(2);
    }

    private HttpResponse<String> get(String path, String location) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(5)).GET();
        if (location != null) {
            request.header(LOCATION_HEADER, location);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }
}
