package io.contactsbridge.inbound;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** JSON helpers of the webhook endpoints. */
final class IngressJson {

    private IngressJson() {
    }

    /** The body as a JSON object, or null when it is not one (empty, invalid, an array, ...). */
    static JsonNode parseObject(ObjectMapper json, byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            JsonNode node = json.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** A value from the request, cut short and stripped of control characters, for a message. */
    static String printable(String value) {
        String clean = value.replaceAll("\\p{Cntrl}", "?");
        return "'" + (clean.length() > 60 ? clean.substring(0, 60) + "..." : clean) + "'";
    }
}
