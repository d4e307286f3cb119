package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.contactsbridge.simulator.sim.SimJson;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a {@link HighLevelEvent} (the entity in the API's representation) into the webhook body
 * HighLevel posts, field for field as shared/reference/highlevel/webhook-events/&lt;Type&gt;.md shows.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>{@code type} is the event type and {@code locationId} the event's location; both come
 *       first. The API contact's own {@code type} ("lead", "customer") is not carried over.</li>
 *   <li>Contact, note and task events are flat: the listed entity fields, in the order of the
 *       doc's example. Appointment events nest them under {@code appointment}.</li>
 *   <li>Only the fields the doc lists are sent; absent or null entity fields are left out, except
 *       the array fields ({@code tags}, {@code attachments}, {@code customFields}, an appointment's
 *       {@code users}), which are sent as {@code []}, as the doc's example does for
 *       {@code attachments}.</li>
 *   <li>Shape fixes where the API and the webhook differ: a contact's {@code name} is derived from
 *       first and last name when the entity has none; a date-only {@code dateOfBirth}
 *       ("2000-01-05") becomes midnight UTC in the doc's format ("2000-01-05T00:00:00.000Z");
 *       {@code attachments} held as a single string becomes a one-element array; custom fields are
 *       reduced to {@code {id, value}}; an appointment without {@code appointmentStatus} takes its
 *       {@code status}.</li>
 *   <li>{@code timestamp} (ISO-8601 UTC with milliseconds) and {@code webhookId} are appended to
 *       every payload, as WebhookAuthentication.md requires, although the per-event examples
 *       predate them.</li>
 *   <li>AppointmentUpdate/AppointmentDelete: the docs' examples say {@code "type":
 *       "AppointmentCreate"}, an evident copy-paste slip; the real event type is sent.</li>
 *   <li>{@code appId}: webhook bodies carry the app's id (official-sdk-facts.md). An event whose entity
 *       carries {@code appId} (the sandbox adds the id of the app installed on the location) has it right
 *       after {@code locationId}; the per-event docs show none, so without an app there is none.</li>
 *   <li>{@code INSTALL} and {@code UNINSTALL}, the app's lifecycle events (sent only to its Default
 *       Webhook URL): {@code type}, then {@link #LIFECYCLE_FIELDS} from the entity as given. The field
 *       names are those HighLevel's SDK reads ({@code appId}, {@code companyId}, {@code locationId}) plus
 *       {@code installType} and {@code userId}; the exact set HighLevel sends is not in the reference.</li>
 * </ul>
 */
public final class HighLevelWebhookPayloads {

    /** Fields of every contact event (ContactDndUpdate adds {@code dndSettings} after {@code dnd}). */
    static final List<String> CONTACT_FIELDS = List.of(
            "id", "address1", "city", "state", "companyName", "country", "source", "dateAdded", "dateOfBirth",
            "dnd", "email", "name", "firstName", "lastName", "phone", "postalCode", "tags", "website",
            "attachments", "assignedTo", "customFields");
    static final List<String> CONTACT_DND_FIELDS = List.of(
            "id", "address1", "city", "state", "companyName", "country", "source", "dateAdded", "dateOfBirth",
            "dnd", "dndSettings", "email", "name", "firstName", "lastName", "phone", "postalCode", "tags", "website",
            "attachments", "assignedTo", "customFields");
    static final List<String> NOTE_FIELDS = List.of("id", "body", "contactId", "dateAdded");
    static final List<String> TASK_FIELDS = List.of(
            "id", "assignedTo", "body", "contactId", "title", "dateAdded", "dueDate");
    static final List<String> APPOINTMENT_FIELDS = List.of(
            "id", "address", "title", "calendarId", "contactId", "groupId", "appointmentStatus", "assignedUserId",
            "users", "notes", "source", "startTime", "endTime", "dateAdded", "dateUpdated");

    /** The fields of INSTALL and UNINSTALL, in this order, as far as the entity has them. */
    static final List<String> LIFECYCLE_FIELDS = List.of("appId", "installType", "locationId", "companyId", "userId");
    static final Set<String> LIFECYCLE_TYPES = Set.of("INSTALL", "UNINSTALL");

    private static final Set<String> ARRAY_FIELDS = Set.of("tags", "attachments", "customFields", "users");

    private static final Map<String, List<String>> FLAT_FIELDS = Map.ofEntries(
            Map.entry("ContactCreate", CONTACT_FIELDS),
            Map.entry("ContactUpdate", CONTACT_FIELDS),
            Map.entry("ContactDelete", CONTACT_FIELDS),
            Map.entry("ContactTagUpdate", CONTACT_FIELDS),
            Map.entry("ContactDndUpdate", CONTACT_DND_FIELDS),
            Map.entry("NoteCreate", NOTE_FIELDS),
            Map.entry("NoteUpdate", NOTE_FIELDS),
            Map.entry("NoteDelete", NOTE_FIELDS),
            Map.entry("TaskCreate", TASK_FIELDS),
            Map.entry("TaskComplete", TASK_FIELDS),
            Map.entry("TaskDelete", TASK_FIELDS));
    private static final Set<String> APPOINTMENT_TYPES = Set.of(
            "AppointmentCreate", "AppointmentUpdate", "AppointmentDelete");

    private static final Pattern DATE_ONLY = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private HighLevelWebhookPayloads() {
    }

    /** Whether {@code type} is one of the 14 webhook events the simulator knows, or INSTALL/UNINSTALL. */
    public static boolean supports(String type) {
        return FLAT_FIELDS.containsKey(type) || APPOINTMENT_TYPES.contains(type) || LIFECYCLE_TYPES.contains(type);
    }

    /**
     * The webhook body for {@code event}.
     *
     * @throws IllegalArgumentException for an event type HighLevel has no webhook for
     */
    public static ObjectNode build(HighLevelEvent event, Instant timestamp, String webhookId) {
        Objects.requireNonNull(event, "event");
        ObjectNode entity = event.entity() == null ? SimJson.object() : event.entity();
        ObjectNode payload = SimJson.object();
        payload.put("type", event.type());
        if (LIFECYCLE_TYPES.contains(event.type())) {
            copyFields(entity, LIFECYCLE_FIELDS, payload);
            payload.put("timestamp", TIMESTAMP.format(timestamp));
            payload.put("webhookId", webhookId);
            return payload;
        }
        String locationId = event.locationId() != null ? event.locationId() : text(entity, "locationId");
        if (locationId != null) {
            payload.put("locationId", locationId);
        }
        if (text(entity, "appId") != null) {
            payload.put("appId", text(entity, "appId"));
        }
        List<String> flat = FLAT_FIELDS.get(event.type());
        if (flat != null) {
            copyFields(entity, flat, payload);
        } else if (APPOINTMENT_TYPES.contains(event.type())) {
            // Accept the GET /calendars/events/appointments/{id} wrapper as well as the bare event.
            ObjectNode appointment = entity.get("appointment") instanceof ObjectNode wrapped ? wrapped : entity;
            copyFields(appointment, APPOINTMENT_FIELDS, payload.putObject("appointment"));
        } else {
            throw new IllegalArgumentException("HighLevel sends no webhook of type " + event.type());
        }
        payload.put("timestamp", TIMESTAMP.format(timestamp));
        payload.put("webhookId", webhookId);
        return payload;
    }

    /**
     * What deliveries are kept in order by: the contact the event concerns (the contact itself, or
     * the note's, task's or appointment's contact), else the entity.
     */
    public static String orderingKey(HighLevelEvent event) {
        if (LIFECYCLE_TYPES.contains(event.type())) {
            return "location:" + event.locationId();
        }
        ObjectNode entity = event.entity() == null ? SimJson.object() : event.entity();
        if (entity.get("appointment") instanceof ObjectNode wrapped) {
            entity = wrapped;
        }
        String contactId = event.type().startsWith("Contact") ? text(entity, "id") : text(entity, "contactId");
        if (contactId != null) {
            return "contact:" + contactId;
        }
        String id = text(entity, "id");
        return id != null ? event.type() + ":" + id : "location:" + event.locationId();
    }

    private static void copyFields(ObjectNode entity, List<String> fields, ObjectNode target) {
        for (String field : fields) {
            JsonNode value = value(entity, field);
            if (value != null) {
                target.set(field, value);
            } else if (ARRAY_FIELDS.contains(field)) {
                target.putArray(field);
            }
        }
    }

    /** The webhook's value of {@code field}, or null to leave it out. */
    private static JsonNode value(ObjectNode entity, String field) {
        JsonNode raw = entity.get(field);
        boolean absent = raw == null || raw.isNull();
        switch (field) {
            case "name":
                if (absent || raw.asText().isBlank()) {
                    String name = joinName(text(entity, "firstName"), text(entity, "lastName"));
                    return name == null ? null : TextNode.valueOf(name);
                }
                return raw.deepCopy();
            case "dateOfBirth":
                if (!absent && raw.isTextual() && DATE_ONLY.matcher(raw.asText()).matches()) {
                    return TextNode.valueOf(raw.asText() + "T00:00:00.000Z");
                }
                return absent ? null : raw.deepCopy();
            case "attachments":
                if (!absent && raw.isTextual()) {
                    ArrayNode one = SimJson.array();
                    if (!raw.asText().isEmpty()) {
                        one.add(raw.asText());
                    }
                    return one;
                }
                return absent ? null : raw.deepCopy();
            case "customFields":
                return absent || !raw.isArray() ? null : customFields(raw);
            case "appointmentStatus":
                if (absent) {
                    JsonNode status = entity.get("status");
                    return status == null || status.isNull() ? null : status.deepCopy();
                }
                return raw.deepCopy();
            default:
                return absent ? null : raw.deepCopy();
        }
    }

    private static ArrayNode customFields(JsonNode fields) {
        ArrayNode out = SimJson.array();
        for (JsonNode field : fields) {
            ObjectNode item = out.addObject();
            if (field.has("id")) {
                item.set("id", field.get("id").deepCopy());
            }
            // Write payloads may use field_value/fieldValue; GET answers (the event's source) use value.
            JsonNode value = field.has("value") ? field.get("value")
                    : field.has("field_value") ? field.get("field_value") : field.get("fieldValue");
            if (value != null) {
                item.set("value", value.deepCopy());
            }
        }
        return out;
    }

    private static String joinName(String first, String last) {
        String joined = ((first == null ? "" : first.trim()) + " " + (last == null ? "" : last.trim())).trim();
        return joined.isEmpty() ? null : joined;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() || !value.isValueNode() ? null : value.asText();
    }
}
