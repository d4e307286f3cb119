package io.contactsbridge.ops;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * What the admin API's endpoints share when they read a request: the query string, the check of its parameter
 * names, and the 400 answer. Parameters are read from the raw query string, not from Camel headers: platform-http
 * also hands HTTP headers over as Camel headers, and a client's {@code Connection} header must not pass for a
 * {@code connection} filter.
 */
public final class AdminQuery {

    private AdminQuery() {
    }

    /** The request's query parameters in their order; a name given twice is a {@link BadRequest}. */
    public static Map<String, String> of(Message in) {
        return parse(in.getHeader(Exchange.HTTP_QUERY, String.class));
    }

    static Map<String, String> parse(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (q.put(name, value) != null) {
                throw new BadRequest("Query parameter '" + name + "' is given twice.");
            }
        }
        return q;
    }

    /** Refuses a name outside {@code known}, naming the ones there are; {@code what} is "query parameter", "field".. */
    public static void requireKnown(Map<String, String> given, Set<String> known, String what) {
        for (String name : given.keySet()) {
            if (!known.contains(name)) {
                throw new BadRequest("Unknown " + what + " '" + name + "'; the " + what + "s are "
                        + String.join(", ", new TreeSet<>(known)) + ".");
            }
        }
    }

    public static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** The body of a 400 answer (serialised by the caller), with the status set. */
    public static Map<String, String> badRequest(Message in, String message) {
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, 400);
        return Map.of("error", "bad_request", "message", message);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new BadRequest("The query string is not well encoded: " + e.getMessage());
        }
    }

    /** A request the endpoint refuses with 400 and this message, written for the person who sent it. */
    public static final class BadRequest extends RuntimeException {
        public BadRequest(String message) {
            super(message, null, false, false);
        }
    }
}
