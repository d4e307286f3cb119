package io.contactsbridge.outbound;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.auth.ServiceType;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.RuntimeCamelException;
import org.springframework.stereotype.Component;

/**
 * The outbound routes for Java callers: builds the {@link OutboundHeaders} contract, sends it to the
 * connection's service route and returns the answer or throws the typed error the route failed with.
 * Routes should send to {@code direct:highlevel-call} / {@code direct:birdsend-call} themselves.
 */
@Component
public class OutboundClient {

    /** The share the calls made on this thread are kept to, unless a call names its own (see {@link #asCaller}). */
    private static final ThreadLocal<CallerShare> THREAD_CALLER = new ThreadLocal<>();

    private final ProducerTemplate producer;
    private final OutboundTargets targets;

    /**
     * Runs {@code work} with every call it makes on this thread kept to {@code share} of its connection's rate budget
     * (null: none). For callers whose calls are made deep inside shared code: the backfill's, made by the sync's steps.
     */
    public static <T> T asCaller(CallerShare share, java.util.function.Supplier<T> work) {
        CallerShare before = THREAD_CALLER.get();
        THREAD_CALLER.set(share);
        try {
            return work.get();
        } finally {
            if (before == null) {
                THREAD_CALLER.remove();
            } else {
                THREAD_CALLER.set(before);
            }
        }
    }

    public OutboundClient(ProducerTemplate producer, OutboundTargets targets) {
        this.producer = producer;
        this.targets = targets;
    }

    /**
     * @param operation kebab-case name for errors, logs and metrics, e.g. {@code get-contact}
     * @param method    GET, POST, PUT, PATCH or DELETE
     * @param path      encoded path below the base URL, e.g. {@code /contacts/abc}
     * @param query     query parameters (encoded here; a collection value repeats the name), or null
     * @param body      JSON body (String, JsonNode, Map, record...) or null
     * @throws UpstreamApiException    when the service refused or failed (after retries)
     * @throws OutboundRequestException when the request is malformed or the connection unknown
     */
    public OutboundResponse call(String connectionId, String operation, String method, String path,
                                 Map<String, ?> query, Object body) {
        return call(connectionId, operation, method, path, query, body, null);
    }

    /**
     * As {@link #call(String, String, String, String, Map, Object)}, kept to the caller's {@code share} of the
     * connection's rate budget (null: none): every attempt waits for the caller's next slot at that share first.
     */
    public OutboundResponse call(String connectionId, String operation, String method, String path,
                                 Map<String, ?> query, Object body, CallerShare callerShare) {
        CallerShare share = callerShare != null ? callerShare : THREAD_CALLER.get();
        ServiceType service = targets.resolve(connectionId).service();
        Exchange result = producer.send(OutboundRoutes.callEndpoint(service), exchange -> {
            var in = exchange.getMessage();
            in.setHeader(OutboundHeaders.CONNECTION_ID, connectionId);
            in.setHeader(OutboundHeaders.OPERATION, operation);
            in.setHeader(OutboundHeaders.METHOD, method);
            in.setHeader(OutboundHeaders.PATH, path);
            if (query != null) {
                in.setHeader(OutboundHeaders.QUERY, query);
            }
            if (share != null) {
                in.setHeader(OutboundHeaders.CALLER, share.caller());
                in.setHeader(OutboundHeaders.CALLER_SHARE, share.share());
            }
            in.setBody(body);
        });
        Exception error = result.getException();
        if (error instanceof RuntimeException e) {
            throw e;
        }
        if (error != null) {
            throw new RuntimeCamelException(error);
        }
        return new OutboundResponse(service, result.getMessage().getHeader(OutboundHeaders.STATUS, Integer.class),
                result.getMessage().getBody(JsonNode.class));
    }
}
