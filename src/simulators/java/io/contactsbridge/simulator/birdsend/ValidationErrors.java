package io.contactsbridge.simulator.birdsend;

import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.simulator.sim.SimResponseException;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects validation failures and answers them as Laravel does: 422 with
 * {@code {"message": <first message> [" (and N more errors)"], "errors": {field: [msg, ...]}}}.
 * Messages use Laravel 10's English wording, where an attribute name is shown with underscores as
 * spaces ("per_page" reads "per page").
 */
final class ValidationErrors {

    private final Map<String, List<String>> errors = new LinkedHashMap<>();

    static ValidationErrors create() {
        return new ValidationErrors();
    }

    /** A single failure, thrown at once. */
    static SimResponseException single(String field, String message) {
        ValidationErrors errors = new ValidationErrors();
        errors.add(field, message);
        return new SimResponseException(errors.toResponse());
    }

    ValidationErrors add(String field, String message) {
        errors.computeIfAbsent(field, k -> new ArrayList<>()).add(message);
        return this;
    }

    boolean has(String field) {
        return errors.containsKey(field);
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    void throwIfAny() {
        if (!errors.isEmpty()) {
            throw new SimResponseException(toResponse());
        }
    }

    SimResponse toResponse() {
        int total = errors.values().stream().mapToInt(List::size).sum();
        String first = errors.values().iterator().next().get(0);
        String message = total == 1 ? first
                : first + " (and " + (total - 1) + " more error" + (total - 1 == 1 ? "" : "s") + ")";
        ObjectNode body = SimJson.object().put("message", message);
        ObjectNode byField = body.putObject("errors");
        errors.forEach((field, messages) -> messages.forEach(m -> byField.withArray(field).add(m)));
        return SimResponse.json(422, body);
    }

    // --- Laravel's messages ----------------------------------------------------------------------

    static String attribute(String field) {
        return field.replace('_', ' ');
    }

    static String required(String field) {
        return "The " + attribute(field) + " field is required.";
    }

    static String invalidEmail(String field) {
        return "The " + attribute(field) + " field must be a valid email address.";
    }

    static String taken(String field) {
        return "The " + attribute(field) + " has already been taken.";
    }

    static String integer(String field) {
        return "The " + attribute(field) + " field must be an integer.";
    }

    static String string(String field) {
        return "The " + attribute(field) + " field must be a string.";
    }

    static String array(String field) {
        return "The " + attribute(field) + " field must be an array.";
    }

    static String atLeast(String field, long min) {
        return "The " + attribute(field) + " field must be at least " + min + ".";
    }

    static String notGreaterThan(String field, long max) {
        return "The " + attribute(field) + " field must not be greater than " + max + ".";
    }

    static String selectedInvalid(String field) {
        return "The selected " + attribute(field) + " is invalid.";
    }

    static String dateFormat(String field, String format) {
        return "The " + attribute(field) + " field must match the format " + format + ".";
    }
}
