package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * class-validator-style checks for the small DTOs (tasks, notes, businesses, tags, followers,
 * bulk bodies): whitelisted properties, required ones, types. Failures are answered 422 with the
 * whole list, as HighLevel does.
 */
final class BodyRules {

    enum Type { STRING, BOOLEAN, DATE_STRING, STRING_ARRAY, NULLABLE_STRING, ANY }

    private final Map<String, Type> properties = new LinkedHashMap<>();
    private final List<String> required = new ArrayList<>();

    static BodyRules of() {
        return new BodyRules();
    }

    BodyRules optional(String property, Type type) {
        properties.put(property, type);
        return this;
    }

    BodyRules required(String property, Type type) {
        properties.put(property, type);
        required.add(property);
        return this;
    }

    Set<String> properties() {
        return properties.keySet();
    }

    /** Validates {@code body} (an absent body counts as {}); returns it as an object or answers 422. */
    ObjectNode validate(JsonNode body) {
        List<String> errors = new ArrayList<>();
        ObjectNode object = body == null || body.isMissingNode() || body.isNull() ? SimJson.object()
                : body.isObject() ? (ObjectNode) body : null;
        if (object == null) {
            throw HighLevelErrors.unprocessable(List.of("body must be an object"));
        }
        object.fieldNames().forEachRemaining(name -> {
            if (!properties.containsKey(name)) {
                errors.add("property " + name + " should not exist");
            }
        });
        properties.forEach((name, type) -> {
            JsonNode value = object.get(name);
            if (value == null || (value.isNull() && type != Type.NULLABLE_STRING)) {
                if (required.contains(name)) {
                    errors.add(name + " should not be empty");
                    errors.add(typeMessage(name, type));
                }
                return;
            }
            if (!matches(value, type)) {
                errors.add(typeMessage(name, type));
            } else if (required.contains(name) && value.isTextual() && value.asText().isBlank()) {
                errors.add(name + " should not be empty");
            }
        });
        if (!errors.isEmpty()) {
            throw HighLevelErrors.unprocessable(errors);
        }
        return object;
    }

    private static boolean matches(JsonNode value, Type type) {
        return switch (type) {
            case STRING -> value.isTextual();
            case NULLABLE_STRING -> value.isTextual() || value.isNull();
            case BOOLEAN -> value.isBoolean();
            case DATE_STRING -> value.isTextual() && HighLevelTime.parseInstant(value.asText()).isPresent();
            case STRING_ARRAY -> {
                if (!value.isArray()) {
                    yield false;
                }
                for (JsonNode item : value) {
                    if (!item.isTextual()) {
                        yield false;
                    }
                }
                yield true;
            }
            case ANY -> true;
        };
    }

    private static String typeMessage(String name, Type type) {
        return switch (type) {
            case STRING, NULLABLE_STRING -> name + " must be a string";
            case BOOLEAN -> name + " must be a boolean value";
            case DATE_STRING -> name + " must be a valid ISO 8601 date string";
            case STRING_ARRAY -> "each value in " + name + " must be a string";
            case ANY -> name + " is invalid";
        };
    }

    static List<String> strings(JsonNode array) {
        List<String> list = new ArrayList<>();
        if (array != null) {
            array.forEach(item -> list.add(item.asText()));
        }
        return list;
    }
}
