package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;

import java.util.List;

/**
 * A location's contact custom field definition, as {@code GET /locations/{locationId}/customFields}
 * returns it (locations.json {@code CustomFieldSchema}).
 *
 * @param fieldKey {@code contact.<name>}; writes accept the key with or without the prefix
 * @param dataType TEXT, LARGE_TEXT, NUMERICAL, MONETORY, DATE, SINGLE_OPTIONS, RADIO,
 *                 MULTIPLE_OPTIONS or CHECKBOX (HighLevel's names)
 */
public record HighLevelCustomField(String id, String name, String fieldKey, String dataType, String placeholder,
                                   int position, List<String> picklistOptions, String locationId) {

    public HighLevelCustomField {
        picklistOptions = List.copyOf(picklistOptions);
    }

    boolean isNumeric() {
        return "NUMERICAL".equals(dataType) || "MONETORY".equals(dataType);
    }

    boolean isMultiValued() {
        return "MULTIPLE_OPTIONS".equals(dataType) || "CHECKBOX".equals(dataType);
    }

    boolean matches(String idOrKey) {
        return id.equals(idOrKey) || fieldKey.equals(idOrKey) || fieldKey.equals("contact." + idOrKey);
    }

    ObjectNode toJson() {
        ObjectNode json = SimJson.object()
                .put("id", id)
                .put("name", name)
                .put("fieldKey", fieldKey)
                .put("placeholder", placeholder)
                .put("dataType", dataType)
                .put("position", position);
        picklistOptions.forEach(json.putArray("picklistOptions")::add);
        json.put("locationId", locationId);
        json.put("model", "contact");
        return json;
    }
}
