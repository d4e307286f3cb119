package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One contact and what hangs off it (notes, tasks, appointments, campaign and workflow
 * memberships). Mutable; only ever touched under {@link HighLevelState}'s lock.
 */
final class ContactRecord {

    /** Plain string properties, in the order the API renders them. */
    static final List<String> STRING_FIELDS = List.of("firstName", "lastName", "email", "phone", "companyName",
            "address1", "city", "state", "postalCode", "country", "website", "timezone", "type", "source",
            "assignedTo", "gender", "dateOfBirth");

    final String id;
    final String locationId;
    final Map<String, String> strings = new HashMap<>();
    boolean dnd;
    ObjectNode dndSettings;
    ObjectNode inboundDndSettings;
    final List<String> tags = new ArrayList<>();
    /** Custom field id to value (string, number or array of strings). */
    final Map<String, JsonNode> customFields = new LinkedHashMap<>();
    String businessId;
    final List<String> followers = new ArrayList<>();
    Instant dateAdded;
    Instant dateUpdated;

    final Map<String, Note> notes = new LinkedHashMap<>();
    final Map<String, Task> tasks = new LinkedHashMap<>();
    final Map<String, Appointment> appointments = new LinkedHashMap<>();
    final Set<String> campaigns = new LinkedHashSet<>();
    /** Workflow id to the requested eventStartTime ("" when none was given). */
    final Map<String, String> workflows = new LinkedHashMap<>();

    ContactRecord(String id, String locationId, Instant now) {
        this.id = id;
        this.locationId = locationId;
        this.dateAdded = now;
        this.dateUpdated = now;
        strings.put("type", "lead");
    }

    String get(String field) {
        return strings.get(field);
    }

    String email() {
        return strings.get("email");
    }

    String emailLowerCase() {
        String email = email();
        return email == null ? null : email.toLowerCase(Locale.ROOT);
    }

    String phone() {
        return strings.get("phone");
    }

    String fullName() {
        String first = strings.get("firstName");
        String last = strings.get("lastName");
        if (first == null && last == null) {
            return null;
        }
        return ((first == null ? "" : first) + " " + (last == null ? "" : last)).trim();
    }

    /** The contact as {@code GET /contacts/{contactId}} returns it (without the envelope). */
    ObjectNode toJson() {
        ObjectNode json = SimJson.object();
        json.put("id", id);
        json.put("locationId", locationId);
        String name = fullName();
        if (name != null) {
            json.put("name", name);
        }
        for (String field : STRING_FIELDS) {
            String value = strings.get(field);
            if (value == null) {
                continue;
            }
            json.put(field, value);
            switch (field) {
                case "firstName" -> json.put("firstNameLowerCase", value.toLowerCase(Locale.ROOT));
                case "lastName" -> json.put("lastNameLowerCase", value.toLowerCase(Locale.ROOT));
                case "email" -> json.put("emailLowerCase", value.toLowerCase(Locale.ROOT));
                default -> {
                }
            }
        }
        if (name != null) {
            json.put("fullNameLowerCase", name.toLowerCase(Locale.ROOT));
        }
        json.put("dnd", dnd);
        if (dndSettings != null) {
            json.set("dndSettings", dndSettings.deepCopy());
        }
        if (inboundDndSettings != null) {
            json.set("inboundDndSettings", inboundDndSettings.deepCopy());
        }
        ArrayNode tagArray = json.putArray("tags");
        tags.forEach(tagArray::add);
        ArrayNode fields = json.putArray("customFields");
        customFields.forEach((fieldId, value) -> fields.addObject().put("id", fieldId).set("value", value.deepCopy()));
        if (businessId != null) {
            json.put("businessId", businessId);
        }
        ArrayNode followerArray = json.putArray("followers");
        followers.forEach(followerArray::add);
        json.put("dateAdded", HighLevelTime.format(dateAdded));
        json.put("dateUpdated", HighLevelTime.format(dateUpdated));
        return json;
    }

    /** A note ({@code GetNoteSchema}). */
    static final class Note {
        final String id;
        final String contactId;
        String body;
        String userId;
        String title;
        String color;
        boolean pinned;
        final Instant dateAdded;

        Note(String id, String contactId, Instant dateAdded) {
            this.id = id;
            this.contactId = contactId;
            this.dateAdded = dateAdded;
        }

        ObjectNode toJson() {
            ObjectNode json = SimJson.object().put("id", id).put("body", body);
            putIfSet(json, "userId", userId);
            json.put("dateAdded", HighLevelTime.format(dateAdded));
            json.put("contactId", contactId);
            putIfSet(json, "title", title);
            putIfSet(json, "color", color);
            json.put("pinned", pinned);
            return json;
        }
    }

    /** A task ({@code TaskSchema}, plus the {@code dateAdded} the task webhooks carry). */
    static final class Task {
        final String id;
        final String contactId;
        String title;
        String body;
        String assignedTo;
        Instant dueDate;
        boolean completed;
        final Instant dateAdded;

        Task(String id, String contactId, Instant dateAdded) {
            this.id = id;
            this.contactId = contactId;
            this.dateAdded = dateAdded;
        }

        ObjectNode toJson() {
            ObjectNode json = SimJson.object().put("id", id).put("title", title);
            putIfSet(json, "body", body);
            putIfSet(json, "assignedTo", assignedTo);
            json.put("dueDate", HighLevelTime.format(dueDate));
            json.put("completed", completed);
            json.put("contactId", contactId);
            json.put("dateAdded", HighLevelTime.format(dateAdded));
            return json;
        }
    }

    /** An appointment ({@code GetEventSchema} and the Appointment* webhook payloads). */
    static final class Appointment {
        final String id;
        final String contactId;
        final String locationId;
        final Map<String, String> strings = new LinkedHashMap<>();
        final List<String> users = new ArrayList<>();
        final Instant dateAdded;
        Instant dateUpdated;

        /** The string properties an appointment has, in rendering order. */
        static final List<String> STRING_FIELDS = List.of("calendarId", "title", "appointmentStatus",
                "assignedUserId", "notes", "address", "startTime", "endTime", "groupId", "source");

        Appointment(String id, String contactId, String locationId, Instant now) {
            this.id = id;
            this.contactId = contactId;
            this.locationId = locationId;
            this.dateAdded = now;
            this.dateUpdated = now;
        }

        ObjectNode toJson() {
            ObjectNode json = SimJson.object().put("id", id);
            for (String field : STRING_FIELDS) {
                putIfSet(json, field, strings.get(field));
            }
            putIfSet(json, "status", strings.get("appointmentStatus"));
            json.put("locationId", locationId);
            json.put("contactId", contactId);
            ArrayNode userArray = json.putArray("users");
            users.forEach(userArray::add);
            json.put("dateAdded", HighLevelTime.format(dateAdded));
            json.put("dateUpdated", HighLevelTime.format(dateUpdated));
            return json;
        }
    }

    static void putIfSet(ObjectNode json, String field, String value) {
        if (value != null) {
            json.put(field, value);
        }
    }
}
