package io.contactsbridge.outbound;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.contactsbridge.auth.ServiceType;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeExtension;
import org.apache.camel.Message;
import org.springframework.stereotype.Component;

/**
 * The steps of a whole call ({@code highlevel-call}, {@code birdsend-call}): read the request
 * contract, refresh the token once after a 401, turn the final answer into the result or a typed
 * error, and give the caller its headers back either way.
 */
@Component("outboundCallSteps")
public class OutboundCallSteps {

    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");
    private static final Set<String> METHODS_WITH_BODY = Set.of("POST", "PUT", "PATCH", "DELETE");

    private final OutboundTargets targets;
    private final ObjectMapper json;
    private final OutboundTokens tokens;
    private final OutboundMetrics metrics;

    OutboundCallSteps(OutboundTargets targets, ObjectMapper json, OutboundTokens tokens, OutboundMetrics metrics) {
        this.targets = targets;
        this.json = json;
        this.tokens = tokens;
        this.metrics = metrics;
    }

    /** Reads the {@link OutboundHeaders} contract, keeps the caller's message aside and clears it. */
    public void prepare(Exchange exchange) {
        for (String property : OutboundExchange.PER_CALL) {
            exchange.removeProperty(property);
        }
        Message in = exchange.getMessage();
        exchange.setProperty(OutboundExchange.CALLER_HEADERS, new LinkedHashMap<>(in.getHeaders()));
        exchange.setProperty(OutboundExchange.CALLER_BODY, in.getBody());
        exchange.setProperty(OutboundExchange.CALL_STARTED, System.nanoTime());
        ServiceType service = exchange.getProperty(OutboundExchange.SERVICE, ServiceType.class);
        OutboundRequest request;
        try {
            request = read(service, in);
        } catch (OutboundRequestException e) {
            metrics.call(new UpstreamCall(service, in.getHeader(OutboundHeaders.CONNECTION_ID, String.class),
                    in.getHeader(OutboundHeaders.OPERATION, String.class)), OutboundMetrics.outcomeOf(e), started(exchange));
            throw e;
        }
        exchange.setProperty(OutboundExchange.REQUEST, request);
        exchange.setProperty(OutboundExchange.BASE_URL, request.baseUrl());
        in.getHeaders().clear();
        in.setBody(null);
    }

    private OutboundRequest read(ServiceType service, Message in) {
        String connectionId = text(in, OutboundHeaders.CONNECTION_ID, true);
        OutboundTarget target = targets.resolve(connectionId);
        if (target.service() != service) {
            throw new OutboundRequestException("connection " + connectionId + " is a " + target.service().displayName()
                    + " connection; send it to direct:" + UpstreamCall.id(target.service()) + "-call");
        }
        UpstreamCall call = new UpstreamCall(service, connectionId, text(in, OutboundHeaders.OPERATION, true));
        String method = text(in, OutboundHeaders.METHOD, false);
        method = method == null ? "GET" : method.trim().toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            throw new OutboundRequestException(call.describe() + ": unsupported HTTP method " + method);
        }
        String path = text(in, OutboundHeaders.PATH, true);
        if (!path.startsWith("/") || path.contains("?") || path.contains("#")) {
            throw new OutboundRequestException(call.describe() + ": " + OutboundHeaders.PATH
                    + " must start with / and carry no query (use " + OutboundHeaders.QUERY + "), got " + path);
        }
        byte[] body = METHODS_WITH_BODY.contains(method) ? jsonBytes(call, in.getBody()) : null;
        return new OutboundRequest(call, target.baseUrl(), method, path, query(call, in.getHeader(OutboundHeaders.QUERY)),
                extraHeaders(call, in.getHeader(OutboundHeaders.EXTRA_HEADERS)), body, callerShare(call, in));
    }

    private static CallerShare callerShare(UpstreamCall call, Message in) {
        String caller = text(in, OutboundHeaders.CALLER, false);
        Object share = in.getHeader(OutboundHeaders.CALLER_SHARE);
        if (share == null) {
            return null;
        }
        if (caller == null) {
            throw new OutboundRequestException(call.describe() + ": " + OutboundHeaders.CALLER_SHARE + " needs "
                    + OutboundHeaders.CALLER + ", the caller's name");
        }
        try {
            return new CallerShare(caller, share instanceof Number n ? n.doubleValue() : Double.parseDouble(share.toString().trim()));
        } catch (IllegalArgumentException e) {
            throw new OutboundRequestException(call.describe() + ": " + OutboundHeaders.CALLER_SHARE + " must be a number above 0"
                    + " and at most 1 and " + OutboundHeaders.CALLER + " a name; " + e.getMessage());
        }
    }

    /** True on the call's first 401: the token gets refreshed and the request sent once more. */
    public boolean tokenRejected(Exchange exchange) {
        return Integer.valueOf(401).equals(exchange.getMessage().getHeader(OutboundHeaders.STATUS, Integer.class))
                && exchange.getProperty(OutboundExchange.REFRESHED_TOKEN) == null;
    }

    /** Asks the token provider for a new token in place of the rejected one. */
    public void refreshToken(Exchange exchange) {
        AccessToken rejected = exchange.getProperty(OutboundExchange.TOKEN, AccessToken.class);
        exchange.setProperty(OutboundExchange.REFRESHED_TOKEN, tokens.refresh(request(exchange).call(), rejected));
    }

    /** Turns the last answer into the result (2xx) or the typed error (any other status left). */
    public void complete(Exchange exchange) {
        OutboundRequest request = request(exchange);
        Message in = exchange.getMessage();
        int status = in.getHeader(OutboundHeaders.STATUS, Integer.class);
        String text = in.getBody(String.class);
        if (status < 200 || status >= 300) {
            UpstreamError error = UpstreamError.parse(json, text);
            UpstreamApiException failure = status == 401
                    ? UpstreamAuthException.refusedAfterRefresh(request.call(), error)
                    : new UpstreamRejectedException(request.call(), status, error);
            endWith(exchange, failure);
            throw failure;
        }
        tokens.accepted(request.call());
        restoreCaller(exchange);
        in.setHeader(OutboundHeaders.STATUS, status);
        in.setHeader(OutboundHeaders.SERVICE, request.call().serviceId());
        in.setBody(parse(text));
        metrics.call(request.call(), "success", started(exchange));
    }

    /**
     * The retry route gave up (retries spent, or not worth one). Counts the call, gives the caller its
     * message back and throws the failure again as a fresh one of the caller's. The retry route's
     * error handler marked it as dealt with (failure handled, not to be handled further, exhausted);
     * left so, the caller's own error handler would pass it through untouched, and a dead-letter
     * channel would never store it.
     */
    public void failed(Exchange exchange) throws Exception {
        Exception error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        endWith(exchange, error);
        ExchangeExtension extension = exchange.getExchangeExtension();
        extension.setFailureHandled(false);
        extension.setErrorHandlerHandled(null);
        extension.setRedeliveryExhausted(false);
        throw error;
    }

    private void endWith(Exchange exchange, Throwable error) {
        metrics.call(request(exchange).call(), OutboundMetrics.outcomeOf(error), started(exchange));
        restoreCaller(exchange);
    }

    private void restoreCaller(Exchange exchange) {
        @SuppressWarnings("unchecked")
        Map<String, Object> caller = exchange.getProperty(OutboundExchange.CALLER_HEADERS, Map.class);
        Map<String, Object> headers = exchange.getMessage().getHeaders();
        headers.clear();
        if (caller != null) {
            headers.putAll(caller);
        }
        exchange.getMessage().setBody(exchange.getProperty(OutboundExchange.CALLER_BODY));
    }

    private JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            // A 2xx that is not JSON (a proxy's page, say) is still handed over rather than lost.
            return TextNode.valueOf(text);
        }
    }

    private byte[] jsonBytes(UpstreamCall call, Object body) {
        if (body == null) {
            return null;
        }
        if (body instanceof byte[] bytes) {
            return bytes;
        }
        if (body instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new OutboundRequestException(call.describe() + ": cannot write the body as JSON: " + e.getOriginalMessage());
        }
    }

    private static String query(UpstreamCall call, Object query) {
        if (query == null) {
            return null;
        }
        if (query instanceof CharSequence s) {
            String q = s.toString().trim();
            q = q.startsWith("?") ? q.substring(1) : q;
            return q.isEmpty() ? null : q;
        }
        if (!(query instanceof Map<?, ?> map)) {
            throw new OutboundRequestException(call.describe() + ": " + OutboundHeaders.QUERY
                    + " must be a query string or a Map, got " + query.getClass().getName());
        }
        StringJoiner out = new StringJoiner("&");
        map.forEach((name, value) -> {
            if (value instanceof Collection<?> values) {
                values.forEach(v -> out.add(encode(name) + "=" + encode(v)));
            } else if (value != null) {
                out.add(encode(name) + "=" + encode(value));
            }
        });
        return out.length() == 0 ? null : out.toString();
    }

    private static String encode(Object value) {
        return URLEncoder.encode(String.valueOf(value), StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static Map<String, String> extraHeaders(UpstreamCall call, Object headers) {
        if (headers == null) {
            return Map.of();
        }
        if (!(headers instanceof Map<?, ?> map)) {
            throw new OutboundRequestException(call.describe() + ": " + OutboundHeaders.EXTRA_HEADERS
                    + " must be a Map, got " + headers.getClass().getName());
        }
        Map<String, String> out = new LinkedHashMap<>();
        map.forEach((name, value) -> {
            if (String.valueOf(name).equalsIgnoreCase("Authorization")) {
                throw new OutboundRequestException(call.describe() + ": Authorization is set by the outbound layer");
            }
            if (value != null) {
                out.put(String.valueOf(name), String.valueOf(value));
            }
        });
        return out;
    }

    private static String text(Message in, String header, boolean required) {
        String value = in.getHeader(header, String.class);
        if (value == null || value.isBlank()) {
            if (required) {
                throw new OutboundRequestException("header " + header + " is required");
            }
            return null;
        }
        return value.trim();
    }

    static OutboundRequest request(Exchange exchange) {
        return exchange.getProperty(OutboundExchange.REQUEST, OutboundRequest.class);
    }

    private static long started(Exchange exchange) {
        Long started = exchange.getProperty(OutboundExchange.CALL_STARTED, Long.class);
        return started == null ? System.nanoTime() : started;
    }
}
