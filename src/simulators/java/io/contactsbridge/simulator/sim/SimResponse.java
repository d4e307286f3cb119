package io.contactsbridge.simulator.sim;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a handler answers. Immutable: the {@code with...} methods return copies, so filters can
 * decorate a response without worrying about who else holds it.
 *
 * <p>Besides status, headers and body, a response can carry a transport directive: abort the
 * connection without any HTTP answer ({@link #abortConnection()}), or send the body a few bytes at
 * a time ({@link #withSlowDrip(int, Duration)}). Fault injection uses both; simulators may too.
 */
public final class SimResponse {

    public static final String JSON = "application/json; charset=utf-8";
    public static final String TEXT = "text/plain; charset=utf-8";

    private static final byte[] NO_BODY = new byte[0];

    private final int status;
    private final Map<String, List<String>> headers;
    private final byte[] body;
    private final boolean abort;
    private final Drip drip;

    private SimResponse(int status, Map<String, List<String>> headers, byte[] body, boolean abort, Drip drip) {
        if (!abort && (status < 100 || status > 599)) {
            throw new IllegalArgumentException("Invalid HTTP status " + status);
        }
        this.status = status;
        this.headers = headers;
        this.body = body;
        this.abort = abort;
        this.drip = drip;
    }

    /** A JSON response; {@code body} may be a {@link JsonNode}, a record, a map... */
    public static SimResponse json(int status, Object body) {
        return bytes(status, SimJson.toBytes(body), JSON);
    }

    public static SimResponse ok(Object jsonBody) {
        return json(200, jsonBody);
    }

    public static SimResponse created(Object jsonBody) {
        return json(201, jsonBody);
    }

    /** A response with no body and no Content-Type. */
    public static SimResponse empty(int status) {
        return new SimResponse(status, emptyHeaders(), NO_BODY, false, null);
    }

    public static SimResponse noContent() {
        return empty(204);
    }

    public static SimResponse text(int status, String text) {
        return bytes(status, text.getBytes(StandardCharsets.UTF_8), TEXT);
    }

    public static SimResponse bytes(int status, byte[] body, String contentType) {
        Map<String, List<String>> headers = emptyHeaders();
        if (contentType != null) {
            headers.put("Content-Type", List.of(contentType));
        }
        return new SimResponse(status, headers, body == null ? NO_BODY : body, false, null);
    }

    /**
     * Drop the connection without sending a status line, as a crashed upstream or a reset would. The
     * client sees an I/O error, never an HTTP status.
     */
    public static SimResponse abortConnection() {
        return new SimResponse(0, emptyHeaders(), NO_BODY, true, null);
    }

    public int status() {
        return status;
    }

    /** All headers; lookups on the returned map ignore case. */
    public Map<String, List<String>> headers() {
        return Collections.unmodifiableMap(headers);
    }

    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public String contentType() {
        return header("Content-Type");
    }

    /** The body bytes (shared; do not modify). */
    public byte[] body() {
        return body;
    }

    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Parses the body as JSON (mostly for tests and filters that inspect answers). */
    public JsonNode bodyAsJson() {
        return SimJson.parse(body);
    }

    public boolean isAbort() {
        return abort;
    }

    /** The slow-drip directive, or {@code null} to send the body normally. */
    public Drip slowDrip() {
        return drip;
    }

    public SimResponse withStatus(int status) {
        return new SimResponse(status, copyHeaders(), body, abort, drip);
    }

    /** Sets a header, replacing any previous values of it. */
    public SimResponse withHeader(String name, String value) {
        Map<String, List<String>> copy = copyHeaders();
        copy.put(name, List.of(Objects.requireNonNull(value, "value")));
        return new SimResponse(status, copy, body, abort, drip);
    }

    /** Sets a header only if the response does not have it yet (a filter's default). */
    public SimResponse withHeaderIfAbsent(String name, String value) {
        return headers.containsKey(name) ? this : withHeader(name, value);
    }

    /** Appends a value to a header (e.g. a second Set-Cookie). */
    public SimResponse addHeader(String name, String value) {
        Map<String, List<String>> copy = copyHeaders();
        List<String> values = new ArrayList<>(copy.getOrDefault(name, List.of()));
        values.add(Objects.requireNonNull(value, "value"));
        copy.put(name, List.copyOf(values));
        return new SimResponse(status, copy, body, abort, drip);
    }

    /** Sets several headers at once, each replacing previous values. */
    public SimResponse withHeaders(Map<String, String> values) {
        Map<String, List<String>> copy = copyHeaders();
        values.forEach((name, value) -> copy.put(name, List.of(value)));
        return new SimResponse(status, copy, body, abort, drip);
    }

    /**
     * Send headers at once, then the body {@code chunkBytes} at a time with {@code pause} before each
     * chunk, so a client whose read timeout is shorter than the pause gives up mid-body.
     */
    public SimResponse withSlowDrip(int chunkBytes, Duration pause) {
        return new SimResponse(status, copyHeaders(), body, abort, new Drip(chunkBytes, pause));
    }

    /** Slow-drip parameters: bytes per chunk and the (wall-clock) pause before each chunk. */
    public record Drip(int chunkBytes, Duration pause) {
        public Drip {
            if (chunkBytes < 1) {
                throw new IllegalArgumentException("chunkBytes must be >= 1");
            }
            Objects.requireNonNull(pause, "pause");
            if (pause.isNegative()) {
                throw new IllegalArgumentException("pause must not be negative");
            }
        }
    }

    private Map<String, List<String>> copyHeaders() {
        Map<String, List<String>> copy = emptyHeaders();
        copy.putAll(headers);
        return copy;
    }

    private static Map<String, List<String>> emptyHeaders() {
        return new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    }

    @Override
    public String toString() {
        return abort ? "SimResponse[abort]" : "SimResponse[" + status + ", " + body.length + " bytes]";
    }
}
