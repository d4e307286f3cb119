package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A business ({@code BusinessDto} in businesses.json). Only touched under the state lock. */
final class BusinessRecord {

    /** Writable string properties, in rendering order. */
    static final List<String> STRING_FIELDS = List.of("name", "phone", "email", "website", "address", "city",
            "description", "state", "postalCode", "country");

    final String id;
    final String locationId;
    final Map<String, String> strings = new LinkedHashMap<>();
    final Instant createdAt;
    Instant updatedAt;
    String createdBySource;
    String updatedBySource;

    BusinessRecord(String id, String locationId, Instant now, String source) {
        this.id = id;
        this.locationId = locationId;
        this.createdAt = now;
        this.updatedAt = now;
        this.createdBySource = source;
        this.updatedBySource = source;
    }

    ObjectNode toJson() {
        ObjectNode json = SimJson.object().put("id", id);
        for (String field : STRING_FIELDS) {
            ContactRecord.putIfSet(json, field, strings.get(field));
        }
        json.set("updatedBy", SimJson.object().put("source", updatedBySource)
                .put("timestamp", HighLevelTime.format(updatedAt)));
        json.put("locationId", locationId);
        json.set("createdBy", SimJson.object().put("source", createdBySource)
                .put("timestamp", HighLevelTime.format(createdAt)));
        json.put("createdAt", HighLevelTime.format(createdAt));
        json.put("updatedAt", HighLevelTime.format(updatedAt));
        return json;
    }
}
