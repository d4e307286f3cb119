package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Contact create, read, update, delete over HTTP: envelopes, normalisation, validation, errors. */
class HighLevelContactsTest {

    private final HighLevelFixture fx = new HighLevelFixture();
    private final HighLevelTestClient api = fx.api;

    @AfterEach
    void stop() {
        fx.close();
    }

    @Test
    void createAnswers201WithTheContactEnvelopeAndNormalisedFields() {
        ObjectNode body = SimJson.object()
                .put("locationId", HighLevelFixture.LOCATION)
                .put("firstName", "Zoë")
                .put("lastName", "O'Brien")
                .put("email", "Ann.Lee+promo@Example.com")
                .put("phone", "(415) 555 0101")
                .put("companyName", "O'Brien Plumbing Ltd")
                .put("dateOfBirth", "09/25/1990")
                .put("source", "public api");
        body.putArray("tags").add("VIP").add("  Newsletter ").add("vip");

        HighLevelTestClient.Response response = api.post("/contacts/", body);

        assertThat(response.status()).isEqualTo(201);
        JsonNode contact = response.json().get("contact");
        assertThat(response.json().size()).isEqualTo(1);
        assertThat(contact.path("id").asText()).matches("[A-Za-z0-9]{20}");
        assertThat(contact.path("locationId").asText()).isEqualTo(HighLevelFixture.LOCATION);
        assertThat(contact.path("firstName").asText()).isEqualTo("Zoë");
        assertThat(contact.path("firstNameLowerCase").asText()).isEqualTo("zoë");
        assertThat(contact.path("lastNameLowerCase").asText()).isEqualTo("o'brien");
        assertThat(contact.path("name").asText()).isEqualTo("Zoë O'Brien");
        assertThat(contact.path("fullNameLowerCase").asText()).isEqualTo("zoë o'brien");
        assertThat(contact.path("email").asText()).isEqualTo("ann.lee+promo@example.com");
        assertThat(contact.path("emailLowerCase").asText()).isEqualTo("ann.lee+promo@example.com");
        assertThat(contact.path("phone").asText()).isEqualTo("+14155550101");
        assertThat(contact.path("dateOfBirth").asText()).isEqualTo("1990-09-25T00:00:00.000Z");
        assertThat(texts(contact.path("tags"))).containsExactly("vip", "newsletter");
        assertThat(contact.path("dnd").asBoolean()).isFalse();
        assertThat(contact.path("type").asText()).isEqualTo("lead");
        assertThat(contact.path("dateAdded").asText()).isEqualTo("2025-03-01T12:00:00.000Z");
        assertThat(contact.path("dateUpdated").asText()).isEqualTo("2025-03-01T12:00:00.000Z");

        JsonNode read = api.get("/contacts/" + contact.path("id").asText()).json();
        assertThat(read.get("contact")).isEqualTo(contact);
    }

    @Test
    void aBareNameIsSplitIntoFirstAndLastName() {
        String id = fx.createContact(SimJson.object().put("name", "Siobhán Ní Bhriain"));
        JsonNode contact = api.get("/contacts/" + id).json().get("contact");
        assertThat(contact.path("firstName").asText()).isEqualTo("Siobhán");
        assertThat(contact.path("lastName").asText()).isEqualTo("Ní Bhriain");
    }

    @Test
    void phonesInManyFormatsBecomeE164AndUnreadableOnesAreKept() {
        List<String> stored = new ArrayList<>();
        for (String phone : List.of("+1 415-555-0100", "+44 20 7946 0958", "0049 30 1234567", "415.555.0177",
                "+353 (0)1 555 0123", "call me maybe")) {
            stored.add(api.get("/contacts/" + fx.createContact("P", null, phone)).json()
                    .path("contact").path("phone").asText());
        }
        assertThat(stored).containsExactly("+14155550100", "+442079460958", "+49301234567", "+14155550177",
                "+35315550123", "call me maybe");
    }

    @Test
    void updateAnswersSuccededAndTheContactAndMovesDateUpdated() {
        String id = fx.createContact("José", "jose@example.com", null);
        fx.tick(1500);

        HighLevelTestClient.Response response = api.put("/contacts/" + id,
                SimJson.object().put("lastName", "Álvarez").put("city", "Sevilla"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().path("succeded").asBoolean()).isTrue();
        JsonNode contact = response.json().get("contact");
        assertThat(contact.path("name").asText()).isEqualTo("José Álvarez");
        assertThat(contact.path("city").asText()).isEqualTo("Sevilla");
        assertThat(contact.path("email").asText()).isEqualTo("jose@example.com");
        assertThat(contact.path("dateAdded").asText()).isEqualTo("2025-03-01T12:00:00.000Z");
        assertThat(contact.path("dateUpdated").asText()).isEqualTo("2025-03-01T12:00:01.500Z");
    }

    @Test
    void updateClearsNullableFieldsGivenAsNull() {
        String id = fx.createContact(SimJson.object().put("firstName", "Ann").put("city", "Leeds")
                .put("email", "ann@example.com"));
        JsonNode contact = api.put("/contacts/" + id, SimJson.object().putNull("city").putNull("email")).json()
                .get("contact");
        assertThat(contact.has("city")).isFalse();
        assertThat(contact.has("email")).isFalse();
        assertThat(contact.path("firstName").asText()).isEqualTo("Ann");
    }

    @Test
    void tagsInAnUpdateReplaceAllTags() {
        ObjectNode create = SimJson.object().put("firstName", "T");
        create.putArray("tags").add("a").add("b");
        String id = fx.createContact(create);
        ObjectNode update = SimJson.object();
        update.putArray("tags").add("c");
        assertThat(texts(api.put("/contacts/" + id, update).json().path("contact").path("tags"))).containsExactly("c");
    }

    @Test
    void unknownPropertiesAndBadValuesAre422WithEveryMessage() {
        String id = fx.createContact("Ann", null, null);
        ObjectNode update = SimJson.object()
                .put("locationId", HighLevelFixture.LOCATION)
                .put("companyName", "Not in UpdateContactDto")
                .put("email", "not-an-email")
                .put("dnd", "yes");

        HighLevelTestClient.Response response = api.put("/contacts/" + id, update);

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.json().path("statusCode").asInt()).isEqualTo(422);
        assertThat(response.json().path("error").asText()).isEqualTo("Unprocessable Entity");
        assertThat(texts(response.json().path("message"))).containsExactlyInAnyOrder(
                "property locationId should not exist",
                "property companyName should not exist",
                "email must be an email",
                "dnd must be a boolean value");
    }

    @Test
    void createWithoutLocationIdIs422() {
        HighLevelTestClient.Response response = api.post("/contacts/", SimJson.object().put("firstName", "A"));
        assertThat(response.status()).isEqualTo(422);
        assertThat(texts(response.json().path("message"))).contains("locationId should not be empty");
    }

    @Test
    void dndSettingsAreValidatedAndMergedPerChannel() {
        String id = fx.createContact("D", null, null);
        ObjectNode bad = SimJson.object();
        bad.putObject("dndSettings").putObject("Email").put("status", "sleeping");
        assertThat(api.put("/contacts/" + id, bad).status()).isEqualTo(422);

        ObjectNode first = SimJson.object().put("dnd", true);
        first.putObject("dndSettings").putObject("Email").put("status", "active").put("message", "asked");
        api.put("/contacts/" + id, first);
        ObjectNode second = SimJson.object();
        second.putObject("dndSettings").putObject("SMS").put("status", "permanent");
        JsonNode contact = api.put("/contacts/" + id, second).json().get("contact");

        assertThat(contact.path("dnd").asBoolean()).isTrue();
        assertThat(contact.path("dndSettings").path("Email").path("status").asText()).isEqualTo("active");
        assertThat(contact.path("dndSettings").path("SMS").path("status").asText()).isEqualTo("permanent");
    }

    @Test
    void customFieldsAreWrittenByIdOrKeyAndReadAsIdAndValue() {
        HighLevelState state = fx.state();
        String colour = state.customFieldId(HighLevelFixture.LOCATION, "contact.favourite_colour");
        String points = state.customFieldId(HighLevelFixture.LOCATION, "loyalty_points");
        String interests = state.customFieldId(HighLevelFixture.LOCATION, "contact.interests");
        String nickname = state.customFieldId(HighLevelFixture.LOCATION, "contact.nickname");
        ObjectNode create = SimJson.object().put("firstName", "C");
        create.putArray("customFields")
                .add(SimJson.object().put("id", colour).put("field_value", "Ultramarine"))
                .add(SimJson.object().put("key", "contact.loyalty_points").put("field_value", "1200"))
                .add(SimJson.object().put("key", "interests").set("field_value", SimJson.array().add("Chess")))
                .add(SimJson.object().put("key", "nickname").put("value", "Zé"))
                .add(SimJson.object().put("key", "contact.no_such_field").put("field_value", "ignored"));
        String id = fx.createContact(create);

        JsonNode fields = api.get("/contacts/" + id).json().path("contact").path("customFields");

        assertThat(fields).hasSize(4);
        assertThat(valueOf(fields, colour).asText()).isEqualTo("Ultramarine");
        assertThat(valueOf(fields, points).isNumber()).isTrue();
        assertThat(valueOf(fields, points).asInt()).isEqualTo(1200);
        assertThat(valueOf(fields, interests).get(0).asText()).isEqualTo("Chess");
        assertThat(valueOf(fields, nickname).asText()).isEqualTo("Zé");

        ObjectNode clear = SimJson.object();
        clear.putArray("customFields").add(SimJson.object().put("id", colour).put("field_value", ""));
        JsonNode after = api.put("/contacts/" + id, clear).json().path("contact").path("customFields");
        assertThat(after).hasSize(3);
        assertThat(valueOf(after, colour)).isNull();
    }

    @Test
    void unknownContactIs400WithHighLevelsWording() {
        HighLevelTestClient.Response response = api.get("/contacts/noSuchContact1234567");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().path("message").asText()).isEqualTo("Contact with id noSuchContact1234567 not found");
        assertThat(response.json().path("statusCode").asInt()).isEqualTo(400);
        // the router quirk: /contacts/lookup is "get contact with id lookup"
        assertThat(api.get("/contacts/lookup").json().path("message").asText())
                .isEqualTo("Contact with id lookup not found");
    }

    @Test
    void deleteAnswersSuccededAndTheContactIsGone() {
        String id = fx.createContact("Gone", null, null);
        HighLevelTestClient.Response response = api.delete("/contacts/" + id);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().path("succeded").asBoolean()).isTrue();
        assertThat(api.get("/contacts/" + id).status()).isEqualTo(400);
        assertThat(api.delete("/contacts/" + id).status()).isEqualTo(400);
    }

    @Test
    void malformedJsonIs400() {
        HighLevelTestClient.Response response = api.post("/contacts/", "{\"firstName\": ");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().path("statusCode").asInt()).isEqualTo(400);
    }

    @Test
    void aBodyWithoutJsonContentTypeIsNotRead() {
        String json = SimJson.object().put("locationId", HighLevelFixture.LOCATION).put("firstName", "X").toString();
        HighLevelTestClient.Response response = api.raw("POST", "/contacts/", json, "Version", "2021-07-28",
                "Authorization", "Bearer " + HighLevelFixture.FULL, "Content-Type", "text/plain");
        assertThat(response.status()).isEqualTo(422);
        assertThat(texts(response.json().path("message"))).contains("locationId should not be empty");
        assertThat(api.raw("POST", "/contacts/", json, "Version", "2021-07-28", "Authorization",
                "Bearer " + HighLevelFixture.FULL, "Content-Type", "application/json; charset=utf-8").status())
                .isEqualTo(201);
    }

    @Test
    void theCollectionAnswersWithAndWithoutTrailingSlash() {
        ObjectNode body = SimJson.object().put("locationId", HighLevelFixture.LOCATION).put("firstName", "NoSlash");
        assertThat(api.post("/contacts", body).status()).isEqualTo(201);
        assertThat(api.get("/contacts?locationId=" + HighLevelFixture.LOCATION).json().path("contacts")).hasSize(1);
    }

    static JsonNode valueOf(JsonNode customFields, String id) {
        for (JsonNode field : customFields) {
            if (field.path("id").asText().equals(id)) {
                return field.get("value");
            }
        }
        return null;
    }

    static List<String> texts(JsonNode array) {
        List<String> list = new ArrayList<>();
        array.forEach(item -> list.add(item.asText()));
        return list;
    }
}
