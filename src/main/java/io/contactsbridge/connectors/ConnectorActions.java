package io.contactsbridge.connectors;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.auth.Connection;
import io.contactsbridge.auth.ConnectionRegistry;
import io.contactsbridge.outbound.OutboundHeaders;
import io.contactsbridge.outbound.OutboundRequestException;
import io.contactsbridge.sync.SyncPair;
import io.contactsbridge.sync.SyncPairs;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * What every action Kamelet calls around the outbound layer: {@link #prepare} turns the action's
 * parameters (Kamelet properties or per-message headers) and the message body into an outbound
 * request; {@link #complete} turns the JSON answer into a Map or List for the rest of the route.
 * The action table is {@code catalog/actions.json}, generated with the Kamelets.
 */
@Component("connectorActions")
public class ConnectorActions {

    /** Header the Kamelet sets to say which action it is. */
    public static final String ACTION_HEADER = "BridgeAction";
    /** Prefix of headers holding parameters fixed as Kamelet properties; blank means "not given". */
    public static final String PARAM_HEADER_PREFIX = "BridgeParam.";

    private static final Pattern PATH_VARIABLE = Pattern.compile("\\{([^}]+)}");

    private final Map<String, ActionDefinition> actions;
    private final ConnectionRegistry connections;
    private final ObjectMapper json;
    private final SyncPairs pairs;

    public ConnectorActions(ConnectionRegistry connections, ObjectMapper json, SyncPairs pairs) throws IOException {
        this.pairs = pairs;
        this.connections = connections;
        this.json = json;
        try (InputStream in = ConnectorActions.class.getResourceAsStream("/catalog/actions.json")) {
            if (in == null) {
                throw new IllegalStateException("catalog/actions.json is missing from the classpath");
            }
            List<ActionDefinition> list = json.readValue(in, new TypeReference<List<ActionDefinition>>() { });
            this.actions = list.stream().collect(Collectors.toUnmodifiableMap(ActionDefinition::name, Function.identity()));
        }
    }

    public Map<String, ActionDefinition> actions() {
        return actions;
    }

    public void prepare(Exchange exchange) {
        Message in = exchange.getMessage();
        String name = in.getHeader(ACTION_HEADER, String.class);
        ActionDefinition action = actions.get(name);
        if (action == null) {
            throw new OutboundRequestException("Unknown action " + name + "; see docs/catalog.md for the list");
        }
        String connectionId = param(in, "connection");
        if (!StringUtils.hasText(connectionId)) {
            connectionId = action.service();
        }
        connectionId = inEventsPair(exchange, action, connectionId);
        Connection connection = connections.find(connectionId).orElseThrow(() -> new OutboundRequestException(
                action.name() + ": no connection named " + in.getHeader(PARAM_HEADER_PREFIX + "connection")
                        + "; configure bridge.connections.<id> or use the default '" + action.service() + "'"));

        Map<String, String> values = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (ActionDefinition.Parameter p : action.parameters()) {
            String value = param(in, p.name());
            if (!StringUtils.hasText(value) && p.name().equals("locationId") && connection.locationId() != null) {
                value = connection.locationId(); // HighLevel calls act on the connection's location by default
            }
            if (StringUtils.hasText(value)) {
                values.put(p.name(), value);
            } else if (p.required()) {
                missing.add(p.name());
            }
        }
        if (!missing.isEmpty()) {
            throw new OutboundRequestException(action.name() + " needs " + String.join(", ", missing)
                    + ": set the Kamelet propert" + (missing.size() == 1 ? "y" : "ies") + " or a header of the same name on the message");
        }

        Map<String, Object> query = new LinkedHashMap<>();
        for (ActionDefinition.Parameter p : action.parameters()) {
            if (p.in().equals("query") && values.containsKey(p.name())) {
                query.put(p.name(), values.get(p.name()));
            }
        }
        in.setHeader(OutboundHeaders.CONNECTION_ID, connection.id());
        in.setHeader(OutboundHeaders.OPERATION, action.operation());
        in.setHeader(OutboundHeaders.METHOD, action.method());
        in.setHeader(OutboundHeaders.PATH, expand(action.path(), values));
        in.setHeader(OutboundHeaders.QUERY, query);
        in.setBody(action.hasBody() ? body(action, in.getBody(), connection) : null);
        in.removeHeaders(PARAM_HEADER_PREFIX + "*");
        in.removeHeader(ACTION_HEADER);
    }

    /**
     * An automation acts in its event's pair ({@link SyncPairs#EXCHANGE_PAIR}): a connection of another pair, or the
     * service's default id (with several pairs, in none of them), becomes the event pair's connection of the action's
     * service. Any other connection (one in no pair, e.g. an agency's) is called as configured.
     */
    private String inEventsPair(Exchange exchange, ActionDefinition action, String connectionId) {
        SyncPair pair = exchange.getProperty(SyncPairs.EXCHANGE_PAIR, SyncPair.class);
        if (pair == null) {
            return connectionId;
        }
        String own = "highlevel".equals(action.service()) ? pair.highlevelConnection() : pair.birdsendConnection();
        Optional<SyncPair> owner = pairs.byConnection(connectionId);
        return (owner.isPresent() ? !owner.get().equals(pair) : connectionId.equals(action.service())) ? own : connectionId;
    }

    /** The answer as plain Java (Map/List/scalars), which {@code simple} expressions can navigate. */
    public void complete(Exchange exchange) {
        Object body = exchange.getMessage().getBody();
        if (body instanceof JsonNode node) {
            exchange.getMessage().setBody(json.convertValue(node, Object.class));
        }
    }

    /** A Kamelet property (fixed for the route) wins over a message header of the same name. */
    private static String param(Message in, String name) {
        String fixed = in.getHeader(PARAM_HEADER_PREFIX + name, String.class);
        if (StringUtils.hasText(fixed)) {
            return fixed;
        }
        Object perMessage = in.getHeader(name);
        return perMessage == null ? null : perMessage.toString();
    }

    private static String expand(String template, Map<String, String> values) {
        Matcher m = PATH_VARIABLE.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) { // a path variable the action table does not list as a parameter
                throw new OutboundRequestException("The path " + template + " needs " + m.group(1)
                        + ", which the action does not take; regenerate the catalog");
            }
            String encoded = URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
            m.appendReplacement(out, Matcher.quoteReplacement(encoded));
        }
        return m.appendTail(out).toString();
    }

    private Object body(ActionDefinition action, Object body, Connection connection) {
        if (body == null) {
            if (action.body().required()) {
                throw new OutboundRequestException(action.name() + " needs a JSON request body in the message body");
            }
            return null;
        }
        JsonNode node;
        try {
            node = body instanceof String s ? json.readTree(s)
                    : body instanceof byte[] b ? json.readTree(b)
                    : json.valueToTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new OutboundRequestException(action.name() + ": the message body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new OutboundRequestException(action.name() + ": the message body cannot be read: " + e.getMessage());
        }
        if (action.body().takesLocationId() && node instanceof ObjectNode object && !object.hasNonNull("locationId")
                && connection.locationId() != null) {
            object.put("locationId", connection.locationId());
        }
        return node;
    }
}
