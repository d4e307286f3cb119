package io.contactsbridge.simulator.birdsend;

import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.simulator.sim.SimResponseException;

/**
 * Error bodies in the shape a Laravel API answers with ({@code {"message": "..."}}), which is what
 * BirdSend is built on. The texts are Laravel's own where Laravel produces them (401, 429, 404 for
 * route-model binding), because clients sometimes match on them.
 */
final class LaravelErrors {

    static final String UNAUTHENTICATED = "Unauthenticated.";
    /** Laravel Passport's {@code MissingScopeException} text. */
    static final String MISSING_SCOPE = "Invalid scope(s) provided.";
    static final String TOO_MANY_ATTEMPTS = "Too Many Attempts.";

    private LaravelErrors() {
    }

    static SimResponse message(int status, String message) {
        return SimResponse.json(status, SimJson.object().put("message", message));
    }

    static SimResponse unauthenticated() {
        return message(401, UNAUTHENTICATED);
    }

    static SimResponse missingScope() {
        return message(403, MISSING_SCOPE);
    }

    /** Route-model binding of an unknown (or another account's) id. */
    static SimResponse notFound(String model, Object id) {
        return message(404, "No query results for model [App\\Models\\" + model + "] " + id);
    }

    static SimResponseException notFoundException(String model, Object id) {
        return new SimResponseException(notFound(model, id));
    }
}
