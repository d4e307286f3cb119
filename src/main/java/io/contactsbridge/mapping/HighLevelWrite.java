package io.contactsbridge.mapping;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What to change on a HighLevel contact so its mapped fields equal the desired values: the properties of
 * a create/update body ({@code firstName}, {@code email}, {@code phone}, {@code dnd}, {@code companyName},
 * {@code tags} as the full desired list, {@code customFields} as {@code [{"id":..,"field_value":..}]}).
 * A cleared field is sent as an empty string (an empty list for tags).
 */
public record HighLevelWrite(ObjectNode body) {

    public boolean isEmpty() {
        return body.isEmpty();
    }
}
