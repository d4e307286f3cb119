package io.contactsbridge.simulator.birdsend;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.simulator.sim.SimJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Calls the simulator over real HTTP the way BirdSend clients do (Bearer token, JSON in and out). */
final class BirdSendTestClient {

    private final BirdSendSimulator sim;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private volatile String token;

    BirdSendTestClient(BirdSendSimulator sim, String token) {
        this.sim = sim;
        this.token = token;
    }

    BirdSendTestClient withToken(String other) {
        return new BirdSendTestClient(sim, other);
    }

    HttpResponse<String> get(String apiPath) {
        return api("GET", apiPath, null);
    }

    HttpResponse<String> post(String apiPath, String json) {
        return api("POST", apiPath, json);
    }

    HttpResponse<String> patch(String apiPath, String json) {
        return api("PATCH", apiPath, json);
    }

    HttpResponse<String> delete(String apiPath) {
        return api("DELETE", apiPath, null);
    }

    /** A call under /v1 with the client's token. */
    HttpResponse<String> api(String method, String apiPath, String json) {
        return send(method, BirdSendSimulator.API_PREFIX + apiPath, json, Duration.ofSeconds(5),
                "Authorization", "Bearer " + token, "Accept", "application/json", "Content-Type", "application/json");
    }

    /** Any path (admin, OAuth) with the given headers. */
    HttpResponse<String> raw(String method, String path, String body, String... headers) {
        return send(method, path, body, Duration.ofSeconds(5), headers);
    }

    HttpResponse<String> send(String method, String path, String body, Duration timeout, String... headers) {
        try {
            return sendOrThrow(method, path, body, timeout, headers);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Lets I/O failures (resets, timeouts) through for assertions. */
    HttpResponse<String> sendOrThrow(String method, String path, String body, Duration timeout, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(sim.baseUrl() + path))
                .timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) {
        return SimJson.parse(response.body());
    }
}
