package io.contactsbridge.sync;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.auth.ApiConnections;
import io.contactsbridge.auth.Connection;
import io.contactsbridge.auth.ConnectionRegistry;
import io.contactsbridge.ops.AdminAnswer;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * The connections' admin endpoints (admin login, as all of {@code /api/**}), so a new pair's credentials need no
 * restart ({@link ApiConnections}); no answer ever holds a token:
 * <ul>
 *   <li>{@code GET /api/connections}: every connection, where it comes from (configuration or api) and the pair using
 *       it.</li>
 *   <li>{@code POST /api/connections} {@code {"id": "hl-acme", "kind": "private-integration", "locationId": "...",
 *       "token": "..."}} or {@code {"id": "bs-acme", "kind": "personal-access-token", "token": "..."}} ({@code baseUrl}
 *       optional: the service's): 201; 400 saying what is wrong; 409 when the id is taken. Then
 *       {@code POST /api/pairs} pairs it.</li>
 *   <li>{@code DELETE /api/connections/{id}}: one added through the API and used by no pair (409 otherwise: remove
 *       the pair first; a configured one stays in the configuration); 404 when unknown.</li>
 * </ul>
 */
@Component
public class ConnectionRoutes extends RouteBuilder {

    private final ApiConnections api;
    private final ConnectionRegistry registry;
    private final SyncPairs pairs;
    private final ObjectMapper json;

    public ConnectionRoutes(ApiConnections api, ConnectionRegistry registry, SyncPairs pairs, ObjectMapper json) {
        this.api = api;
        this.registry = registry;
        this.pairs = pairs;
        this.json = json;
    }

    @Override
    public void configure() {
        from("platform-http:/api/connections?httpMethodRestrict=GET,POST")
                .routeId("connections-api")
                .process(this::listOrAdd)
                .process(e -> AdminAnswer.asJson(json, e));
        from("platform-http:/api/connections/{id}?httpMethodRestrict=GET,DELETE")
                .routeId("connection-api")
                .process(this::oneOrRemove)
                .process(e -> AdminAnswer.asJson(json, e));
    }

    private void listOrAdd(Exchange exchange) {
        Message in = exchange.getMessage();
        if (!"POST".equals(in.getHeader(Exchange.HTTP_METHOD, String.class))) {
            List<Map<String, Object>> out = new ArrayList<>();
            registry.all().forEach(c -> out.add(describe(c)));
            in.setBody(Map.of("connections", out));
            return;
        }
        JsonNode request = AdminAnswer.jsonObject(json, in);
        if (request == null) {
            AdminAnswer.error(in, 400, "bad_request", "The body must be a JSON object: {\"id\": \"bs-acme\", \"kind\": "
                    + "\"personal-access-token\", \"token\": \"...\"} (a HighLevel location: \"kind\": \"private-integration\""
                    + " and its \"locationId\").");
            return;
        }
        try {
            Connection added = api.add(new ApiConnections.Request(AdminAnswer.text(request, "id"),
                    AdminAnswer.text(request, "kind"), AdminAnswer.text(request, "baseUrl"),
                    AdminAnswer.text(request, "locationId"), AdminAnswer.text(request, "token")));
            in.setHeader(Exchange.HTTP_RESPONSE_CODE, 201);
            in.setBody(describe(added));
        } catch (IllegalArgumentException e) {
            AdminAnswer.error(in, 400, "invalid_connection", e.getMessage() + ".");
        } catch (IllegalStateException e) {
            AdminAnswer.error(in, 409, "connection_exists", e.getMessage() + ".");
        }
    }

    private void oneOrRemove(Exchange exchange) {
        Message in = exchange.getMessage();
        String id = in.getHeader("id", String.class);
        Optional<Connection> connection = registry.find(id);
        if (connection.isEmpty()) {
            AdminAnswer.error(in, 404, "unknown_connection", "No connection is called " + AdminAnswer.abbreviate(id) + ".");
            return;
        }
        if (!"DELETE".equals(in.getHeader(Exchange.HTTP_METHOD, String.class))) {
            in.setBody(describe(connection.get()));
            return;
        }
        Optional<String> pair = pairs.byConnection(id).flatMap(pairs::idOf);
        if (pair.isPresent()) {
            AdminAnswer.error(in, 409, "connection_in_use", "Pair " + pair.get() + " uses connection " + id
                    + "; remove the pair first (DELETE /api/pairs/" + pair.get() + ").");
            return;
        }
        try {
            api.remove(id);
            in.setBody(Map.of("id", id, "removed", true));
        } catch (NoSuchElementException e) {
            AdminAnswer.error(in, 404, "unknown_connection", e.getMessage() + ".");
        } catch (IllegalStateException e) {
            AdminAnswer.error(in, 409, "connection_configured", e.getMessage() + ".");
        }
    }

    private Map<String, Object> describe(Connection c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", c.id());
        out.put("service", c.service().name().toLowerCase(java.util.Locale.ROOT));
        out.put("kind", c.kind().propertyValue());
        out.put("baseUrl", c.baseUrl());
        out.put("locationId", c.locationId());
        out.put("source", api.added(c.id()) ? "api" : "configuration");
        out.put("pair", pairs.byConnection(c.id()).flatMap(pairs::idOf).orElse(null));
        return out;
    }
}
