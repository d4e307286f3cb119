package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which HighLevelEvents each change sends, and what they carry. */
class HighLevelEventsTest {

    private static final String LOC = HighLevelFixture.LOCATION;

    private final HighLevelFixture fx = new HighLevelFixture();
    private final HighLevelTestClient api = fx.api;

    @AfterEach
    void stop() {
        fx.close();
    }

    private HighLevelEvent last() {
        return fx.events.get(fx.events.size() - 1);
    }

    @Test
    void createSendsContactCreateWithTheApiRepresentation() {
        String id = fx.createContact("Björn", "bjorn@example.se", null);
        assertThat(fx.eventTypes()).containsExactly("ContactCreate");
        HighLevelEvent event = last();
        assertThat(event.locationId()).isEqualTo(LOC);
        assertThat(event.entity()).isEqualTo(api.get("/contacts/" + id).json().get("contact"));
    }

    @Test
    void updatesSendOneEventPerKindOfChange() {
        String id = fx.createContact("Ann", "ann@example.com", null);
        fx.events.clear();

        api.put("/contacts/" + id, SimJson.object().put("city", "Leeds"));
        assertThat(fx.eventTypes()).containsExactly("ContactUpdate");
        assertThat(last().entity().path("city").asText()).isEqualTo("Leeds");

        fx.events.clear();
        api.post("/contacts/" + id + "/tags", tags("vip"));
        assertThat(fx.eventTypes()).containsExactly("ContactTagUpdate");

        fx.events.clear();
        ObjectNode both = SimJson.object().put("city", "York").put("dnd", true);
        both.putArray("tags").add("vip").add("newsletter");
        api.put("/contacts/" + id, both);
        assertThat(fx.eventTypes()).containsExactly("ContactUpdate", "ContactTagUpdate", "ContactDndUpdate");
        assertThat(fx.events).allSatisfy(event -> assertThat(event.entity().path("city").asText()).isEqualTo("York"));

        fx.events.clear();
        ObjectNode dnd = SimJson.object();
        dnd.putObject("dndSettings").putObject("SMS").put("status", "active");
        api.put("/contacts/" + id, dnd);
        assertThat(fx.eventTypes()).containsExactly("ContactDndUpdate");

        fx.events.clear();
        ObjectNode customField = SimJson.object();
        customField.putArray("customFields").add(SimJson.object().put("key", "nickname").put("field_value", "Annie"));
        api.put("/contacts/" + id, customField);
        assertThat(fx.eventTypes()).containsExactly("ContactUpdate");
    }

    @Test
    void aWriteThatChangesNothingMovesDateUpdatedButSendsNoEvent() {
        String id = fx.createContact("Same", "same@example.com", null);
        fx.events.clear();
        fx.tick(2000);
        com.fasterxml.jackson.databind.JsonNode contact = api.put("/contacts/" + id,
                SimJson.object().put("email", "SAME@example.com")).json().path("contact");
        assertThat(contact.path("dateUpdated").asText()).isEqualTo("2025-03-01T12:00:02.000Z");
        api.post("/contacts/" + id + "/tags", tags());
        assertThat(fx.events).isEmpty();
    }

    @Test
    void upsertSendsCreateOrUpdate() {
        ObjectNode body = SimJson.object().put("locationId", LOC).put("email", "u@example.com");
        api.post("/contacts/upsert", body);
        api.post("/contacts/upsert", body.deepCopy().put("firstName", "U"));
        assertThat(fx.eventTypes()).containsExactly("ContactCreate", "ContactUpdate");
    }

    @Test
    void deleteSendsContactDeleteWithTheContactAsItWas() {
        ObjectNode create = SimJson.object().put("firstName", "Gone");
        create.putArray("tags").add("old");
        String id = fx.createContact(create);
        api.post("/contacts/" + id + "/notes", SimJson.object().put("body", "n"));
        fx.events.clear();
        api.delete("/contacts/" + id);
        assertThat(fx.eventTypes()).containsExactly("ContactDelete");
        assertThat(last().entity().path("id").asText()).isEqualTo(id);
        assertThat(last().entity().path("tags").get(0).asText()).isEqualTo("old");
    }

    @Test
    void notesAndTasksSendTheirEventsAndAPlainTaskEditSendsNone() {
        String id = fx.createContact("N", null, null);
        fx.events.clear();
        String noteId = api.post("/contacts/" + id + "/notes", SimJson.object().put("body", "first")).json()
                .path("note").path("id").asText();
        api.put("/contacts/" + id + "/notes/" + noteId, SimJson.object().put("body", "second"));
        api.delete("/contacts/" + id + "/notes/" + noteId);
        assertThat(fx.eventTypes()).containsExactly("NoteCreate", "NoteUpdate", "NoteDelete");
        assertThat(fx.events.get(1).entity().path("body").asText()).isEqualTo("second");
        assertThat(fx.events.get(2).entity().path("contactId").asText()).isEqualTo(id);

        fx.events.clear();
        String taskId = api.post("/contacts/" + id + "/tasks", SimJson.object().put("title", "t")
                .put("dueDate", "2025-03-02T09:00:00Z").put("completed", false)).json().path("task").path("id").asText();
        api.put("/contacts/" + id + "/tasks/" + taskId, SimJson.object().put("title", "renamed"));
        api.put("/contacts/" + id + "/tasks/" + taskId + "/completed", SimJson.object().put("completed", true));
        api.put("/contacts/" + id + "/tasks/" + taskId + "/completed", SimJson.object().put("completed", true));
        api.put("/contacts/" + id + "/tasks/" + taskId + "/completed", SimJson.object().put("completed", false));
        api.put("/contacts/" + id + "/tasks/" + taskId, SimJson.object().put("completed", true));
        api.delete("/contacts/" + id + "/tasks/" + taskId);
        assertThat(fx.eventTypes()).containsExactly("TaskCreate", "TaskComplete", "TaskComplete", "TaskDelete");
        assertThat(fx.events.get(1).entity().path("title").asText()).isEqualTo("renamed");
        assertThat(fx.events.get(0).entity().path("dateAdded").asText()).isEqualTo("2025-03-01T12:00:00.000Z");
    }

    @Test
    void appointmentAndUserChangesSendEventsSeedsDoNot() {
        fx.state().seed(5, 1);
        assertThat(fx.events).isEmpty();

        String id = fx.state().contacts(LOC).get(0).path("id").asText();
        HighLevelTestClient admin = new HighLevelTestClient(fx.sim.baseUrl(), null);
        String appointment = admin.post("/__admin/contacts/" + id + "/appointments", SimJson.object()
                .put("title", "Demo").put("startTime", "2025-03-03T10:00:00Z").put("endTime", "2025-03-03T10:30:00Z"))
                .json().path("appointment").path("id").asText();
        admin.put("/__admin/contacts/" + id + "/appointments/" + appointment, SimJson.object()
                .put("appointmentStatus", "cancelled"));
        admin.delete("/__admin/contacts/" + id + "/appointments/" + appointment);
        admin.post("/__admin/contacts/" + id + "/edit", SimJson.object().put("companyName", "Acme")
                .set("addTags", SimJson.array().add("from-the-app")));
        assertThat(fx.eventTypes()).containsExactly("AppointmentCreate", "AppointmentUpdate", "AppointmentDelete",
                "ContactUpdate", "ContactTagUpdate");
        assertThat(fx.events.get(1).entity().path("appointmentStatus").asText()).isEqualTo("cancelled");
        assertThat(fx.events.get(0).locationId()).isEqualTo(LOC);
    }

    @Test
    void aFailingListenerDoesNotBreakTheApiOrOtherListeners() {
        fx.sim.addListener(event -> {
            throw new IllegalStateException("listener down");
        });
        List<HighLevelEvent> after = new java.util.concurrent.CopyOnWriteArrayList<>();
        fx.sim.addListener(after::add);
        fx.createContact("Still", null, null);
        assertThat(after).hasSize(1);
        assertThat(fx.events).hasSize(1);
    }

    @Test
    void listenersGetTheirOwnCopyOfTheEntity() {
        String id = fx.createContact("Copy", null, null);
        last().entity().put("firstName", "Mutated");
        assertThat(api.get("/contacts/" + id).json().path("contact").path("firstName").asText()).isEqualTo("Copy");
        assertThat(fx.state().recentEvents()).hasSize(1);
        assertThat(fx.state().recentEvents().get(0).entity().path("firstName").asText()).isEqualTo("Copy");
    }

    private static ObjectNode tags(String... names) {
        ObjectNode body = SimJson.object();
        com.fasterxml.jackson.databind.node.ArrayNode array = body.putArray("tags");
        for (String name : names) {
            array.add(name);
        }
        return body;
    }
}
