package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.contactsbridge.simulator.highlevel.HighLevelContactsTest.texts;
import static org.assertj.core.api.Assertions.assertThat;

/** The /__admin/ endpoints and seeding. */
class HighLevelAdminTest {

    private static final String LOC = HighLevelFixture.LOCATION;

    private final HighLevelFixture fx = new HighLevelFixture();
    private final HighLevelTestClient admin = new HighLevelTestClient(fx.sim.baseUrl(), null);

    @AfterEach
    void stop() {
        fx.close();
    }

    @Test
    void seedingGeneratesAwkwardRealisticContacts() {
        HighLevelTestClient.Response response = admin.post("/__admin/seed", SimJson.object().put("count", 300)
                .put("seed", 42));
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().path("seeded").asInt()).isEqualTo(300);
        assertThat(response.json().path("ids")).hasSize(300);

        List<JsonNode> contacts = new ArrayList<>();
        admin.get("/__admin/contacts").json().path("contacts").forEach(contacts::add);
        assertThat(contacts).hasSize(300);
        List<String> names = contacts.stream().map(c -> c.path("name").asText()).toList();
        assertThat(names).anyMatch(n -> n.matches(".*[À-ž].*"));
        assertThat(names).anyMatch(n -> n.contains("'"));
        assertThat(names).anyMatch(n -> n.contains("-"));
        List<String> emails = contacts.stream().filter(c -> c.has("email")).map(c -> c.path("email").asText()).toList();
        assertThat(emails).anyMatch(e -> e.contains("+"));
        assertThat(emails).allMatch(e -> e.equals(e.toLowerCase(java.util.Locale.ROOT)));
        assertThat(emails).doesNotHaveDuplicates();
        assertThat(contacts).anyMatch(c -> !c.has("email"));
        List<String> phones = contacts.stream().filter(c -> c.has("phone")).map(c -> c.path("phone").asText()).toList();
        assertThat(phones).allMatch(p -> p.matches("\\+[1-9][0-9]{7,14}")).doesNotHaveDuplicates();
        assertThat(phones).anyMatch(p -> p.startsWith("+1")).anyMatch(p -> p.startsWith("+44"))
                .anyMatch(p -> p.startsWith("+49"));
        assertThat(contacts).anyMatch(c -> c.path("tags").size() >= 4);
        assertThat(contacts).anyMatch(c -> c.path("customFields").size() >= 3);
        assertThat(contacts).allMatch(c -> c.path("dateUpdated").asText().compareTo(c.path("dateAdded").asText()) >= 0);
        assertThat(contacts).allMatch(c -> c.path("dateAdded").asText().compareTo("2025-03-01T12:00:00.000Z") <= 0);
        assertThat(fx.events).isEmpty();
    }

    @Test
    void customFieldsAreCreatedAndDeletedAsInTheSettings() {
        String colourId = fx.state().customFieldId(LOC, "contact.favourite_colour");
        String id = fx.state().createContactAsUser(LOC, SimJson.object().put("email", "ann@example.com")
                .set("customFields", SimJson.array().add(SimJson.object().put("id", colourId).put("field_value", "Red"))))
                .get("id").asText();
        String updated = fx.state().contact(id).orElseThrow().path("dateUpdated").asText();
        int events = fx.events.size();

        HighLevelTestClient.Response deleted = admin.delete("/__admin/locations/" + LOC + "/customFields/contact.favourite_colour");
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().path("customField").path("id").asText()).isEqualTo(colourId);
        assertThat(fx.state().customFields(LOC)).noneMatch(f -> f.fieldKey().equals("contact.favourite_colour"));
        assertThat(fx.state().contact(id).orElseThrow().path("customFields")).isEmpty();
        assertThat(fx.state().contact(id).orElseThrow().path("dateUpdated").asText()).isEqualTo(updated);
        assertThat(admin.delete("/__admin/locations/" + LOC + "/customFields/contact.favourite_colour").status()).isEqualTo(404);

        HighLevelTestClient.Response created = admin.post("/__admin/locations/" + LOC + "/customFields",
                SimJson.object().put("name", "Favourite colour"));
        assertThat(created.status()).isEqualTo(201);
        JsonNode field = created.json().path("customField");
        assertThat(field.path("fieldKey").asText()).isEqualTo("contact.favourite_colour");
        assertThat(field.path("dataType").asText()).isEqualTo("TEXT");
        assertThat(field.path("id").asText()).hasSize(20).isNotEqualTo(colourId);
        assertThat(fx.state().customFieldId(LOC, "favourite_colour")).isEqualTo(field.path("id").asText());
        assertThat(fx.state().contact(id).orElseThrow().path("customFields")).isEmpty();
        assertThat(admin.post("/__admin/locations/" + LOC + "/customFields", SimJson.object().put("name", "Favourite colour"))
                .status()).isEqualTo(400);
        assertThat(admin.post("/__admin/locations/" + LOC + "/customFields", SimJson.object().put("name", "Size")
                .put("dataType", "SHOE")).status()).isEqualTo(400);
        assertThat(fx.events).hasSize(events);
    }

    @Test
    void seedingIsDeterministicPerSeed() {
        List<ObjectNode> first = fx.state().seed(50, 99);
        fx.state().reset();
        List<ObjectNode> second = fx.state().seed(50, 99);
        assertThat(second.stream().map(c -> c.path("email").asText()).toList())
                .isEqualTo(first.stream().map(c -> c.path("email").asText()).toList());
        assertThat(second.stream().map(c -> c.path("dateAdded").asText()).toList())
                .isEqualTo(first.stream().map(c -> c.path("dateAdded").asText()).toList());
    }

    @Test
    void exactContactsCanBeSeededWithIdsAndDates() {
        ObjectNode body = SimJson.object();
        body.putArray("contacts")
                .add(SimJson.object().put("id", "SeededContact0000001").put("firstName", "Ann")
                        .put("email", "Ann.Lee+promo@Example.com").put("dateAdded", "2024-01-01T00:00:00Z"))
                .add(SimJson.object().put("firstName", "Bob").put("phone", "(415) 555 0101"));
        HighLevelTestClient.Response response = admin.post("/__admin/seed", body);
        assertThat(response.status()).isEqualTo(200);
        JsonNode seeded = response.json().path("contacts");
        assertThat(seeded.get(0).path("id").asText()).isEqualTo("SeededContact0000001");
        assertThat(seeded.get(0).path("email").asText()).isEqualTo("ann.lee+promo@example.com");
        assertThat(seeded.get(0).path("dateAdded").asText()).isEqualTo("2024-01-01T00:00:00.000Z");
        assertThat(seeded.get(0).path("dateUpdated").asText()).isEqualTo("2024-01-01T00:00:00.000Z");
        assertThat(seeded.get(1).path("phone").asText()).isEqualTo("+14155550101");
        assertThat(fx.api.get("/contacts/SeededContact0000001").status()).isEqualTo(200);

        ObjectNode duplicate = SimJson.object();
        duplicate.putArray("contacts").add(SimJson.object().put("email", "ann.lee+PROMO@example.com"));
        HighLevelTestClient.Response refused = admin.post("/__admin/seed", duplicate);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().path("message").asText()).contains("SeededContact0000001");
        ObjectNode bad = SimJson.object();
        bad.putArray("contacts").add(SimJson.object().put("shoeSize", 42));
        assertThat(admin.post("/__admin/seed", bad).status()).isEqualTo(400);
        assertThat(fx.state().contacts(LOC)).hasSize(2);
    }

    @Test
    void aCustomFieldCanBeDeletedSoTheLocationLacksIt() {
        String colour = fx.state().customFieldId(LOC, "favourite_colour");
        ObjectNode create = SimJson.object().put("email", "rosa@example.com");
        create.putArray("customFields").add(SimJson.object().put("key", "favourite_colour").put("value", "Red"));
        String id = admin.post("/__admin/contacts", create).json().path("contact").path("id").asText();
        assertThat(fx.state().contact(id).orElseThrow().path("customFields")).hasSize(1);

        assertThat(admin.delete("/__admin/locations/" + LOC + "/customFields/favourite_colour").status()).isEqualTo(200);
        assertThat(fx.state().customFields(LOC)).noneMatch(f -> f.id().equals(colour));
        assertThat(fx.state().contact(id).orElseThrow().path("customFields")).noneMatch(f -> f.path("id").asText().equals(colour));
        assertThat(admin.delete("/__admin/locations/" + LOC + "/customFields/favourite_colour").status()).isEqualTo(404);
    }

    @Test
    void contactsCanBeCreatedEditedAndDeletedAsAUser() {
        HighLevelTestClient.Response created = admin.post("/__admin/contacts", SimJson.object()
                .put("firstName", "Ayşe").put("email", "ayse@example.com").put("companyName", "Çelik A.Ş."));
        assertThat(created.status()).isEqualTo(201);
        String id = created.json().path("contact").path("id").asText();

        fx.tick(60_000);
        ObjectNode edit = SimJson.object().put("lastName", "Çelik").put("dnd", true);
        edit.putArray("addTags").add("From The App");
        edit.putArray("customFields").add(SimJson.object().put("key", "favourite_colour").put("value", "Red"));
        JsonNode edited = admin.post("/__admin/contacts/" + id + "/edit", edit).json().path("contact");
        assertThat(edited.path("name").asText()).isEqualTo("Ayşe Çelik");
        assertThat(texts(edited.path("tags"))).containsExactly("from the app");
        assertThat(edited.path("customFields").get(0).path("value").asText()).isEqualTo("Red");
        assertThat(edited.path("dateUpdated").asText()).isEqualTo("2025-03-01T12:01:00.000Z");
        assertThat(fx.eventTypes()).containsExactly("ContactCreate", "ContactUpdate", "ContactTagUpdate",
                "ContactDndUpdate");

        ObjectNode removeTag = SimJson.object();
        removeTag.putArray("removeTags").add("FROM THE APP");
        assertThat(admin.post("/__admin/contacts/" + id + "/edit", removeTag).json().path("contact").path("tags"))
                .isEmpty();
        assertThat(admin.post("/__admin/contacts/" + id + "/edit", SimJson.object().put("locationId", "x")).status())
                .isEqualTo(400);

        JsonNode details = admin.get("/__admin/contacts/" + id).json().path("contact");
        assertThat(details.has("notes")).isTrue();
        assertThat(admin.delete("/__admin/contacts/" + id).status()).isEqualTo(200);
        assertThat(fx.eventTypes()).last().isEqualTo("ContactDelete");
        assertThat(admin.get("/__admin/contacts/" + id).status()).isEqualTo(404);
    }

    @Test
    void tasksAreCompletedAsAUser() {
        String id = fx.createContact("T", null, null);
        String taskId = fx.api.post("/contacts/" + id + "/tasks", SimJson.object().put("title", "t")
                .put("dueDate", "2025-03-02T09:00:00Z").put("completed", false)).json().path("task").path("id").asText();
        JsonNode task = admin.post("/__admin/contacts/" + id + "/tasks/" + taskId + "/complete", null).json()
                .path("task");
        assertThat(task.path("completed").asBoolean()).isTrue();
        assertThat(fx.eventTypes()).containsExactly("ContactCreate", "TaskCreate", "TaskComplete");
    }

    @Test
    void settingsEventsResetAndLocations() {
        JsonNode settings = admin.get("/__admin/locations/" + LOC + "/settings").json();
        assertThat(settings.path("allowDuplicateContact").asBoolean()).isFalse();
        assertThat(texts(settings.path("duplicateMatchOrder"))).containsExactly("email", "phone");
        JsonNode changed = admin.put("/__admin/locations/" + LOC + "/settings", SimJson.object()
                .set("duplicateMatchOrder", SimJson.array().add("phone"))).json();
        assertThat(texts(changed.path("duplicateMatchOrder"))).containsExactly("phone");
        assertThat(admin.put("/__admin/locations/" + LOC + "/settings", SimJson.object().put("allowDupes", true))
                .status()).isEqualTo(400);
        assertThat(admin.put("/__admin/locations/" + LOC + "/settings", SimJson.object()
                .set("duplicateMatchOrder", SimJson.array().add("name"))).status()).isEqualTo(400);

        fx.createContact("E", null, null);
        fx.createContact("F", null, null);
        JsonNode events = admin.get("/__admin/events?type=ContactCreate&limit=1").json().path("events");
        assertThat(events).hasSize(1);
        assertThat(events.get(0).path("entity").path("firstName").asText()).isEqualTo("F");
        assertThat(admin.get("/__admin/locations").json().path("locations").get(0).path("contacts").asInt())
                .isEqualTo(2);

        assertThat(admin.post("/__admin/reset", null).status()).isEqualTo(200);
        assertThat(admin.get("/__admin/contacts").json().path("total").asInt()).isZero();
        assertThat(admin.get("/__admin/events").json().path("events")).isEmpty();
        assertThat(admin.get("/__admin/locations/" + LOC + "/settings").json().path("duplicateMatchOrder").size())
                .isEqualTo(2);
    }

    @Test
    void adminCallsNeedNoTokenAndAreNotCounted() {
        admin.post("/__admin/seed", SimJson.object().put("count", 3));
        assertThat(fx.sim.server().calls().total()).isZero();
        assertThat(admin.post("/__admin/seed", SimJson.object().put("count", "many")).status()).isEqualTo(400);
    }
}
