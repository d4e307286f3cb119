package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Per-location behaviour switches ({@code GET|PUT /__admin/locations/{locationId}/settings}).
 *
 * @param allowDuplicateContact HighLevel's "Allow Duplicate Contact" setting (locations.json
 *                              {@code SettingsSchema}); off by default, as in new HighLevel locations.
 *                              When off, creating (or updating into) a contact whose email or phone
 *                              another contact of the location has is answered 400
 *                              {@code This location does not allow duplicated contacts.}
 * @param duplicateMatchOrder   the identifiers used to find "the same" contact, in priority order
 *                              (HighLevel's primary/secondary identifier, default email then phone);
 *                              drives upsert, duplicate search and duplicate errors
 * @param defaultCallingCode    calling code for national phone numbers ("1": US location)
 * @param lowercaseEmails       store emails lowercased. The spec is ambiguous (it returns both
 *                              {@code email} and {@code emailLowerCase}, and its examples keep
 *                              capitals), HighLevel in practice answers lowercased; on by default
 * @param lowercaseTags         HighLevel stores tags lowercased and trimmed; on by default
 */
public record HighLevelLocationSettings(boolean allowDuplicateContact, List<String> duplicateMatchOrder,
                                        String defaultCallingCode, boolean lowercaseEmails,
                                        boolean lowercaseTags) {

    private static final Set<String> IDENTIFIERS = Set.of("email", "phone");

    public static final HighLevelLocationSettings DEFAULTS =
            new HighLevelLocationSettings(false, List.of("email", "phone"), "1", true, true);

    public HighLevelLocationSettings {
        duplicateMatchOrder = List.copyOf(duplicateMatchOrder);
        if (duplicateMatchOrder.isEmpty() || !IDENTIFIERS.containsAll(duplicateMatchOrder)
                || Set.copyOf(duplicateMatchOrder).size() != duplicateMatchOrder.size()) {
            throw new IllegalArgumentException("duplicateMatchOrder must list email and/or phone once each, got "
                    + duplicateMatchOrder);
        }
        Objects.requireNonNull(defaultCallingCode, "defaultCallingCode");
    }

    public HighLevelLocationSettings withAllowDuplicateContact(boolean allow) {
        return new HighLevelLocationSettings(allow, duplicateMatchOrder, defaultCallingCode, lowercaseEmails,
                lowercaseTags);
    }

    public HighLevelLocationSettings withDuplicateMatchOrder(List<String> order) {
        return new HighLevelLocationSettings(allowDuplicateContact, order, defaultCallingCode, lowercaseEmails,
                lowercaseTags);
    }

    /** Applies the fields present in {@code patch}; unknown fields are rejected (admin input is strict). */
    HighLevelLocationSettings merge(JsonNode patch) {
        if (!patch.isObject()) {
            throw new IllegalArgumentException("settings must be a JSON object");
        }
        patch.fieldNames().forEachRemaining(name -> {
            if (!Set.of("allowDuplicateContact", "duplicateMatchOrder", "defaultCallingCode", "lowercaseEmails",
                    "lowercaseTags").contains(name)) {
                throw new IllegalArgumentException("unknown setting " + name);
            }
        });
        List<String> order = duplicateMatchOrder;
        if (patch.has("duplicateMatchOrder")) {
            order = new ArrayList<>();
            for (JsonNode item : patch.get("duplicateMatchOrder")) {
                order.add(item.asText());
            }
        }
        return new HighLevelLocationSettings(
                bool(patch, "allowDuplicateContact", allowDuplicateContact), order,
                patch.has("defaultCallingCode") ? patch.get("defaultCallingCode").asText() : defaultCallingCode,
                bool(patch, "lowercaseEmails", lowercaseEmails),
                bool(patch, "lowercaseTags", lowercaseTags));
    }

    private static boolean bool(JsonNode patch, String name, boolean current) {
        JsonNode value = patch.get(name);
        if (value == null) {
            return current;
        }
        if (!value.isBoolean()) {
            throw new IllegalArgumentException(name + " must be a boolean");
        }
        return value.asBoolean();
    }

    ObjectNode toJson() {
        return SimJson.MAPPER.valueToTree(this);
    }
}
