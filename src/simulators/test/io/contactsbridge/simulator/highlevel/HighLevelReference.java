package io.contactsbridge.simulator.highlevel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.simulator.sim.SimJson;

/**
 * HighLevel's own reference files, copied into the repository (src/test/resources/highlevel-reference:
 * the OpenAPI specs, their common schemas and the webhook event pages, with HighLevel's CC0 licence and a
 * note of where and when they were taken). Tests and the catalog generator read them from here, so a
 * fresh clone needs nothing beside it.
 */
public final class HighLevelReference {

    /** The copy, relative to the project folder (the working directory of Maven's test runs). */
    public static final Path DIR = Path.of("src", "test", "resources", "highlevel-reference");

    private static final Pattern SCHEMA_BLOCK = Pattern.compile("```json json_schema\\n(.*?)```", Pattern.DOTALL);

    private HighLevelReference() {
    }

    /** The JSON schema on the documentation page of a webhook event type (webhook-events/{type}.md). */
    public static JsonNode webhookSchema(String eventType) {
        Path page = DIR.resolve("webhook-events").resolve(eventType + ".md");
        String text;
        try {
            text = Files.readString(page);
        } catch (IOException e) {
            throw new UncheckedIOException("No documentation page for webhook event " + eventType, e);
        }
        Matcher block = SCHEMA_BLOCK.matcher(text);
        if (!block.find()) {
            throw new IllegalStateException(page + " has no ```json json_schema block");
        }
        return SimJson.parse(block.group(1));
    }

    /** The documented top-level fields of a webhook event type, in the page's order. */
    public static List<String> webhookFields(String eventType) {
        return propertyNames(webhookSchema(eventType));
    }

    /** The documented fields of an object nested in a webhook event (e.g. an appointment event's "appointment"). */
    public static List<String> webhookFields(String eventType, String nested) {
        return propertyNames(webhookSchema(eventType).path("properties").path(nested));
    }

    private static List<String> propertyNames(JsonNode schema) {
        List<String> names = new ArrayList<>();
        schema.path("properties").fieldNames().forEachRemaining(names::add);
        if (names.isEmpty()) {
            throw new IllegalStateException("schema declares no properties: " + schema);
        }
        return List.copyOf(names);
    }
}
