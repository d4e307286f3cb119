package io.contactsbridge.simulator.sim;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.List;

/** The admin endpoints every {@link SimServer} carries (documented on {@link SimServer}). */
final class CoreAdminRoutes {

    private CoreAdminRoutes() {
    }

    static void install(SimServer server) {
        server.adminRoute("GET", "/__admin/health", "admin-health", req ->
                SimResponse.ok(SimJson.object().put("status", "UP").put("name", server.name())));

        server.adminRoute("GET", "/__admin/routes", "admin-routes", req -> SimResponse.ok(routes(server)));

        server.adminRoute("GET", "/__admin/calls", "admin-get-calls", req -> {
            CallRecorder calls = server.calls();
            ObjectNode body = SimJson.object().put("total", calls.total());
            body.set("counts", SimJson.MAPPER.valueToTree(calls.counts()));
            body.set("statuses", SimJson.MAPPER.valueToTree(calls.countsByStatus()));
            return SimResponse.ok(body);
        });
        server.adminRoute("DELETE", "/__admin/calls", "admin-reset-calls", req -> {
            server.calls().reset();
            return SimResponse.noContent();
        });

        server.adminRoute("GET", "/__admin/requests", "admin-get-requests", req -> {
            String operation = req.query("operation");
            List<RecordedRequest> kept = operation == null ? server.calls().recent() : server.calls().recent(operation);
            String limit = req.query("limit");
            if (limit != null) {
                int n = Integer.parseInt(limit);
                kept = kept.subList(Math.max(0, kept.size() - n), kept.size());
            }
            ObjectNode body = SimJson.object();
            body.set("requests", SimJson.MAPPER.valueToTree(kept));
            return SimResponse.ok(body);
        });

        server.adminRoute("GET", "/__admin/faults", "admin-get-faults", req ->
                SimResponse.ok(server.faults().config()));
        server.adminRoute("PUT", "/__admin/faults", "admin-put-faults", req -> {
            return SimResponse.ok(server.faults().configure(readFaultConfig(req)));
        });
        server.adminRoute("DELETE", "/__admin/faults", "admin-clear-faults", req -> {
            server.faults().clear();
            return SimResponse.noContent();
        });

        server.adminRoute("GET", "/__admin/clock", "admin-get-clock", req -> SimResponse.ok(clock(server)));
        server.adminRoute("PUT", "/__admin/clock", "admin-put-clock", req -> {
            JsonNode scale = req.json().path("timeScale");
            if (!scale.isNumber()) {
                throw new IllegalArgumentException("timeScale (a number) is required");
            }
            server.clock().setTimeScale(scale.asDouble());
            return SimResponse.ok(clock(server));
        });
    }

    /**
     * Strict, unlike API bodies: a misspelt field ("errorRate") must fail loudly rather than leave
     * a test running without the faults it asked for.
     */
    private static FaultConfig readFaultConfig(SimRequest req) {
        if (!req.hasBody()) {
            return FaultConfig.NONE;
        }
        try {
            return SimJson.MAPPER.readerFor(FaultConfig.class)
                    .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .readValue(req.body());
        } catch (IOException e) {
            throw new MalformedBodyException("Invalid fault config: " + e.getMessage(), e);
        }
    }

    /** Admin input errors (bad fault config, bad numbers) are the caller's fault: 400, not 500. */
    static SimResponse mapAdminException(SimRequest request, Exception e) {
        if (e instanceof IllegalArgumentException) {
            return SimServer.errorBody(400, e.getMessage());
        }
        return null;
    }

    private static ObjectNode clock(SimServer server) {
        return SimJson.object()
                .put("now", server.clock().now().toString())
                .put("timeScale", server.clock().timeScale());
    }

    private static ObjectNode routes(SimServer server) {
        ObjectNode body = SimJson.object().put("name", server.name());
        body.set("routes", list(server.apiRoutes()));
        body.set("admin", list(server.adminRoutesList()));
        return body;
    }

    private static ArrayNode list(List<Router.Route> routes) {
        ArrayNode array = SimJson.array();
        routes.forEach(r -> array.addObject()
                .put("method", r.method())
                .put("path", r.template())
                .put("operation", r.operation()));
        return array;
    }
}
