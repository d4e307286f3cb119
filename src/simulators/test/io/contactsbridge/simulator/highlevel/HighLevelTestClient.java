package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.simulator.sim.SimJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Calls the HighLevel simulator over real HTTP as an integration would: {@code Version} and bearer
 * token on every call, JSON bodies (on DELETE too).
 */
final class HighLevelTestClient {

    /** One answer: status, headers, body text. */
    record Response(int status, Map<String, List<String>> headers, String body) {
        JsonNode json() {
            return SimJson.parse(body);
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String baseUrl;
    private final String token;
    private final String version;

    HighLevelTestClient(String baseUrl, String token) {
        this(baseUrl, token, HighLevelSimulator.API_VERSION);
    }

    private HighLevelTestClient(String baseUrl, String token, String version) {
        this.baseUrl = baseUrl;
        this.token = token;
        this.version = version;
    }

    HighLevelTestClient withToken(String otherToken) {
        return new HighLevelTestClient(baseUrl, otherToken, version);
    }

    /** {@code null} sends no Version header at all. */
    HighLevelTestClient withVersion(String otherVersion) {
        return new HighLevelTestClient(baseUrl, token, otherVersion);
    }

    Response get(String path) {
        return send("GET", path, null);
    }

    Response post(String path, Object body) {
        return send("POST", path, body);
    }

    Response put(String path, Object body) {
        return send("PUT", path, body);
    }

    Response delete(String path) {
        return send("DELETE", path, null);
    }

    Response delete(String path, Object body) {
        return send("DELETE", path, body);
    }

    /** This client's Version and Authorization headers (as name/value pairs) and a Content-Type, for {@link #raw}. */
    String[] headersFor(String contentType) {
        List<String> headers = new ArrayList<>();
        if (version != null) {
            headers.add("Version");
            headers.add(version);
        }
        if (token != null) {
            headers.add("Authorization");
            headers.add("Bearer " + token);
        }
        headers.add("Content-Type");
        headers.add(contentType);
        return headers.toArray(String[]::new);
    }

    /** {@code body}: a JSON string, or anything Jackson can write; null for none. */
    Response send(String method, String path, Object body) {
        List<String> headers = new ArrayList<>();
        if (version != null) {
            headers.add("Version");
            headers.add(version);
        }
        if (token != null) {
            headers.add("Authorization");
            headers.add("Bearer " + token);
        }
        headers.add("Accept");
        headers.add("application/json");
        String text = body == null ? null : body instanceof String s ? s : SimJson.toJson(body);
        if (text != null) {
            headers.add("Content-Type");
            headers.add("application/json");
        }
        return raw(method, path, text, headers.toArray(String[]::new));
    }

    /** Exactly these headers, nothing added. */
    Response raw(String method, String path, String body, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> response = HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers().map(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
