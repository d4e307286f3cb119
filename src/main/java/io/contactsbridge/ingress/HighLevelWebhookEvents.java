package io.contactsbridge.ingress;

import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.journal.ContactKeys;
import io.contactsbridge.journal.JournalSources;

/**
 * The webhook events HighLevel documents (shared/reference/highlevel/webhook-events/), the app's INSTALL and
 * UNINSTALL, and which contact each is about, for per-contact ordering.
 */
public final class HighLevelWebhookEvents {

    public static final Set<String> TYPES = JournalSources.HIGHLEVEL_WEBHOOK_TYPES;

    private HighLevelWebhookEvents() {
    }

    public static boolean known(String type) {
        return TYPES.contains(type);
    }

    /** INSTALL or UNINSTALL of the app. */
    public static boolean lifecycle(String type) {
        return JournalSources.HIGHLEVEL_LIFECYCLE_TYPES.contains(type);
    }

    /**
     * {@code highlevel:<contactId>}: a contact event's {@code id}, a note's or task's {@code contactId}, an
     * appointment's {@code appointment.contactId}. An event without a contact is ordered with its entity
     * ({@code highlevel-note:<id>}, ...) or, lacking even that, its location. INSTALL and UNINSTALL are ordered
     * by their location ({@code highlevel-location:<id>}), or their company when they name no location.
     */
    public static String contactKey(String type, JsonNode payload) {
        if (lifecycle(type)) {
            String location = text(payload, "locationId");
            String company = text(payload, "companyId");
            return location != null ? "highlevel-location:" + location
                    : "highlevel-company:" + (company == null ? "unknown" : company);
        }
        JsonNode entity = type.startsWith("Appointment") && payload.path("appointment").isObject()
                ? payload.get("appointment") : payload;
        String contactId = text(entity, type.startsWith("Contact") ? "id" : "contactId");
        if (contactId != null) {
            return ContactKeys.highLevel(contactId);
        }
        String family = type.replaceAll("(Create|Update|Delete|Complete|TagUpdate|DndUpdate)$", "").toLowerCase();
        String id = text(entity, "id");
        if (id != null) {
            return "highlevel-" + family + ":" + id;
        }
        String location = text(payload, "locationId");
        return "highlevel-location:" + (location == null ? "unknown" : location);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || !value.isValueNode() || value.isNull() || value.asText().isBlank() ? null : value.asText();
    }
}
