package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.simulator.sim.SimResponseException;

import java.util.List;
import java.util.Map;

/**
 * HighLevel's error bodies: NestJS-style {@code {statusCode, message, error}}, with
 * {@code message} a list of strings for validation failures (422, class-validator wording such as
 * {@code "property foo should not exist"} or {@code "email must be an email"}).
 *
 * <p>Texts known from the real service (the spec has none except "Invalid token: access token is
 * invalid" as an example): "version header was not found.", "Invalid JWT", "The token is not
 * authorized for this scope.", "The token does not have access to this location.", "Contact with
 * id X not found", "This location does not allow duplicated contacts.". Others (task/note/business
 * not found, search validation) are plausible wording chosen for the simulator.
 */
final class HighLevelErrors {

    static final String VERSION_MISSING = "version header was not found.";
    static final String VERSION_INVALID = "version header is invalid";
    static final String INVALID_TOKEN = "Invalid JWT";
    static final String SCOPE_NOT_AUTHORIZED = "The token is not authorized for this scope.";
    static final String LOCATION_FORBIDDEN = "The token does not have access to this location.";
    static final String DUPLICATE_CONTACT = "This location does not allow duplicated contacts.";

    private static final Map<Integer, String> REASONS = Map.of(
            400, "Bad Request", 401, "Unauthorized", 403, "Forbidden", 404, "Not Found",
            422, "Unprocessable Entity", 429, "Too Many Requests");

    private HighLevelErrors() {
    }

    static ObjectNode body(int status, String message) {
        return SimJson.object()
                .put("statusCode", status)
                .put("message", message)
                .put("error", REASONS.getOrDefault(status, status >= 500 ? "Internal Server Error" : "Error"));
    }

    static SimResponse response(int status, String message) {
        return SimResponse.json(status, body(status, message));
    }

    static SimResponseException error(int status, String message) {
        return new SimResponseException(response(status, message));
    }

    static SimResponseException badRequest(String message) {
        return error(400, message);
    }

    static SimResponseException contactNotFound(String contactId) {
        return badRequest("Contact with id " + contactId + " not found");
    }

    static SimResponseException forbiddenLocation() {
        return error(403, LOCATION_FORBIDDEN);
    }

    static SimResponseException unprocessable(List<String> messages) {
        ObjectNode body = SimJson.object().put("statusCode", 422);
        ArrayNode list = body.putArray("message");
        messages.forEach(list::add);
        body.put("error", "Unprocessable Entity");
        return new SimResponseException(SimResponse.json(422, body));
    }
}
