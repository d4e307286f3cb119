package io.contactsbridge.simulator.sim;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FaultInjectionTest {

    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");
    private static final String DRIP_BODY = "{\"contact\":{\"id\":\"c-1\",\"email\":\"ann@example.com\"}}";

    private final MutableClock time = MutableClock.startingAt(T0);
    private final SimClock clock = new SimClock(time, 1.0);
    private final List<String> store = new CopyOnWriteArrayList<>();
    private SimServer server;
    private SimTestClient client;

    @BeforeEach
    void start() {
        server = new SimServer("faults", clock)
                .route("GET", "/ping", "ping", req -> SimResponse.ok(SimJson.object().put("pong", true)))
                .route("POST", "/items", "create-item", req -> {
                    store.add(req.json().path("name").asText());
                    return SimResponse.created(SimJson.object().put("size", store.size()));
                })
                .route("GET", "/drip", "drip", req -> SimResponse.bytes(200,
                        DRIP_BODY.getBytes(StandardCharsets.UTF_8), SimResponse.JSON))
                .start(0);
        client = new SimTestClient(server);
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void seededErrorRatesGiveTheDocumentedReproducibleSequence() {
        FaultConfig config = FaultConfig.builder().seed(42)
                .errorRate(500, 0.2).errorRate(502, 0.1).errorRate(503, 0.1).errorRate(429, 0.05)
                .build();
        server.faults().configure(config);
        List<Integer> first = pingStatuses(60);

        // The documented draw: one nextDouble() per request, cumulative over statuses ascending.
        Random random = new Random(42);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            double u = random.nextDouble();
            expected.add(u < 0.05 ? 429 : u < 0.25 ? 500 : u < 0.35 ? 502 : u < 0.45 ? 503 : 200);
        }
        assertThat(first).isEqualTo(expected);
        assertThat(first).contains(200, 500, 502, 503);

        // reapplying the seed (here through the admin API) replays the same sequence
        client.send("PUT", "/__admin/faults", SimJson.toJson(config));
        assertThat(pingStatuses(60)).isEqualTo(expected);

        assertThat(server.calls().count("ping", 500))
                .isEqualTo(2 * expected.stream().filter(s -> s == 500).count());
    }

    @Test
    void injected429CarriesScaledRetryAfter() {
        server.faults().configure(FaultConfig.builder().errorRate(429, 1.0).retryAfterSeconds(30).build());
        HttpResponse<String> response = client.get("/ping");
        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("Retry-After")).contains("30");
        assertThat(SimJson.parse(response.body()).path("statusCode").asInt()).isEqualTo(429);

        clock.setTimeScale(20); // 30 real-service seconds last 1.5 s of base-clock time, and Retry-After says so
        assertThat(client.get("/ping").headers().firstValue("Retry-After")).contains("1.5");

        server.faults().configure(FaultConfig.builder().errorRate(429, 1.0).build());
        clock.setTimeScale(1);
        assertThat(client.get("/ping").headers().firstValue("Retry-After")).contains("1");
    }

    @Test
    void simulatorCanShapeFaultBodies() {
        server.faultResponder((req, fault) -> SimResponse.json(fault.status(),
                SimJson.object().put("msg", "down").put("op", req.operation())));
        server.faults().configure(FaultConfig.builder().errorRate(429, 1.0).build());
        HttpResponse<String> response = client.get("/ping");
        assertThat(response.body()).isEqualTo("{\"msg\":\"down\",\"op\":\"ping\"}");
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void addsLatencyBeforeTheHandler() throws Exception {
        server.faults().configure(FaultConfig.builder().latency(250, 50).seed(7).build());
        long started = System.nanoTime();
        assertThat(client.get("/ping").statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(250));

        assertThatThrownBy(() -> client.sendOrThrow("GET", "/ping", null, Duration.ofMillis(100)))
                .isInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void connectionResetGivesTheClientAnIoErrorAndNoStatus() {
        server.faults().configure(FaultConfig.builder().resetRate(1.0).build());
        assertThatThrownBy(() -> new SimTestClient(server).sendOrThrow("GET", "/ping", null, Duration.ofSeconds(2)))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(HttpTimeoutException.class);
        assertThat(server.calls().count("ping", CallRecorder.ABORTED)).isPositive();
        assertThat(server.calls().count("ping", 200)).isZero();

        server.faults().clear();
        assertThat(client.get("/ping").statusCode()).isEqualTo(200);
    }

    @Test
    void outageWindowBetweenInstantsStartsAndEnds() {
        server.faults().configure(FaultConfig.builder()
                .outage(T0.plusSeconds(60), T0.plusSeconds(120), FaultConfig.OutageMode.UNAVAILABLE).build());
        assertThat(client.get("/ping").statusCode()).isEqualTo(200);

        time.set(T0.plusSeconds(60));
        HttpResponse<String> during = client.get("/ping");
        assertThat(during.statusCode()).isEqualTo(503);
        assertThat(during.headers().firstValue("Retry-After")).contains("60");
        assertThat(SimJson.parse(during.body()).path("message").asText()).isEqualTo("Simulated outage");

        time.set(T0.plusSeconds(119).plusMillis(500));
        assertThat(client.get("/ping").headers().firstValue("Retry-After")).contains("1");

        time.set(T0.plusSeconds(120));
        assertThat(client.get("/ping").statusCode()).isEqualTo(200);
    }

    @Test
    void outageForADurationIsScaledAndCanReset() {
        clock.setTimeScale(100); // a 10-minute real-service outage lasts 6 s of clock time
        server.faults().startOutage(Duration.ofMinutes(10), FaultConfig.OutageMode.RESET);
        FaultConfig.Outage stored = server.faults().config().outage();
        assertThat(stored.start()).isEqualTo(T0);
        assertThat(stored.end()).isEqualTo(T0.plusSeconds(6));
        assertThat(stored.durationMs()).isNull();

        assertThatThrownBy(() -> new SimTestClient(server).sendOrThrow("GET", "/ping", null, Duration.ofSeconds(2)))
                .isInstanceOf(IOException.class);
        time.advance(Duration.ofMillis(5999));
        assertThatThrownBy(() -> new SimTestClient(server).sendOrThrow("GET", "/ping", null, Duration.ofSeconds(2)))
                .isInstanceOf(IOException.class);
        time.advance(Duration.ofMillis(1));
        assertThat(client.get("/ping").statusCode()).isEqualTo(200);
    }

    @Test
    void faultedWritesAreNotApplied() {
        server.faults().configure(FaultConfig.builder().errorRate(500, 0.5).errorRate(503, 0.5).build());
        for (int i = 0; i < 5; i++) {
            assertThat(client.send("POST", "/items", "{\"name\":\"a\"}").statusCode()).isIn(500, 503);
        }
        server.faults().configure(FaultConfig.builder().resetRate(1.0).build());
        assertThatThrownBy(() -> new SimTestClient(server)
                .sendOrThrow("POST", "/items", "{\"name\":\"b\"}", Duration.ofSeconds(2)))
                .isInstanceOf(IOException.class);
        server.faults().configure(FaultConfig.builder()
                .outage(T0, T0.plusSeconds(1), FaultConfig.OutageMode.UNAVAILABLE).build());
        assertThat(client.send("POST", "/items", "{\"name\":\"c\"}").statusCode()).isEqualTo(503);
        assertThat(store).isEmpty();

        server.faults().clear();
        assertThat(client.send("POST", "/items", "{\"name\":\"d\"}").statusCode()).isEqualTo(201);
        assertThat(store).containsExactly("d");
    }

    @Test
    void faultsCanBeScopedToOperations() {
        server.faults().configure(FaultConfig.builder().operations("create-item").errorRate(500, 1.0).build());
        assertThat(client.get("/ping").statusCode()).isEqualTo(200);
        assertThat(client.send("POST", "/items", "{\"name\":\"x\"}").statusCode()).isEqualTo(500);
        assertThat(store).isEmpty();
    }

    @Test
    void anOperationCanBeGivenErrorsOfItsOwn() {
        // Writes refused while reads go through: the general rates stay for every operation.
        server.faults().configure(FaultConfig.builder().seed(7).operationErrorRate("create-item", 422, 1.0).build());
        assertThat(pingStatuses(20)).containsOnly(200);
        assertThat(client.send("POST", "/items", "{\"name\":\"x\"}").statusCode()).isEqualTo(422);
        assertThat(store).isEmpty();

        server.faults().configure(FaultConfig.builder().seed(7).errorRate(500, 0.5)
                .operationErrorRate("create-item", 422, 0.5).build());
        List<Integer> writes = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            writes.add(client.send("POST", "/items", "{\"name\":\"y\"}").statusCode());
        }
        assertThat(writes).containsOnly(500, 422).contains(500, 422);
        assertThat(pingStatuses(40)).containsOnly(200, 500).contains(200, 500);
        assertThat(server.faults().config().operationErrorRates()).containsEntry("create-item", java.util.Map.of(422, 0.5));
    }

    @Test
    void slowDripTripsAShortReadTimeoutButCompletesForAPatientClient() throws Exception {
        // 48-byte body, 16 bytes per chunk, 120 ms before each chunk: ~360 ms in total
        server.faults().configure(FaultConfig.builder().slowDrip(1.0, 16, 120).build());

        HttpURLConnection impatient = open("/drip", 60);
        assertThat(impatient.getResponseCode()).isEqualTo(200); // headers arrive at once
        assertThatThrownBy(() -> readAll(impatient)).isInstanceOf(SocketTimeoutException.class);
        impatient.disconnect();

        HttpURLConnection patient = open("/drip", 1000);
        long started = System.nanoTime();
        assertThat(patient.getResponseCode()).isEqualTo(200);
        assertThat(readAll(patient)).isEqualTo(DRIP_BODY);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        patient.disconnect();

        // java.net.http sees the same body, just late
        assertThat(client.get("/drip").body()).isEqualTo(DRIP_BODY);
    }

    @Test
    void slowDripRunsTheHandlerSoTheWriteIsApplied() {
        server.faults().configure(FaultConfig.builder().slowDrip(1.0, 64, 10).build());
        assertThat(client.send("POST", "/items", "{\"name\":\"late\"}").statusCode()).isEqualTo(201);
        assertThat(store).containsExactly("late");
    }

    @Test
    void rejectsInvalidConfigs() {
        assertThatThrownBy(() -> FaultConfig.builder().errorRate(500, 0.7).errorRate(503, 0.5).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultConfig.builder().errorRate(200, 0.1).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultConfig.builder().resetRate(-0.1).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultConfig.builder().latency(-1, 0).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultConfig.builder().errorRate(500, 0.6).operationErrorRate("x", 422, 0.5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("operationErrorRates");
        assertThatThrownBy(() -> FaultConfig.builder().operationErrorRate("x", 302, 0.1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("operationErrorRates.x");
    }

    private List<Integer> pingStatuses(int n) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            statuses.add(client.get("/ping").statusCode());
        }
        return statuses;
    }

    private HttpURLConnection open(String path, int readTimeoutMs) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) server.uri(path).toURL().openConnection();
        connection.setConnectTimeout(2000);
        connection.setReadTimeout(readTimeoutMs);
        return connection;
    }

    private static String readAll(HttpURLConnection connection) throws IOException {
        try (InputStream in = connection.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
