package io.contactsbridge.ingress;

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
    /**
     * The body as UTF-8 (how the journal keeps it), decoded strictly from the charset its Content-Type declares;
     * null when it is not valid text in that charset (a body declared UTF-8 is returned as it is when valid).
     */
    static byte[] utf8(byte[] raw, java.nio.charset.Charset charset) {
        try {
            java.nio.CharBuffer text = charset.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(raw));
            return charset.equals(java.nio.charset.StandardCharsets.UTF_8) ? raw
                    : text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    static String printable(String value) {
        String clean = value.replaceAll("\\p{Cntrl}", "?");
        return "'" + (clean.length() > 60 ? clean.substring(0, 60) + "..." : clean) + "'";
    }
}
