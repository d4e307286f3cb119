package io.contactsbridge.simulator.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One HTTP request as a simulator handler sees it: already routed (operation name and path
 * variables resolved), body fully read whatever the method (HighLevel sends JSON bodies on DELETE).
 *
 * <p>Everything is immutable except the {@linkplain #attribute(String) attributes}, which let a
 * filter hand data to the handler (e.g. the location an access token belongs to).
 */
public final class SimRequest {

    private final String method;
    private final String path;
    private final String rawQuery;
    private final String operation;
    private final Map<String, String> pathVars;
    private final Map<String, List<String>> queryParams;
    private final Map<String, List<String>> headers;
    private final byte[] body;
    private final Instant receivedAt;
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private volatile JsonNode json;

    private SimRequest(Builder b) {
        this.method = b.method.toUpperCase(Locale.ROOT);
        this.path = b.path;
        this.rawQuery = b.rawQuery;
        this.operation = b.operation;
        this.pathVars = Collections.unmodifiableMap(new LinkedHashMap<>(b.pathVars));
        this.queryParams = freeze(parseUrlEncoded(b.rawQuery), false);
        this.headers = freeze(b.headers, true);
        this.body = b.body;
        this.receivedAt = b.receivedAt;
    }

    public static Builder builder(String method, String path) {
        return new Builder(method, path);
    }

    /** Upper-case HTTP method. */
    public String method() {
        return method;
    }

    /** Decoded request path, without the query. */
    public String path() {
        return path;
    }

    /** The routed operation name (e.g. "get-contact"), or {@code null} for an unmatched request. */
    public String operation() {
        return operation;
    }

    public Instant receivedAt() {
        return receivedAt;
    }

    public Map<String, String> pathVars() {
        return pathVars;
    }

    /** A decoded path variable, or {@code null} if the template has no such variable. */
    public String pathVar(String name) {
        return pathVars.get(name);
    }

    /** Raw (still encoded) query string, or {@code null} if there was none. */
    public String rawQuery() {
        return rawQuery;
    }

    /** Decoded query parameters in arrival order; repeated names keep every value. */
    public Map<String, List<String>> queryParams() {
        return queryParams;
    }

    /** First value of a query parameter, or {@code null}. */
    public String query(String name) {
        List<String> values = queryParams.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public List<String> queryAll(String name) {
        return queryParams.getOrDefault(name, List.of());
    }

    /** All headers; lookups on the returned map ignore case. */
    public Map<String, List<String>> headers() {
        return headers;
    }

    /** First value of a header (case-insensitive name), or {@code null}. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public List<String> headerAll(String name) {
        return headers.getOrDefault(name, List.of());
    }

    /** Content-Type without parameters, lower-case, or {@code null}. */
    public String contentType() {
        String value = header("Content-Type");
        if (value == null) {
            return null;
        }
        int semi = value.indexOf(';');
        return (semi < 0 ? value : value.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    /** Raw body bytes (empty, never {@code null}). The array is shared: do not modify it. */
    public byte[] body() {
        return body;
    }

    public boolean hasBody() {
        return body.length > 0;
    }

    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * The body as a JSON tree. An empty body gives a {@link MissingNode} (so
     * {@code json().path("email")} simply finds nothing); unparseable JSON raises
     * {@link MalformedBodyException}. Parsed once and cached.
     */
    public JsonNode json() {
        JsonNode parsed = json;
        if (parsed == null) {
            parsed = hasBody() ? SimJson.parse(body) : MissingNode.getInstance();
            json = parsed;
        }
        return parsed;
    }

    /** Binds the JSON body to a type; malformed or mismatched JSON raises {@link MalformedBodyException}. */
    public <T> T json(Class<T> type) {
        try {
            return SimJson.MAPPER.readValue(body, type);
        } catch (IOException e) {
            throw new MalformedBodyException("Cannot read body as " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** The body parsed as {@code application/x-www-form-urlencoded} (UTF-8), whatever the Content-Type says. */
    public Map<String, List<String>> formParams() {
        return freeze(parseUrlEncoded(bodyAsString()), false);
    }

    /** First value of a form field, or {@code null}. */
    public String formParam(String name) {
        List<String> values = formParams().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @SuppressWarnings("unchecked")
    public <T> T attribute(String name) {
        return (T) attributes.get(name);
    }

    public void setAttribute(String name, Object value) {
        if (value == null) {
            attributes.remove(name);
        } else {
            attributes.put(name, value);
        }
    }

    @Override
    public String toString() {
        return method + " " + path + (rawQuery == null ? "" : "?" + rawQuery)
                + (operation == null ? "" : " [" + operation + "]");
    }

    // --- decoding helpers, shared with the router ------------------------------------------------

    static Map<String, List<String>> parseUrlEncoded(String encoded) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return out;
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = percentDecode(eq < 0 ? pair : pair.substring(0, eq), true);
            String value = eq < 0 ? "" : percentDecode(pair.substring(eq + 1), true);
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return out;
    }

    /**
     * Lenient percent-decoding (UTF-8): a malformed escape is kept literally rather than failing the
     * request, since a simulator should report what the client sent, not crash on it.
     */
    static String percentDecode(String s, boolean plusAsSpace) {
        if (s.indexOf('%') < 0 && !(plusAsSpace && s.indexOf('+') >= 0)) {
            return s;
        }
        byte[] out = new byte[s.length() * 4];
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()
                    && Character.digit(s.charAt(i + 1), 16) >= 0 && Character.digit(s.charAt(i + 2), 16) >= 0) {
                out[n++] = (byte) ((Character.digit(s.charAt(i + 1), 16) << 4) + Character.digit(s.charAt(i + 2), 16));
                i += 2;
            } else if (c == '+' && plusAsSpace) {
                out[n++] = ' ';
            } else {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
                    utf8 = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                System.arraycopy(utf8, 0, out, n, utf8.length);
                n += utf8.length;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    private static Map<String, List<String>> freeze(Map<String, List<String>> in, boolean caseInsensitive) {
        Map<String, List<String>> out = caseInsensitive
                ? new TreeMap<>(String.CASE_INSENSITIVE_ORDER)
                : new LinkedHashMap<>();
        in.forEach((k, v) -> out.merge(k, List.copyOf(v), (a, b) -> {
            List<String> both = new ArrayList<>(a);
            both.addAll(b);
            return List.copyOf(both);
        }));
        return Collections.unmodifiableMap(out);
    }

    /** Builds requests; used by {@link SimServer} and handy for unit-testing handlers without HTTP. */
    public static final class Builder {
        private final String method;
        private final String path;
        private String rawQuery;
        private String operation;
        private final Map<String, String> pathVars = new LinkedHashMap<>();
        private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private byte[] body = new byte[0];
        private Instant receivedAt = Instant.now();

        private Builder(String method, String path) {
            this.method = Objects.requireNonNull(method, "method");
            this.path = Objects.requireNonNull(path, "path");
        }

        /** The raw, still percent-encoded query string (without '?'). */
        public Builder rawQuery(String rawQuery) {
            this.rawQuery = rawQuery == null || rawQuery.isEmpty() ? null : rawQuery;
            return this;
        }

        public Builder operation(String operation) {
            this.operation = operation;
            return this;
        }

        public Builder pathVar(String name, String value) {
            pathVars.put(name, value);
            return this;
        }

        public Builder pathVars(Map<String, String> vars) {
            pathVars.putAll(vars);
            return this;
        }

        public Builder header(String name, String value) {
            headers.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            return this;
        }

        public Builder headers(Map<String, List<String>> all) {
            all.forEach((name, values) -> headers.computeIfAbsent(name, k -> new ArrayList<>()).addAll(values));
            return this;
        }

        public Builder body(byte[] body) {
            this.body = body == null ? new byte[0] : body;
            return this;
        }

        public Builder body(String body) {
            return body(body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        }

        public Builder jsonBody(Object value) {
            header("Content-Type", "application/json");
            return body(SimJson.toBytes(value));
        }

        public Builder receivedAt(Instant receivedAt) {
            this.receivedAt = Objects.requireNonNull(receivedAt, "receivedAt");
            return this;
        }

        public SimRequest build() {
            return new SimRequest(this);
        }
    }
}
