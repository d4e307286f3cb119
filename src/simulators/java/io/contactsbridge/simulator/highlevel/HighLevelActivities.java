package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What hangs off a HighLevel contact and has webhooks of its own: notes, tasks and appointments. Part of
 * {@link HighLevelState}, under its lock; kept on the contact's record, so they go with it when it is deleted.
 */
final class HighLevelActivities {

    private final Object lock;
    private final SimClock clock;
    private final HighLevelIds ids;
    private final HighLevelEvents events;
    private final HighLevelContacts contacts;

    HighLevelActivities(Object lock, SimClock clock, HighLevelIds ids, HighLevelEvents events,
                        HighLevelContacts contacts) {
        this.lock = lock;
        this.clock = clock;
        this.ids = ids;
        this.events = events;
        this.contacts = contacts;
    }

    // --- notes -------------------------------------------------------------------------------------

    List<ObjectNode> notes(String locationId, String contactId) {
        synchronized (lock) {
            return contacts.requireContact(locationId, contactId).notes.values().stream()
                    .map(ContactRecord.Note::toJson).toList();
        }
    }

    ObjectNode note(String locationId, String contactId, String noteId) {
        synchronized (lock) {
            return requireNote(contacts.requireContact(locationId, contactId), noteId).toJson();
        }
    }

    private static ContactRecord.Note requireNote(ContactRecord contact, String noteId) {
        ContactRecord.Note note = contact.notes.get(noteId);
        if (note == null) {
            throw HighLevelErrors.badRequest("Note with id " + noteId + " not found");
        }
        return note;
    }

    /** Creates ({@code noteId} null) or updates a note from validated fields. */
    ObjectNode saveNote(String locationId, String contactId, String noteId, JsonNode fields) {
        synchronized (lock) {
            ContactRecord contact = contacts.requireContact(locationId, contactId);
            ContactRecord.Note note = noteId == null ? new ContactRecord.Note(ids.next(), contactId, clock.now())
                    : requireNote(contact, noteId);
            if (fields.has("body")) {
                note.body = fields.get("body").asText();
            }
            if (fields.has("userId")) {
                note.userId = fields.get("userId").asText();
            }
            if (fields.has("title")) {
                note.title = fields.get("title").asText();
            }
            if (fields.has("color")) {
                note.color = fields.get("color").asText();
            }
            if (fields.has("pinned")) {
                note.pinned = fields.get("pinned").asBoolean();
            }
            contact.notes.put(note.id, note);
            ObjectNode json = note.toJson();
            events.emit(noteId == null ? "NoteCreate" : "NoteUpdate", locationId, json);
            return json;
        }
    }

    void deleteNote(String locationId, String contactId, String noteId) {
        synchronized (lock) {
            ContactRecord contact = contacts.requireContact(locationId, contactId);
            ContactRecord.Note note = requireNote(contact, noteId);
            contact.notes.remove(noteId);
            events.emit("NoteDelete", locationId, note.toJson());
        }
    }

    // --- tasks -------------------------------------------------------------------------------------

    List<ObjectNode> tasks(String locationId, String contactId) {
        synchronized (lock) {
            return contacts.requireContact(locationId, contactId).tasks.values().stream()
                    .map(ContactRecord.Task::toJson).toList();
        }
    }

    ObjectNode task(String locationId, String contactId, String taskId) {
        synchronized (lock) {
            return requireTask(contacts.requireContact(locationId, contactId), taskId).toJson();
        }
    }

    private static ContactRecord.Task requireTask(ContactRecord contact, String taskId) {
        ContactRecord.Task task = contact.tasks.get(taskId);
        if (task == null) {
            throw HighLevelErrors.badRequest("Task with id " + taskId + " not found");
        }
        return task;
    }

    /** Creates ({@code taskId} null) or updates a task from validated fields ({@code dueDate} parsed). */
    ObjectNode saveTask(String locationId, String contactId, String taskId, JsonNode fields) {
        synchronized (lock) {
            ContactRecord contact = contacts.requireContact(locationId, contactId);
            ContactRecord.Task task = taskId == null ? new ContactRecord.Task(ids.next(), contactId, clock.now())
                    : requireTask(contact, taskId);
            boolean wasCompleted = taskId != null && task.completed;
            if (fields.has("title")) {
                task.title = fields.get("title").asText();
            }
            if (fields.has("body")) {
                task.body = fields.get("body").asText();
            }
            if (fields.has("assignedTo")) {
                task.assignedTo = fields.get("assignedTo").asText();
            }
            if (fields.has("dueDate")) {
                task.dueDate = HighLevelTime.parseInstant(fields.get("dueDate").asText()).orElseThrow();
            }
            if (fields.has("completed")) {
                task.completed = fields.get("completed").asBoolean();
            }
            contact.tasks.put(task.id, task);
            ObjectNode json = task.toJson();
            if (taskId == null) {
                events.emit("TaskCreate", locationId, json);
            } else if (task.completed && !wasCompleted) {
                events.emit("TaskComplete", locationId, json);
            }
            return json;
        }
    }

    void deleteTask(String locationId, String contactId, String taskId) {
        synchronized (lock) {
            ContactRecord contact = contacts.requireContact(locationId, contactId);
            ContactRecord.Task task = requireTask(contact, taskId);
            contact.tasks.remove(taskId);
            events.emit("TaskDelete", locationId, task.toJson());
        }
    }

    /** Ticks a task off as a person in the app would; sends TaskComplete if it was open. */
    ObjectNode completeTaskAsUser(String contactId, String taskId) {
        synchronized (lock) {
            ContactRecord contact = contacts.requireContact(contactId);
            return saveTask(contact.locationId, contactId, taskId,
                    SimJson.object().put("completed", true));
        }
    }

    // --- appointments (read-only in the API; booked by people in the app) --------------------------

    List<ObjectNode> appointments(String locationId, String contactId) {
        synchronized (lock) {
            return contacts.requireContact(locationId, contactId).appointments.values().stream()
                    .map(ContactRecord.Appointment::toJson).toList();
        }
    }

    /**
     * Books ({@code appointmentId} null) or changes an appointment as a person in the app would.
     * Fields: calendarId, title, appointmentStatus (default "confirmed"), assignedUserId, notes,
     * address, startTime, endTime (ISO-8601), groupId, source (default "booking_widget"), users.
     */
    ObjectNode saveAppointmentAsUser(String contactId, String appointmentId, JsonNode fields) {
        if (!fields.isObject()) {
            throw new IllegalArgumentException("appointment must be a JSON object");
        }
        Set<String> allowed = new HashSet<>(ContactRecord.Appointment.STRING_FIELDS);
        allowed.add("users");
        fields.fieldNames().forEachRemaining(name -> {
            if (!allowed.contains(name)) {
                throw new IllegalArgumentException("unknown appointment field " + name);
            }
        });
        for (String time : List.of("startTime", "endTime")) {
            if (fields.has(time) && HighLevelTime.parseInstant(fields.get(time).asText()).isEmpty()) {
                throw new IllegalArgumentException(time + " must be an ISO-8601 date-time");
            }
        }
        synchronized (lock) {
            ContactRecord contact = contacts.requireContact(contactId);
            ContactRecord.Appointment appointment;
            Instant now = clock.now();
            if (appointmentId == null) {
                appointment = new ContactRecord.Appointment(ids.next(), contactId, contact.locationId, now);
                appointment.strings.put("appointmentStatus", "confirmed");
                appointment.strings.put("source", "booking_widget");
            } else {
                appointment = contact.appointments.get(appointmentId);
                if (appointment == null) {
                    throw new IllegalArgumentException("no appointment " + appointmentId + " on contact " + contactId);
                }
                appointment.dateUpdated = now;
            }
            for (String field : ContactRecord.Appointment.STRING_FIELDS) {
                if (fields.has(field)) {
                    appointment.strings.put(field, fields.get(field).asText());
                }
            }
            if (fields.has("users")) {
                appointment.users.clear();
                fields.get("users").forEach(user -> appointment.users.add(user.asText()));
            }
            contact.appointments.put(appointment.id, appointment);
            ObjectNode json = appointment.toJson();
            events.emit(appointmentId == null ? "AppointmentCreate" : "AppointmentUpdate", contact.locationId, json);
            return json;
        }
    }

    ObjectNode deleteAppointmentAsUser(String contactId, String appointmentId) {
        synchronized (lock) {
            ContactRecord contact = contacts.requireContact(contactId);
            ContactRecord.Appointment appointment = contact.appointments.remove(appointmentId);
            if (appointment == null) {
                throw new IllegalArgumentException("no appointment " + appointmentId + " on contact " + contactId);
            }
            ObjectNode json = appointment.toJson();
            events.emit("AppointmentDelete", contact.locationId, json);
            return json;
        }
    }
}
