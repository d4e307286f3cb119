package io.contactsbridge.connectors.catalog;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.connectors.ActionDefinition;
import io.contactsbridge.connectors.ActionDefinition.Body;
import io.contactsbridge.connectors.ActionDefinition.Parameter;
import io.contactsbridge.connectors.KameletNames;
import org.yaml.snakeyaml.Yaml;

/**
 * Reads the two sources of the action catalog: HighLevel's official OpenAPI specs (copied into
 * src/test/resources/highlevel-reference; every operation
 * of contacts.json and businesses.json, and the custom-field and tag look-ups of locations.json) and
 * this project's BirdSend operations table (src/main/catalog/birdsend-operations.yaml).
 */
final class ActionSources {

    /** HighLevel's OpenAPI specs, copied into the repository (see its README.md for where and when). */
    static final Path HIGHLEVEL_REFERENCE = io.contactsbridge.simulator.highlevel.HighLevelReference.DIR;
    static final Path BIRDSEND_TABLE = Path.of("src", "main", "catalog", "birdsend-operations.yaml");

    /** The location look-ups the bridge needs from locations.json (custom fields and tags). */
    static final Set<String> LOCATION_OPERATIONS =
            Set.of("get-custom-fields", "get-custom-field", "get-location-tags", "get-tag-by-id");

    private static final ObjectMapper JSON = new ObjectMapper();

    private ActionSources() {
    }

    static List<ActionDefinition> highLevel(Path reference) throws IOException {
        Path apps = reference.resolve("apps");
        List<ActionDefinition> actions = new ArrayList<>();
        actions.addAll(fromSpec(apps.resolve("contacts.json"), op -> true));
        actions.addAll(fromSpec(apps.resolve("businesses.json"), op -> true));
        actions.addAll(fromSpec(apps.resolve("locations.json"), LOCATION_OPERATIONS::contains));
        return actions;
    }

    private static List<ActionDefinition> fromSpec(Path spec, java.util.function.Predicate<String> wanted) throws IOException {
        JsonNode root = JSON.readTree(spec.toFile());
        List<ActionDefinition> actions = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = root.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                String method = op.getKey().toUpperCase(java.util.Locale.ROOT);
                if (!Set.of("GET", "POST", "PUT", "PATCH", "DELETE").contains(method)) {
                    continue;
                }
                JsonNode o = op.getValue();
                String operation = o.path("operationId").asText();
                if (!wanted.test(operation)) {
                    continue;
                }
                actions.add(new ActionDefinition(KameletNames.canonical("highlevel-" + operation + "-action"), "highlevel", operation,
                        method, path.getKey(), "HighLevel: " + o.path("summary").asText(operation),
                        clean(o.path("description").asText(o.path("summary").asText())),
                        parameters(path.getKey(), o), body(root, o), scopes(o)));
            }
        }
        return actions;
    }

    private static List<Parameter> parameters(String path, JsonNode op) {
        List<Parameter> params = new ArrayList<>();
        for (JsonNode p : op.path("parameters")) {
            String in = p.path("in").asText();
            if (!in.equals("path") && !in.equals("query")) {
                continue; // the Version header is the outbound layer's business
            }
            JsonNode schema = p.path("schema");
            String type = switch (schema.path("type").asText("string")) {
                case "number", "integer" -> "number";
                case "boolean" -> "boolean";
                default -> "string";
            };
            JsonNode example = schema.has("example") ? schema.path("example") : p.path("example");
            String name = p.path("name").asText();
            params.add(new Parameter(name, in, in.equals("path") || p.path("required").asBoolean(),
                    type, clean(p.path("description").asText(name)),
                    example.isMissingNode() || example.isNull()
                            ? MISSING_EXAMPLES.get(op.path("operationId").asText() + "/" + name)
                            : example.isTextual() ? example.asText() : example.toString()));
        }
        // The specs name some path variables without declaring them (create-association's {type}):
        // without a parameter the action could never fill that part of the path.
        java.util.regex.Matcher variables = java.util.regex.Pattern.compile("\\{(\\w+)}").matcher(path);
        int position = 0; // path parameters first, in path order, as the spec lists declared ones
        while (variables.find()) {
            String name = variables.group(1);
            if (params.stream().noneMatch(p -> p.name().equals(name))) {
                params.add(position++, new Parameter(name, "path", true, "string", undeclaredDescription(name),
                        undeclaredExample(name)));
            }
        }
        return params;
    }

    /**
     * Examples for the few parameters the spec gives none (operation/parameter), so every Kamelet property shows
     * one in a visual editor. Each is the example the same spec gives the same id elsewhere.
     */
    static final Map<String, String> MISSING_EXAMPLES = Map.of(
            // businesses.json's example businessId (get-business, update-business, delete-Business)
            "get-contacts-by-businessId/businessId", "5DP4iH6HLkQsiKESj6rh",
            // locations.json's example custom field id (update-custom-field, delete-custom-field)
            "get-custom-field/id", "00NhGCcN1tlO8ZHcu7Wb");

    /** For path variables the spec leaves undeclared: what the operation's description says they are. */
    private static String undeclaredDescription(String name) {
        return name.equals("type") ? "add or remove: what to do with the tags of the body" : name;
    }

    private static String undeclaredExample(String name) {
        return name.equals("type") ? "add" : null;
    }

    private static Body body(JsonNode root, JsonNode op) {
        JsonNode requestBody = op.path("requestBody");
        if (requestBody.isMissingNode()) {
            return null;
        }
        JsonNode schema = requestBody.path("content").path("application/json").path("schema");
        String ref = schema.path("$ref").asText("");
        String name = ref.isEmpty() ? null : ref.substring(ref.lastIndexOf('/') + 1);
        String example = null;
        boolean takesLocationId = false;
        if (name != null && ref.startsWith("#/")) {
            JsonNode definition = root.path("components").path("schemas").path(name);
            // The search body's schema is an empty placeholder in the spec, yet HighLevel requires locationId in it.
            takesLocationId = definition.path("properties").has("locationId") || SEARCH_BODIES.contains(name);
            example = exampleOf(definition, takesLocationId);
        }
        return new Body(requestBody.path("required").asBoolean(false), name, example, takesLocationId);
    }

    /** Request bodies whose spec schema declares no properties although HighLevel expects locationId. */
    static final Set<String> SEARCH_BODIES = Set.of("SearchBodyV2DTO");

    /**
     * A compact example body built from the top-level property examples of a schema. The spec's
     * example locationId is left out where the connection fills it in, so a copied example works.
     */
    private static String exampleOf(JsonNode schema, boolean locationFromConnection) {
        ObjectNode example = JSON.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> props = schema.path("properties").fields(); props.hasNext(); ) {
            Map.Entry<String, JsonNode> prop = props.next();
            if (locationFromConnection && prop.getKey().equals("locationId")) {
                continue;
            }
            JsonNode ex = prop.getValue().path("example");
            if (!ex.isMissingNode() && !ex.isNull()) {
                example.set(prop.getKey(), ex);
            }
        }
        return example.isEmpty() ? null : example.toString();
    }

    private static List<String> scopes(JsonNode op) {
        Set<String> scopes = new LinkedHashSet<>();
        for (JsonNode requirement : op.path("security")) {
            requirement.fields().forEachRemaining(e -> e.getValue().forEach(s -> scopes.add(s.asText())));
        }
        return List.copyOf(scopes);
    }

    @SuppressWarnings("unchecked")
    static List<ActionDefinition> birdSend(Path table) throws IOException {
        List<Map<String, Object>> rows;
        try (Reader r = Files.newBufferedReader(table)) {
            rows = new Yaml().load(r);
        }
        List<ActionDefinition> actions = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            String operation = (String) row.get("operation");
            String path = (String) row.get("path");
            List<Parameter> params = new ArrayList<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{(\\w+)}").matcher(path);
            while (m.find()) {
                params.add(new Parameter(m.group(1), "path", true, "string", idDescription(m.group(1)), "123"));
            }
            for (Map<String, Object> q : (List<Map<String, Object>>) row.getOrDefault("query", List.of())) {
                String type = "integer".equals(q.get("type")) ? "number" : "string";
                params.add(new Parameter((String) q.get("name"), "query", false, type, (String) q.get("description"),
                        q.get("example") == null ? null : String.valueOf(q.get("example"))));
            }
            Map<String, Object> body = (Map<String, Object>) row.get("body");
            actions.add(new ActionDefinition(KameletNames.canonical("birdsend-" + operation + "-action"), "birdsend", operation,
                    (String) row.get("method"), path, "BirdSend: " + row.get("summary"),
                    clean((String) row.get("description")), params,
                    body == null ? null : new Body(Boolean.TRUE.equals(body.get("required")), null, (String) body.get("example"), false),
                    List.copyOf((List<String>) row.get("scopes"))));
        }
        return actions;
    }

    private static String idDescription(String param) {
        return switch (param) {
            case "contactId" -> "BirdSend contact_id";
            case "tagId" -> "BirdSend tag_id";
            case "broadcastId" -> "BirdSend broadcast id";
            default -> param;
        };
    }

    private static String clean(String text) {
        return text == null ? "" : text.replaceAll("\\s+", " ").trim();
    }
}
