package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimRequest;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.simulator.sim.SimServer;

import java.util.ArrayList;
import java.util.List;

/** The HighLevel simulator's admin endpoints (documented on {@link HighLevelSimulator}). */
final class HighLevelAdminRoutes {

    private HighLevelAdminRoutes() {
    }

    static void install(SimServer server, HighLevelState state) {
        server.adminRoute("POST", "/__admin/seed", "highlevel-seed", req -> seed(state, req));
        server.adminRoute("POST", "/__admin/reset", "highlevel-reset", req -> {
            state.reset();
            return SimResponse.ok(SimJson.object().put("reset", true));
        });

        server.adminRoute("GET", "/__admin/contacts", "highlevel-contacts", req -> {
            String locationId = req.query("locationId");
            List<ObjectNode> contacts = locationId == null ? state.contacts() : state.contacts(locationId);
            ObjectNode body = SimJson.object();
            ArrayNode list = body.putArray("contacts");
            contacts.forEach(list::add);
            body.put("total", contacts.size());
            return SimResponse.ok(body);
        });
        server.adminRoute("POST", "/__admin/contacts", "highlevel-create-contact-as-user", req -> {
            JsonNode body = object(req);
            String locationId = body.path("locationId").asText(HighLevelState.DEMO_LOCATION_ID);
            ObjectNode fields = ((ObjectNode) body).deepCopy();
            fields.remove("locationId");
            return SimResponse.created(wrap("contact", state.createContactAsUser(locationId, fields)));
        });
        server.adminRoute("GET", "/__admin/contacts/{contactId}", "highlevel-contact-details", req ->
                state.contactDetails(req.pathVar("contactId"))
                        .map(contact -> SimResponse.ok(wrap("contact", contact)))
                        .orElseGet(() -> HighLevelErrors.response(404, "No contact " + req.pathVar("contactId"))));
        server.adminRoute("POST", "/__admin/contacts/{contactId}/edit", "highlevel-edit-contact-as-user", req ->
                SimResponse.ok(wrap("contact", state.editContactAsUser(req.pathVar("contactId"), object(req)))));
        server.adminRoute("DELETE", "/__admin/contacts/{contactId}", "highlevel-delete-contact-as-user", req ->
                SimResponse.ok(wrap("contact", state.deleteContactAsUser(req.pathVar("contactId")))));

        server.adminRoute("POST", "/__admin/contacts/{contactId}/appointments", "highlevel-book-appointment", req ->
                SimResponse.created(wrap("appointment",
                        state.saveAppointmentAsUser(req.pathVar("contactId"), null, object(req)))));
        server.adminRoute("PUT", "/__admin/contacts/{contactId}/appointments/{appointmentId}",
                "highlevel-change-appointment", req -> SimResponse.ok(wrap("appointment",
                        state.saveAppointmentAsUser(req.pathVar("contactId"), req.pathVar("appointmentId"),
                                object(req)))));
        server.adminRoute("DELETE", "/__admin/contacts/{contactId}/appointments/{appointmentId}",
                "highlevel-cancel-appointment", req -> SimResponse.ok(wrap("appointment",
                        state.deleteAppointmentAsUser(req.pathVar("contactId"), req.pathVar("appointmentId")))));
        server.adminRoute("POST", "/__admin/contacts/{contactId}/tasks/{taskId}/complete",
                "highlevel-complete-task-as-user", req -> SimResponse.ok(wrap("task",
                        state.completeTaskAsUser(req.pathVar("contactId"), req.pathVar("taskId")))));

        server.adminRoute("GET", "/__admin/locations", "highlevel-locations", req -> {
            ObjectNode body = SimJson.object();
            ArrayNode list = body.putArray("locations");
            for (String id : state.locationIds()) {
                ObjectNode location = list.addObject().put("id", id);
                location.set("settings", state.settings(id).toJson());
                location.put("contacts", state.contacts(id).size());
            }
            return SimResponse.ok(body);
        });
        server.adminRoute("GET", "/__admin/locations/{locationId}/settings", "highlevel-get-settings", req ->
                SimResponse.ok(state.settings(req.pathVar("locationId")).toJson()));
        server.adminRoute("PUT", "/__admin/locations/{locationId}/settings", "highlevel-put-settings", req ->
                SimResponse.ok(state.mergeSettings(req.pathVar("locationId"), object(req)).toJson()));

        server.adminRoute("POST", "/__admin/locations/{locationId}/customFields", "highlevel-create-custom-field", req -> {
            JsonNode body = object(req);
            List<String> options = new ArrayList<>();
            body.path("picklistOptions").forEach(option -> options.add(option.asText()));
            HighLevelCustomField field = state.createCustomField(req.pathVar("locationId"), body.path("name").asText(null),
                    body.path("fieldKey").asText(null), body.path("dataType").asText(null), options);
            return SimResponse.created(wrap("customField", field.toJson()));
        });
        server.adminRoute("DELETE", "/__admin/locations/{locationId}/customFields/{idOrKey}",
                "highlevel-delete-custom-field", req ->
                        state.deleteCustomField(req.pathVar("locationId"), req.pathVar("idOrKey"))
                                .map(field -> SimResponse.ok(wrap("customField", field.toJson())))
                                .orElseGet(() -> HighLevelErrors.response(404, "No custom field " + req.pathVar("idOrKey"))));

        server.adminRoute("GET", "/__admin/events", "highlevel-events", req -> {
            List<HighLevelEvent> events = new ArrayList<>(state.recentEvents());
            String type = req.query("type");
            if (type != null) {
                events.removeIf(event -> !event.type().equals(type));
            }
            String limit = req.query("limit");
            if (limit != null) {
                int n = Integer.parseInt(limit);
                events = events.subList(Math.max(0, events.size() - n), events.size());
            }
            ObjectNode body = SimJson.object();
            ArrayNode list = body.putArray("events");
            events.forEach(event -> list.addObject().put("type", event.type()).put("locationId", event.locationId())
                    .set("entity", event.entity()));
            return SimResponse.ok(body);
        });
    }

    private static SimResponse seed(HighLevelState state, SimRequest req) {
        JsonNode body = object(req);
        String locationId = body.path("locationId").asText(HighLevelState.DEMO_LOCATION_ID);
        ObjectNode result = SimJson.object();
        if (body.has("contacts")) {
            JsonNode entries = body.get("contacts");
            if (!entries.isArray()) {
                throw new IllegalArgumentException("contacts must be an array");
            }
            List<JsonNode> list = new ArrayList<>();
            entries.forEach(list::add);
            List<ObjectNode> created = state.seedContacts(locationId, list);
            result.put("seeded", created.size()).put("locationId", locationId);
            ArrayNode contacts = result.putArray("contacts");
            created.forEach(contacts::add);
        } else {
            if (!body.path("count").isInt() || body.get("count").asInt() < 0) {
                throw new IllegalArgumentException("count (a non-negative integer) or contacts (an array) is required");
            }
            List<ObjectNode> created = state.seed(locationId, body.get("count").asInt(), body.path("seed").asLong(42));
            result.put("seeded", created.size()).put("locationId", locationId);
            ArrayNode ids = result.putArray("ids");
            created.forEach(contact -> ids.add(contact.get("id").asText()));
        }
        return SimResponse.ok(result);
    }

    private static JsonNode object(SimRequest req) {
        JsonNode body = req.json();
        if (body.isMissingNode()) {
            return SimJson.object();
        }
        if (!body.isObject()) {
            throw new IllegalArgumentException("body must be a JSON object");
        }
        return body;
    }

    private static ObjectNode wrap(String name, JsonNode value) {
        ObjectNode body = SimJson.object();
        body.set(name, value);
        return body;
    }
}
