package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.contactsbridge.simulator.highlevel.HighLevelContactsTest.texts;
import static org.assertj.core.api.Assertions.assertThat;

/** Tags, followers, campaigns, workflows, notes, tasks, appointments, bulk calls, businesses, look-ups. */
class HighLevelSubresourcesTest {

    private static final String LOC = HighLevelFixture.LOCATION;

    private final HighLevelFixture fx = new HighLevelFixture();
    private final HighLevelTestClient api = fx.api;
    private final String contact = fx.createContact("Siobhán", "siobhan@example.ie", null);

    @AfterEach
    void stop() {
        fx.close();
    }

    private static ObjectNode list(String name, String... values) {
        ObjectNode body = SimJson.object();
        com.fasterxml.jackson.databind.node.ArrayNode array = body.putArray(name);
        for (String value : values) {
            array.add(value);
        }
        return body;
    }

    @Test
    void tagsAreAddedWith201AndRemovedWithAJsonBodyOnDelete() {
        HighLevelTestClient.Response added = api.post("/contacts/" + contact + "/tags", list("tags", "VIP", " Trade Show "));
        assertThat(added.status()).isEqualTo(201);
        assertThat(texts(added.json().path("tags"))).containsExactly("vip", "trade show");
        fx.tick(10);
        HighLevelTestClient.Response removed = api.delete("/contacts/" + contact + "/tags", list("tags", "vip"));
        assertThat(removed.status()).isEqualTo(200);
        assertThat(texts(removed.json().path("tags"))).containsExactly("trade show");
        assertThat(fx.state().contact(contact).orElseThrow().path("dateUpdated").asText())
                .isEqualTo("2025-03-01T12:00:00.010Z");
        assertThat(api.post("/contacts/" + contact + "/tags", SimJson.object()).status()).isEqualTo(422);
        assertThat(api.delete("/contacts/" + contact + "/tags").status()).isEqualTo(422);

        // every tag ever used is in the location's tag list, findable by id
        JsonNode tags = api.get("/locations/" + LOC + "/tags").json().path("tags");
        assertThat(tags.findValuesAsText("name")).containsExactlyInAnyOrder("vip", "trade show");
        String tagId = tags.get(0).path("id").asText();
        JsonNode tag = api.get("/locations/" + LOC + "/tags/" + tagId).json().path("tag");
        assertThat(tag.path("locationId").asText()).isEqualTo(LOC);
        assertThat(api.get("/locations/" + LOC + "/tags/noSuchTag").status()).isEqualTo(400);
    }

    @Test
    void followersCampaignsAndWorkflowsAreAcceptedAndRecorded() {
        HighLevelTestClient.Response added = api.post("/contacts/" + contact + "/followers",
                list("followers", "userA", "userB"));
        assertThat(added.status()).isEqualTo(201);
        assertThat(texts(added.json().path("followersAdded"))).containsExactly("userA", "userB");
        assertThat(texts(api.post("/contacts/" + contact + "/followers", list("followers", "userB", "userC")).json()
                .path("followersAdded"))).containsExactly("userC");
        HighLevelTestClient.Response removed = api.delete("/contacts/" + contact + "/followers", list("followers", "userA"));
        assertThat(texts(removed.json().path("followers"))).containsExactly("userB", "userC");
        assertThat(texts(removed.json().path("followersRemoved"))).containsExactly("userA");

        assertThat(api.post("/contacts/" + contact + "/campaigns/camp1", SimJson.object()).status()).isEqualTo(201);
        assertThat(api.post("/contacts/" + contact + "/campaigns/camp2", SimJson.object()).json()
                .path("succeded").asBoolean()).isTrue();
        assertThat(api.delete("/contacts/" + contact + "/campaigns/camp1").status()).isEqualTo(200);
        assertThat(fx.state().contactDetails(contact).orElseThrow().path("campaigns").toString()).isEqualTo("[\"camp2\"]");
        assertThat(api.delete("/contacts/" + contact + "/campaigns/removeAll").status()).isEqualTo(200);
        assertThat(fx.state().contactDetails(contact).orElseThrow().path("campaigns")).isEmpty();

        HighLevelTestClient.Response workflow = api.post("/contacts/" + contact + "/workflow/wf1",
                SimJson.object().put("eventStartTime", "2021-06-23T03:30:00+01:00"));
        assertThat(workflow.status()).isEqualTo(200); // not 201: the spec says 200 here
        assertThat(fx.state().contactDetails(contact).orElseThrow().path("workflows").path("wf1").asText())
                .isEqualTo("2021-06-23T03:30:00+01:00");
        assertThat(api.post("/contacts/" + contact + "/workflow/wf2", SimJson.object().put("eventStartTime", "soon"))
                .status()).isEqualTo(422);
        assertThat(api.delete("/contacts/" + contact + "/workflow/wf1", SimJson.object()).status()).isEqualTo(200);
        assertThat(fx.state().contactDetails(contact).orElseThrow().path("workflows")).isEmpty();
        assertThat(api.post("/contacts/noSuchContact1234567/campaigns/c", SimJson.object()).status()).isEqualTo(400);
    }

    @Test
    void notesHaveTheirEnvelopesAndValidation() {
        HighLevelTestClient.Response created = api.post("/contacts/" + contact + "/notes",
                SimJson.object().put("body", "Rang about the renewal").put("userId", "user1"));
        assertThat(created.status()).isEqualTo(201);
        JsonNode note = created.json().path("note");
        String noteId = note.path("id").asText();
        assertThat(note.path("contactId").asText()).isEqualTo(contact);
        assertThat(note.path("dateAdded").asText()).isEqualTo("2025-03-01T12:00:00.000Z");
        assertThat(api.put("/contacts/" + contact + "/notes/" + noteId, SimJson.object().put("body", "Rang twice"))
                .json().path("note").path("body").asText()).isEqualTo("Rang twice");
        assertThat(api.get("/contacts/" + contact + "/notes").json().path("notes")).hasSize(1);
        assertThat(api.get("/contacts/" + contact + "/notes/" + noteId).json().path("note").path("userId").asText())
                .isEqualTo("user1");
        assertThat(api.delete("/contacts/" + contact + "/notes/" + noteId).json().path("succeded").asBoolean()).isTrue();
        assertThat(api.get("/contacts/" + contact + "/notes/" + noteId).status()).isEqualTo(400);

        HighLevelTestClient.Response invalid = api.post("/contacts/" + contact + "/notes",
                SimJson.object().put("text", "wrong field"));
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(texts(invalid.json().path("message"))).contains("property text should not exist",
                "body should not be empty");
    }

    @Test
    void tasksHaveTheirEnvelopesValidationAndCompletedFlag() {
        HighLevelTestClient.Response created = api.post("/contacts/" + contact + "/tasks", SimJson.object()
                .put("title", "Call back").put("dueDate", "2025-03-05T11:00:00+01:00").put("completed", false));
        assertThat(created.status()).isEqualTo(201);
        JsonNode task = created.json().path("task");
        String taskId = task.path("id").asText();
        assertThat(task.path("dueDate").asText()).isEqualTo("2025-03-05T10:00:00.000Z");
        assertThat(task.path("completed").asBoolean()).isFalse();

        JsonNode completed = api.put("/contacts/" + contact + "/tasks/" + taskId + "/completed",
                SimJson.object().put("completed", true)).json().path("task");
        assertThat(completed.path("completed").asBoolean()).isTrue();
        assertThat(completed.path("title").asText()).isEqualTo("Call back");
        assertThat(api.put("/contacts/" + contact + "/tasks/" + taskId, SimJson.object().put("body", "ask for Zoë"))
                .json().path("task").path("body").asText()).isEqualTo("ask for Zoë");
        assertThat(api.get("/contacts/" + contact + "/tasks").json().path("tasks")).hasSize(1);
        assertThat(api.delete("/contacts/" + contact + "/tasks/" + taskId).json().path("succeded").asBoolean()).isTrue();
        assertThat(api.get("/contacts/" + contact + "/tasks/" + taskId).status()).isEqualTo(400);

        HighLevelTestClient.Response invalid = api.post("/contacts/" + contact + "/tasks",
                SimJson.object().put("title", "x").put("dueDate", "next tuesday"));
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(texts(invalid.json().path("message"))).containsExactlyInAnyOrder(
                "dueDate must be a valid ISO 8601 date string", "completed should not be empty",
                "completed must be a boolean value");
        assertThat(api.put("/contacts/" + contact + "/tasks/" + taskId + "/completed", SimJson.object()).status())
                .isEqualTo(422);
    }

    @Test
    void appointmentsAreReadOnlyInTheApiAndBookedInTheApp() {
        assertThat(api.get("/contacts/" + contact + "/appointments").json().path("events")).isEmpty();
        ObjectNode booked = fx.state().saveAppointmentAsUser(contact, null, SimJson.object()
                .put("calendarId", "cal1").put("title", "Intro").put("startTime", "2025-03-10T16:00:00+01:00")
                .put("endTime", "2025-03-10T16:30:00+01:00").put("assignedUserId", "user1"));
        JsonNode events = api.get("/contacts/" + contact + "/appointments").json().path("events");
        assertThat(events).hasSize(1);
        JsonNode event = events.get(0);
        assertThat(event.path("id").asText()).isEqualTo(booked.path("id").asText());
        assertThat(event.path("appointmentStatus").asText()).isEqualTo("confirmed");
        assertThat(event.path("status").asText()).isEqualTo("confirmed");
        assertThat(event.path("locationId").asText()).isEqualTo(LOC);
        assertThat(event.path("contactId").asText()).isEqualTo(contact);
        assertThat(api.post("/contacts/" + contact + "/appointments", SimJson.object()).status()).isEqualTo(405);
    }

    @Test
    void bulkTagsReportPerContactOutcomes() {
        String other = fx.createContact("Other", "other@example.com", null);
        String gone = fx.createContact("Gone", "gone@example.com", null);
        api.delete("/contacts/" + gone);
        String elsewhere = fx.state().seedContacts(HighLevelFixture.OTHER_LOCATION,
                java.util.List.of(SimJson.object().put("firstName", "Far"))).get(0).path("id").asText();

        ObjectNode add = SimJson.object().put("locationId", LOC);
        add.putArray("contacts").add(contact).add(other).add("abcdef").add(gone).add(elsewhere);
        add.putArray("tags").add("Tag-1").add("tag-2");
        HighLevelTestClient.Response response = api.post("/contacts/bulk/tags/update/add", add);
        assertThat(response.status()).isEqualTo(201);
        JsonNode body = response.json();
        assertThat(body.path("succeded").asBoolean()).isTrue();
        assertThat(body.path("errorCount").asInt()).isEqualTo(3);
        JsonNode outcomes = body.path("responses");
        assertThat(outcomes.get(0).path("type").asText()).isEqualTo("success");
        assertThat(texts(outcomes.get(0).path("tagsAdded"))).containsExactly("tag-1", "tag-2");
        assertThat(outcomes.get(2).path("message").asText()).isEqualTo("contact id is not a valid firebase id");
        assertThat(outcomes.get(3).path("message").asText()).isEqualTo("contact is deleted");
        assertThat(outcomes.get(4).path("message").asText()).isEqualTo("contact does not belong to location");

        ObjectNode remove = SimJson.object().put("locationId", LOC).put("removeAllTags", true);
        remove.putArray("contacts").add(other);
        remove.putArray("tags");
        JsonNode removed = api.post("/contacts/bulk/tags/update/remove", remove).json().path("responses").get(0);
        assertThat(texts(removed.path("tagsRemoved"))).containsExactly("tag-1", "tag-2");
        assertThat(fx.state().contact(other).orElseThrow().path("tags")).isEmpty();

        assertThat(api.post("/contacts/bulk/tags/update/add", add.deepCopy().put("removeAllTags", true)).status())
                .isEqualTo(400);
        assertThat(api.post("/contacts/bulk/tags/update/replace", add).status()).isEqualTo(422);
        assertThat(api.post("/contacts/bulk/tags/update/add", add.deepCopy()
                .put("locationId", HighLevelFixture.OTHER_LOCATION)).status()).isEqualTo(403);
    }

    @Test
    void businessesUseTheirSpellingsAndUnlinkContactsWhenDeleted() {
        HighLevelTestClient.Response created = api.post("/businesses/", SimJson.object().put("name", "Brontë Books")
                .put("locationId", LOC).put("city", "Haworth"));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().path("success").asBoolean()).isTrue();
        JsonNode business = created.json().path("buiseness");
        String id = business.path("id").asText();
        assertThat(id).matches("[0-9a-f]{24}");
        assertThat(business.path("createdAt").asText()).isEqualTo("2025-03-01T12:00:00.000Z");

        fx.tick(5);
        JsonNode updated = api.put("/businesses/" + id, SimJson.object().put("city", "Keighley")).json();
        assertThat(updated.path("buiseness").path("city").asText()).isEqualTo("Keighley");
        assertThat(updated.path("buiseness").path("name").asText()).isEqualTo("Brontë Books");
        assertThat(api.get("/businesses/" + id).json().path("business").path("updatedAt").asText())
                .isEqualTo("2025-03-01T12:00:00.005Z");
        assertThat(api.get("/businesses/?locationId=" + LOC).json().path("businesses")).hasSize(1);
        assertThat(api.put("/businesses/" + id, SimJson.object().put("locationId", LOC)).status()).isEqualTo(422);
        assertThat(api.post("/businesses/", SimJson.object().put("locationId", LOC)).status()).isEqualTo(422);

        ObjectNode link = SimJson.object().put("locationId", LOC).put("businessId", id);
        link.putArray("ids").add(contact);
        api.post("/contacts/bulk/business", link);
        assertThat(fx.state().contact(contact).orElseThrow().path("businessId").asText()).isEqualTo(id);
        assertThat(api.delete("/businesses/" + id).json().path("success").asBoolean()).isTrue();
        assertThat(fx.state().contact(contact).orElseThrow().has("businessId")).isFalse();
        assertThat(api.get("/businesses/" + id).status()).isEqualTo(400);

        ObjectNode unlink = SimJson.object().put("locationId", LOC).putNull("businessId");
        unlink.putArray("ids").add(contact);
        assertThat(api.post("/contacts/bulk/business", unlink).json().path("success").asBoolean()).isTrue();
    }

    @Test
    void customFieldsAreListedAndFoundByIdOrKey() {
        JsonNode fields = api.get("/locations/" + LOC + "/customFields?model=contact").json().path("customFields");
        assertThat(fields.findValuesAsText("fieldKey")).contains("contact.favourite_colour", "contact.loyalty_points",
                "contact.membership_renewal", "contact.nickname", "contact.interests");
        assertThat(fields.findValuesAsText("dataType")).contains("TEXT", "NUMERICAL", "DATE", "SINGLE_OPTIONS");
        String id = fields.get(0).path("id").asText();
        assertThat(api.get("/locations/" + LOC + "/customFields/" + id).json().path("customField").path("id").asText())
                .isEqualTo(id);
        assertThat(api.get("/locations/" + LOC + "/customFields/contact.nickname").json().path("customField")
                .path("dataType").asText()).isEqualTo("TEXT");
        assertThat(api.get("/locations/" + LOC + "/customFields?model=opportunity").json().path("customFields"))
                .isEmpty();
        assertThat(api.get("/locations/" + LOC + "/customFields/nope").status()).isEqualTo(400);
    }
}
