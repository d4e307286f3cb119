package io.contactsbridge.simulator.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimServerTest {

    private SimServer server;
    private SimTestClient client;
    private final AtomicReference<SimRequest> seen = new AtomicReference<>();

    @BeforeEach
    void start() {
        server = new SimServer("test");
        server.route("GET", "/contacts/", "search-contacts", echo("search-contacts"))
                .route("POST", "/contacts/", "create-contact", echo("create-contact"))
                .route("GET", "/contacts/{contactId}", "get-contact", echo("get-contact"))
                .route("PUT", "/contacts/{contactId}", "update-contact", echo("update-contact"))
                .route("GET", "/contacts/business/{businessId}", "get-by-business", echo("get-by-business"))
                .route("GET", "/contacts/{contactId}/tags", "get-tags", echo("get-tags"))
                .route("DELETE", "/contacts/{contactId}/tags", "remove-tags", echo("remove-tags"))
                .route("GET", "/contacts/search/duplicate", "search-duplicate", echo("search-duplicate"))
                .route("GET", "/contacts/{contactId}/{field}", "get-field", echo("get-field"))
                .route("POST", "/oauth/token", "token", echo("token"))
                .start(0);
        client = new SimTestClient(server);
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private SimHandler echo(String name) {
        return req -> {
            seen.set(req);
            return SimResponse.ok(SimJson.object().put("op", name).put("operationSeen", req.operation()));
        };
    }

    @Test
    void startsOnEphemeralLoopbackPortAndStops() {
        assertThat(server.port()).isPositive();
        assertThat(server.baseUrl()).isEqualTo("http://127.0.0.1:" + server.port());
        assertThat(client.get("/contacts/abc").statusCode()).isEqualTo(200);

        URI uri = server.uri("/contacts/abc");
        server.stop();
        server.stop(); // idempotent
        assertThat(server.isRunning()).isFalse();
        assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void routesTemplatesWithTrailingSlashSignificanceAndLiteralPriority() {
        assertThat(op(client.get("/contacts/"))).isEqualTo("search-contacts");
        assertThat(op(client.get("/contacts/c-1"))).isEqualTo("get-contact");
        assertThat(seen.get().pathVar("contactId")).isEqualTo("c-1");
        assertThat(op(client.get("/contacts/c-1/tags"))).isEqualTo("get-tags");
        assertThat(op(client.get("/contacts/c-1/notes"))).isEqualTo("get-field");
        assertThat(seen.get().pathVars()).containsExactly(Map.entry("contactId", "c-1"), Map.entry("field", "notes"));

        // literal segments beat variables, position by position
        assertThat(op(client.get("/contacts/business/b-9"))).isEqualTo("get-by-business");
        assertThat(seen.get().pathVar("businessId")).isEqualTo("b-9");
        assertThat(op(client.get("/contacts/search/duplicate"))).isEqualTo("search-duplicate");

        // the trailing slash is only accepted where registered
        assertThat(client.get("/contacts").statusCode()).isEqualTo(404);
        assertThat(client.get("/contacts/c-1/").statusCode()).isEqualTo(404);
        assertThat(client.get("/oauth/token/").statusCode()).isEqualTo(404);
        // a variable never matches an empty segment
        assertThat(client.get("/contacts//tags").statusCode()).isEqualTo(404);
    }

    @Test
    void decodesPathVariablesAndQueryParameters() {
        client.get("/contacts/a%2Fb%20c?query=J%C3%BCrgen+M&tags=x&tags=y&empty=&flag");
        SimRequest req = seen.get();
        assertThat(req.operation()).isEqualTo("get-contact");
        assertThat(req.pathVar("contactId")).isEqualTo("a/b c");
        assertThat(req.query("query")).isEqualTo("Jürgen M");
        assertThat(req.queryAll("tags")).containsExactly("x", "y");
        assertThat(req.query("empty")).isEmpty();
        assertThat(req.query("flag")).isEmpty();
        assertThat(req.query("missing")).isNull();
        assertThat(req.rawQuery()).startsWith("query=J%C3%BCrgen+M");
    }

    @Test
    void knownPathWithWrongMethodIs405WithAllowHeader() {
        HttpResponse<String> response = client.send("PATCH", "/contacts/c-1", "{}");
        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).contains("GET, PUT");
        assertThat(json(response).path("statusCode").asInt()).isEqualTo(405);

        HttpResponse<String> notFound = client.get("/nowhere");
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/json"));
        assertThat(json(notFound).path("message").asText()).isEqualTo("Cannot GET /nowhere");

        assertThat(server.calls().count(CallRecorder.UNMATCHED, 405)).isEqualTo(1);
        assertThat(server.calls().count(CallRecorder.UNMATCHED, 404)).isEqualTo(1);
    }

    @Test
    void simulatorCanOverrideUnmatchedBody() {
        server.unmatchedHandler((req, status, allowed) ->
                SimResponse.json(status, SimJson.object().put("msg", "nope " + status)));
        assertThat(client.get("/nowhere").body()).isEqualTo("{\"msg\":\"nope 404\"}");
        HttpResponse<String> wrongMethod = client.send("DELETE", "/oauth/token", null);
        assertThat(wrongMethod.body()).isEqualTo("{\"msg\":\"nope 405\"}");
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("POST");
    }

    @Test
    void readsJsonBodiesOnDeleteAndGet() {
        HttpResponse<String> response = client.send("DELETE", "/contacts/c-1/tags", "{\"tags\":[\"a\",\"b\"]}",
                "Content-Type", "application/json");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(seen.get().method()).isEqualTo("DELETE");
        assertThat(seen.get().json().path("tags").toString()).isEqualTo("[\"a\",\"b\"]");
        assertThat(seen.get().contentType()).isEqualTo("application/json");

        client.send("GET", "/contacts/c-2", "{\"x\":1}");
        assertThat(seen.get().json().path("x").asInt()).isEqualTo(1);

        client.get("/contacts/c-3");
        assertThat(seen.get().hasBody()).isFalse();
        assertThat(seen.get().json().isMissingNode()).isTrue();
    }

    @Test
    void headersAreCaseInsensitive() {
        client.send("GET", "/contacts/c-1", null, "Version", "2021-07-28", "X-Multi", "a", "x-multi", "b");
        SimRequest req = seen.get();
        assertThat(req.header("version")).isEqualTo("2021-07-28");
        assertThat(req.header("VERSION")).isEqualTo("2021-07-28");
        assertThat(req.headerAll("X-MULTI")).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void parsesFormBodies() {
        client.send("POST", "/oauth/token", "grant_type=refresh_token&refresh_token=a%2Bb+c&scope=x&scope=y",
                "Content-Type", "application/x-www-form-urlencoded");
        SimRequest req = seen.get();
        assertThat(req.contentType()).isEqualTo("application/x-www-form-urlencoded");
        assertThat(req.formParam("grant_type")).isEqualTo("refresh_token");
        assertThat(req.formParam("refresh_token")).isEqualTo("a+b c");
        assertThat(req.formParams().get("scope")).containsExactly("x", "y");
    }

    @Test
    void malformedJsonIsATypedExceptionAnswered400ByDefault() {
        server.route("POST", "/strict", "strict", req -> SimResponse.ok(req.json()));
        HttpResponse<String> response = client.send("POST", "/strict", "{not json");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).path("message").asText()).startsWith("Malformed JSON");

        // a simulator whose real API answers 422 maps it itself
        server.exceptionMapper((req, e) -> e instanceof MalformedBodyException
                ? SimResponse.json(422, SimJson.object().put("message", "bad body")) : null);
        assertThat(client.send("POST", "/strict", "{not json").statusCode()).isEqualTo(422);
        assertThatThrownBy(() -> SimRequest.builder("POST", "/x").body("[1,").build().json())
                .isInstanceOf(MalformedBodyException.class);
    }

    @Test
    void handlerExceptionsBecomeResponses() {
        server.route("GET", "/teapot", "teapot", req -> {
            throw new SimResponseException(SimResponse.json(418, SimJson.object().put("short", "stout")));
        });
        server.route("GET", "/boom", "boom", req -> {
            throw new IllegalStateException("kaput");
        });
        assertThat(client.get("/teapot").statusCode()).isEqualTo(418);
        HttpResponse<String> boom = client.get("/boom");
        assertThat(boom.statusCode()).isEqualTo(500);
        assertThat(json(boom).path("message").asText()).contains("kaput");
        assertThat(server.calls().count("boom", 500)).isEqualTo(1);
    }

    @Test
    void filtersRunInOrderShortCircuitAndDecorateEveryAnswer() {
        List<String> trail = new CopyOnWriteArrayList<>();
        server.filter((req, next) -> {
            trail.add("limit-in");
            SimResponse response = next.proceed(req);
            trail.add("limit-out");
            return response.withHeader("X-RateLimit-Remaining", "99");
        });
        server.filter(SimFilter.before(req -> {
            trail.add("auth");
            return req.header("Authorization") == null
                    ? SimResponse.json(401, SimJson.object().put("message", "Unauthorized")) : null;
        }));
        server.filter(SimFilter.after((req, response) -> response.withHeader("X-Seen-Op", req.operation())));
        server.route("GET", "/fail", "fail", req -> {
            throw new IllegalStateException("handler failure");
        });

        HttpResponse<String> unauthorized = client.get("/contacts/c-1");
        assertThat(unauthorized.statusCode()).isEqualTo(401);
        assertThat(unauthorized.headers().firstValue("X-RateLimit-Remaining")).contains("99");
        assertThat(unauthorized.headers().firstValue("X-Seen-Op")).isEmpty();
        assertThat(trail).containsExactly("limit-in", "auth", "limit-out");

        HttpResponse<String> ok = client.send("GET", "/contacts/c-1", null, "Authorization", "Bearer t");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("X-RateLimit-Remaining")).contains("99");
        assertThat(ok.headers().firstValue("X-Seen-Op")).contains("get-contact");

        HttpResponse<String> failed = client.send("GET", "/fail", null, "Authorization", "Bearer t");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.headers().firstValue("X-RateLimit-Remaining")).contains("99");

        // injected faults sit innermost by default, so they carry the headers too
        server.faults().configure(FaultConfig.builder().errorRate(503, 1.0).build());
        HttpResponse<String> faulted = client.send("GET", "/contacts/c-1", null, "Authorization", "Bearer t");
        assertThat(faulted.statusCode()).isEqualTo(503);
        assertThat(faulted.headers().firstValue("X-RateLimit-Remaining")).contains("99");

        // unmatched paths bypass filters registered with filter(...)
        HttpResponse<String> unmatched = client.get("/nowhere");
        assertThat(unmatched.statusCode()).isEqualTo(404);
        assertThat(unmatched.headers().firstValue("X-RateLimit-Remaining")).isEmpty();
    }

    @Test
    void filterAllAlsoWrapsUnmatchedRequestsWhichAreNeverFaulted() {
        server.filterAll((req, next) -> next.proceed(req).withHeader("X-RateLimit-Remaining", "7"));
        server.filter(SimFilter.before(req -> SimResponse.json(401, SimJson.object())));
        server.faults().configure(FaultConfig.builder().errorRate(500, 1.0).build());

        HttpResponse<String> notFound = client.get("/nowhere");
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.headers().firstValue("X-RateLimit-Remaining")).contains("7");
        HttpResponse<String> wrongMethod = client.send("DELETE", "/oauth/token", null);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("X-RateLimit-Remaining")).contains("7");

        HttpResponse<String> routed = client.get("/contacts/c-1");
        assertThat(routed.statusCode()).isEqualTo(401);
        assertThat(routed.headers().firstValue("X-RateLimit-Remaining")).contains("7");
    }

    @Test
    void faultStageCanBePlacedOutermost() {
        SimServer other = new SimServer("outer-faults");
        other.filter(other.faultFilter())
                .filter(SimFilter.after((req, response) -> response.withHeader("X-Limit", "1")))
                .route("GET", "/x", "x", req -> SimResponse.ok(SimJson.object()))
                .start(0);
        try {
            other.faults().configure(FaultConfig.builder().errorRate(500, 1.0).build());
            HttpResponse<String> response = new SimTestClient(other).get("/x");
            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(response.headers().firstValue("X-Limit")).isEmpty();
        } finally {
            other.stop();
        }
    }

    @Test
    void filtersCanPassAttributesToHandlers() {
        server.filter(SimFilter.before(req -> {
            req.setAttribute("locationId", "loc-1");
            return null;
        }));
        server.route("GET", "/whoami", "whoami", req -> SimResponse.ok(
                SimJson.object().put("location", req.<String>attribute("locationId"))));
        assertThat(json(client.get("/whoami")).path("location").asText()).isEqualTo("loc-1");
    }

    @Test
    void responsesCarryStatusHeadersAndBodies() {
        server.route("GET", "/empty", "empty", req -> SimResponse.noContent().withHeader("X-A", "1"));
        server.route("GET", "/text", "text", req -> SimResponse.text(202, "héllo").addHeader("X-B", "1").addHeader("X-B", "2"));
        HttpResponse<String> empty = client.get("/empty");
        assertThat(empty.statusCode()).isEqualTo(204);
        assertThat(empty.body()).isEmpty();
        assertThat(empty.headers().firstValue("x-a")).contains("1");
        HttpResponse<String> text = client.get("/text");
        assertThat(text.statusCode()).isEqualTo(202);
        assertThat(text.body()).isEqualTo("héllo");
        assertThat(text.headers().allValues("X-B")).containsExactly("1", "2");
        assertThat(text.headers().firstValue("Content-Type")).contains(SimResponse.TEXT);
    }

    @Test
    void rejectsAmbiguousOrMalformedRegistrations() {
        assertThatThrownBy(() -> server.route("GET", "/contacts/{other}", "dup", echo("dup")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> server.route("GET", "/a/x{id}", "bad", echo("bad")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.route("GET", "no-slash", "bad", echo("bad")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.route("GET", "/__admin/x", "bad", echo("bad")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.adminRoute("GET", "/seed", "bad", echo("bad")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void countsCallsPerOperationAndStatusAndKeepsRecentRequests() {
        client.get("/contacts/c-1");
        client.get("/contacts/c-2");
        client.send("PUT", "/contacts/c-1", "{\"firstName\":\"Ann\"}", "Authorization", "Bearer t");
        client.get("/nowhere");

        CallRecorder calls = server.calls();
        assertThat(calls.counts()).containsEntry("get-contact", 2L).containsEntry("update-contact", 1L)
                .containsEntry(CallRecorder.UNMATCHED, 1L);
        assertThat(calls.count("get-contact", 200)).isEqualTo(2);
        assertThat(calls.countsByStatus().get("update-contact")).containsExactly(Map.entry(200, 1L));
        assertThat(calls.total()).isEqualTo(4);

        RecordedRequest update = calls.last("update-contact").orElseThrow();
        assertThat(update.method()).isEqualTo("PUT");
        assertThat(update.path()).isEqualTo("/contacts/c-1");
        assertThat(update.body()).isEqualTo("{\"firstName\":\"Ann\"}");
        assertThat(update.header("authorization")).isEqualTo("Bearer t");
        assertThat(update.status()).isEqualTo(200);
        assertThat(calls.recent()).hasSize(4);

        calls.reset();
        assertThat(calls.counts()).isEmpty();
        assertThat(calls.recent()).isEmpty();
        assertThat(calls.count("get-contact")).isZero();
    }

    private static String op(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(200);
        return json(response).path("op").asText();
    }

    private static JsonNode json(HttpResponse<String> response) {
        return SimJson.parse(response.body());
    }
}
