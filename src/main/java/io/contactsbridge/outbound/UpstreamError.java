package io.contactsbridge.outbound;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What a service said in an error answer, read from either service's shape:
 * <ul>
 *   <li>HighLevel (NestJS): {@code {"statusCode":400,"message":"...","error":"Bad Request"}}, and for
 *       validation {@code "message":["email must be an email", ...]}: class-validator messages start
 *       with the property path, which becomes the field.</li>
 *   <li>BirdSend (Laravel): {@code {"message":"The given data was invalid.","errors":{"email":["..."]}}}.</li>
 * </ul>
 * Anything else (an HTML page from a proxy, plain text) becomes the message, shortened.
 *
 * @param message     the service's message ({@code message}, else {@code error}...), joined with "; "
 *                    when it sent a list; null when it said nothing
 * @param fieldErrors validation messages by field; {@link UpstreamApiException#GENERAL} for messages
 *                    that name no field
 * @param summary     one line for exception messages: the message plus, for Laravel, the field errors
 * @param meta        HighLevel's {@code meta} object when the answer had one (the duplicate-contact answer
 *                    names the existing contact there: {@code meta.contactId}); null otherwise
 */
public record UpstreamError(String message, Map<String, List<String>> fieldErrors, String summary, JsonNode meta) {

    public UpstreamError(String message, Map<String, List<String>> fieldErrors, String summary) {
        this(message, fieldErrors, summary, null);
    }

    static final int MAX_TEXT = 500;
    private static final UpstreamError NONE = new UpstreamError(null, Map.of(), null);
    /**
     * class-validator's messages: "email must be an email", "customFields.0.value must be a string",
     * "each value in tags must be a string", "property foo should not exist". Property names are
     * camelCase, so a capitalised first word ("Invalid email") is a sentence, not a field.
     */
    private static final Pattern SPECIAL_FIELD = Pattern.compile("^(?:property|each value in) ([A-Za-z_$][\\w$.\\[\\]]*)\\s.*",
            Pattern.DOTALL);
    private static final Pattern LEADING_FIELD = Pattern.compile("^([a-z_$][\\w$]*(?:\\.[\\w$]+|\\[\\d+])*)\\s+\\S.*",
            Pattern.DOTALL);

    public static UpstreamError none() {
        return NONE;
    }

    public static UpstreamError parse(ObjectMapper json, String body) {
        if (body == null || body.isBlank()) {
            return NONE;
        }
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            String text = shorten(body.replaceAll("\\s+", " ").trim());
            return new UpstreamError(text, Map.of(), text);
        }
        if (root == null || !root.isObject()) {
            String text = shorten(root == null ? body.trim() : root.isTextual() ? root.asText() : root.toString());
            return new UpstreamError(text, Map.of(), text);
        }
        Map<String, List<String>> fields = new LinkedHashMap<>();
        String message;
        JsonNode messageNode = root.path("message");
        if (messageNode.isArray()) {
            List<String> parts = new ArrayList<>();
            messageNode.forEach(m -> {
                String text = m.isTextual() ? m.asText() : m.toString();
                parts.add(text);
                fields.computeIfAbsent(fieldOf(text), k -> new ArrayList<>()).add(text);
            });
            message = String.join("; ", parts);
        } else {
            message = firstText(root, "message", "error_description", "msg", "error", "detail");
        }
        String summary = message;
        JsonNode errors = root.path("errors");
        if (errors.isObject() && !errors.isEmpty()) {
            List<String> parts = new ArrayList<>();
            errors.fields().forEachRemaining(e -> {
                List<String> messages = fields.computeIfAbsent(e.getKey(), k -> new ArrayList<>());
                if (e.getValue().isArray()) {
                    e.getValue().forEach(v -> messages.add(v.asText()));
                } else {
                    messages.add(e.getValue().asText());
                }
                parts.add(e.getKey() + ": " + String.join(" ", messages));
            });
            String listed = String.join("; ", parts);
            summary = message == null ? listed : message + " (" + listed + ")";
        }
        JsonNode meta = root.path("meta").isObject() ? root.get("meta") : null;
        return new UpstreamError(message == null ? null : shorten(message), fields,
                summary == null ? null : shorten(summary), meta);
    }

    private static String fieldOf(String validationMessage) {
        Matcher special = SPECIAL_FIELD.matcher(validationMessage);
        if (special.matches()) {
            return special.group(1);
        }
        Matcher m = LEADING_FIELD.matcher(validationMessage);
        return m.matches() ? m.group(1) : UpstreamApiException.GENERAL;
    }

    private static String firstText(JsonNode root, String... names) {
        for (String name : names) {
            JsonNode node = root.get(name);
            if (node != null && node.isTextual() && !node.asText().isBlank()) {
                return node.asText();
            }
        }
        return null;
    }

    private static String shorten(String text) {
        return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT - 1) + "…";
    }
}
