package io.contactsbridge.ingress;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a webhook endpoint answers: an HTTP status and a small JSON body a person can read,
 * {@code {"status": 401, "error": "invalid_signature", "message": "..."}} for refusals and
 * {@code {"status": 200, "result": "stored", "message": "..."}} otherwise. Never carries secrets.
 *
 * @param retryAfterSeconds for 429: the {@code Retry-After} header, else null
 */
public record IngressAnswer(int status, String code, String message, Integer retryAfterSeconds) {

    static IngressAnswer ok(String result, String message) {
        return new IngressAnswer(200, result, message, null);
    }

    static IngressAnswer accepted(String result, String message) {
        return new IngressAnswer(202, result, message, null);
    }

    static IngressAnswer refuse(int status, String error, String message) {
        return new IngressAnswer(status, error, message, null);
    }

    static IngressAnswer retryLater(String error, String message, int seconds) {
        return new IngressAnswer(429, error, message, seconds);
    }

    public boolean refused() {
        return status >= 400;
    }

    public Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put(refused() ? "error" : "result", code);
        body.put("message", message);
        return body;
    }
}
