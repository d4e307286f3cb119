package io.contactsbridge.ops;

import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/** What the admin API's endpoints share when they answer: the request's JSON object, errors, the JSON body. */
public final class AdminAnswer {

    private AdminAnswer() {
    }

    /** The request's body as a JSON object; null when it is empty, not JSON, or not an object. */
    public static JsonNode jsonObject(ObjectMapper json, Message in) {
        try {
            String body = in.getBody(String.class);
            JsonNode node = body == null || body.isBlank() ? null : json.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** A text field of a request, trimmed; null when absent or not text. */
    public static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.asText().trim() : null;
    }

    /** An error answer: {@code {"error": <code>, "message": <for a person>}}. */
    public static void error(Message in, int status, String error, String message) {
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        in.setBody(Map.of("error", error, "message", message));
    }

    /** Writes the body (a Map, a List) as the JSON answer. */
    public static void asJson(ObjectMapper json, Exchange e) throws JsonProcessingException {
        e.getMessage().setBody(json.writeValueAsString(e.getMessage().getBody()));
        e.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
    }

    /** A value cut to 80 characters for a message. */
    public static String abbreviate(String value) {
        return value == null ? "" : value.length() > 80 ? value.substring(0, 80) + "..." : value;
    }
}
