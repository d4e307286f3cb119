package io.contactsbridge.simulator.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class AdminEndpointsTest {

    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

    private final MutableClock time = MutableClock.startingAt(T0);
    private SimServer server;
    private SimTestClient client;

    @BeforeEach
    void start() {
        server = new SimServer("admin", new SimClock(time, 1.0))
                // an auth filter that rejects everything: admin calls must not go through it
                .filter(SimFilter.before(req -> SimResponse.json(401, SimJson.object().put("message", "no"))))
                .route("GET", "/ping", "ping", req -> SimResponse.ok(SimJson.object()))
                .adminRoute("POST", "/__admin/seed", "seed", req -> SimResponse.ok(SimJson.object().put("seeded", true)))
                .start(0);
        client = new SimTestClient(server);
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void reportsAndResetsCallCounts() {
        client.get("/ping");
        client.get("/ping");
        client.get("/missing");

        JsonNode calls = json(client.get("/__admin/calls"));
        assertThat(calls.path("total").asLong()).isEqualTo(3);
        assertThat(calls.path("counts").path("ping").asLong()).isEqualTo(2);
        assertThat(calls.path("counts").path(CallRecorder.UNMATCHED).asLong()).isEqualTo(1);
        assertThat(calls.path("statuses").path("ping").path("401").asLong()).isEqualTo(2);
        // admin calls (including the GET above) are never counted
        assertThat(calls.path("counts").size()).isEqualTo(2);

        JsonNode requests = json(client.get("/__admin/requests?operation=ping&limit=1")).path("requests");
        assertThat(requests).hasSize(1);
        assertThat(requests.get(0).path("path").asText()).isEqualTo("/ping");
        assertThat(requests.get(0).path("status").asInt()).isEqualTo(401);

        assertThat(client.send("DELETE", "/__admin/calls", null).statusCode()).isEqualTo(204);
        assertThat(json(client.get("/__admin/calls")).path("total").asLong()).isZero();
        assertThat(server.calls().recent()).isEmpty();
    }

    @Test
    void readsReplacesAndClearsFaults() {
        String config = """
                {"seed": 5, "operations": ["ping"], "errorRates": {"500": 0.25, "429": 0.05},
                 "retryAfterSeconds": 3, "resetRate": 0.1, "latencyMs": 0,
                 "slowDrip": {"rate": 0.1, "chunkBytes": 4, "pauseMs": 50},
                 "outage": {"durationMs": 60000, "mode": "reset"}}""";
        HttpResponse<String> put = client.send("PUT", "/__admin/faults", config, "Content-Type", "application/json");
        assertThat(put.statusCode()).isEqualTo(200);

        FaultConfig applied = server.faults().config();
        assertThat(applied.seed()).isEqualTo(5L);
        assertThat(applied.operations()).containsExactly("ping");
        assertThat(applied.errorRates()).containsEntry(500, 0.25).containsEntry(429, 0.05);
        assertThat(applied.retryAfterSeconds()).isEqualTo(3L);
        assertThat(applied.slowDrip()).isEqualTo(new FaultConfig.SlowDrip(0.1, 4, 50));
        assertThat(applied.outage().start()).isEqualTo(T0);
        assertThat(applied.outage().end()).isEqualTo(T0.plusSeconds(60));
        assertThat(applied.outage().mode()).isEqualTo(FaultConfig.OutageMode.RESET);

        JsonNode read = json(client.get("/__admin/faults"));
        assertThat(read.path("errorRates").path("500").asDouble()).isEqualTo(0.25);
        assertThat(read.path("outage").path("end").asText()).isEqualTo("2025-03-01T12:01:00Z");
        assertThat(read.path("outage").path("mode").asText()).isEqualTo("reset");
        assertThat(SimJson.convert(read, FaultConfig.class)).isEqualTo(applied);

        assertThat(client.send("PUT", "/__admin/faults", "{\"errorRates\":{\"500\":1.5}}").statusCode()).isEqualTo(400);
        assertThat(client.send("PUT", "/__admin/faults", "{oops").statusCode()).isEqualTo(400);
        HttpResponse<String> typo = client.send("PUT", "/__admin/faults", "{\"errorRate\":{\"500\":1}}");
        assertThat(typo.statusCode()).isEqualTo(400);
        assertThat(typo.body()).contains("errorRate");
        assertThat(server.faults().config()).isEqualTo(applied);

        assertThat(client.send("DELETE", "/__admin/faults", null).statusCode()).isEqualTo(204);
        assertThat(server.faults().config()).isEqualTo(FaultConfig.NONE);
    }

    @Test
    void adminIsNeverFaultedFilteredOrCounted() {
        server.faults().configure(FaultConfig.builder().errorRate(503, 1.0).build());
        assertThat(client.get("/ping").statusCode()).isEqualTo(401); // auth filter runs before faults
        assertThat(client.get("/__admin/health").statusCode()).isEqualTo(200);
        assertThat(client.send("POST", "/__admin/seed", "{}").statusCode()).isEqualTo(200);

        server.faults().configure(FaultConfig.builder().resetRate(1.0)
                .outage(T0.minusSeconds(1), T0.plusSeconds(1), FaultConfig.OutageMode.RESET).build());
        assertThat(json(client.get("/__admin/health")).path("status").asText()).isEqualTo("UP");
        assertThat(client.get("/__admin/nope").statusCode()).isEqualTo(404);
        assertThat(client.send("PATCH", "/__admin/calls", null).statusCode()).isEqualTo(405);

        assertThat(server.calls().counts()).containsOnlyKeys("ping");
    }

    @Test
    void readsAndSetsTheTimeScale() {
        JsonNode clock = json(client.get("/__admin/clock"));
        assertThat(clock.path("now").asText()).isEqualTo("2025-03-01T12:00:00Z");
        assertThat(clock.path("timeScale").asDouble()).isEqualTo(1.0);

        assertThat(client.send("PUT", "/__admin/clock", "{\"timeScale\": 60}").statusCode()).isEqualTo(200);
        assertThat(server.clock().timeScale()).isEqualTo(60.0);
        assertThat(client.send("PUT", "/__admin/clock", "{\"timeScale\": 0}").statusCode()).isEqualTo(400);
        assertThat(client.send("PUT", "/__admin/clock", "{}").statusCode()).isEqualTo(400);
    }

    @Test
    void listsRoutes() {
        JsonNode routes = json(client.get("/__admin/routes"));
        assertThat(routes.path("name").asText()).isEqualTo("admin");
        assertThat(routes.path("routes").get(0).path("operation").asText()).isEqualTo("ping");
        assertThat(routes.path("admin").toString()).contains("/__admin/seed", "/__admin/faults");
    }

    private static JsonNode json(HttpResponse<String> response) {
        return SimJson.parse(response.body());
    }
}
