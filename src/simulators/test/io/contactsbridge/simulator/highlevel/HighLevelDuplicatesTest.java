package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.contactsbridge.simulator.highlevel.HighLevelContactsTest.texts;
import static org.assertj.core.api.Assertions.assertThat;

/** The "Allow Duplicate Contact" setting, upsert and the duplicate look-up. */
class HighLevelDuplicatesTest {

    private static final String LOC = HighLevelFixture.LOCATION;

    private final HighLevelFixture fx = new HighLevelFixture();
    private final HighLevelTestClient api = fx.api;

    @AfterEach
    void stop() {
        fx.close();
    }

    private void allowDuplicates(boolean allow) {
        fx.state().updateSettings(LOC, fx.state().settings(LOC).withAllowDuplicateContact(allow));
    }

    private void matchOrder(String... fields) {
        fx.state().updateSettings(LOC, fx.state().settings(LOC).withDuplicateMatchOrder(List.of(fields)));
    }

    private HighLevelTestClient.Response create(String email, String phone) {
        ObjectNode body = SimJson.object().put("locationId", LOC).put("firstName", "New");
        if (email != null) {
            body.put("email", email);
        }
        if (phone != null) {
            body.put("phone", phone);
        }
        return api.post("/contacts/", body);
    }

    @Test
    void duplicatesAreRefusedByDefaultWithTheExistingContactInMeta() {
        String ann = fx.createContact(SimJson.object().put("firstName", "Ann").put("lastName", "Lee")
                .put("email", "ann@example.com").put("phone", "+1 415-555-0100"));

        HighLevelTestClient.Response byEmail = create("ANN@Example.com", null);
        assertThat(byEmail.status()).isEqualTo(400);
        JsonNode body = byEmail.json();
        assertThat(body.path("message").asText()).isEqualTo("This location does not allow duplicated contacts.");
        assertThat(body.path("meta").path("contactId").asText()).isEqualTo(ann);
        assertThat(body.path("meta").path("contactName").asText()).isEqualTo("Ann Lee");
        assertThat(body.path("meta").path("matchingField").asText()).isEqualTo("email");

        HighLevelTestClient.Response byPhone = create("other@example.com", "(415) 555 0100");
        assertThat(byPhone.status()).isEqualTo(400);
        assertThat(byPhone.json().path("meta").path("matchingField").asText()).isEqualTo("phone");
        assertThat(fx.state().contacts(LOC)).hasSize(1);
    }

    @Test
    void theMatchOrderDecidesWhichDuplicateIsReported() {
        String byEmail = fx.createContact("E", "e@example.com", null);
        String byPhone = fx.createContact("P", null, "+442079460958");
        assertThat(create("e@example.com", "+44 20 7946 0958").json().path("meta").path("contactId").asText())
                .isEqualTo(byEmail);
        matchOrder("phone", "email");
        assertThat(create("e@example.com", "+44 20 7946 0958").json().path("meta").path("contactId").asText())
                .isEqualTo(byPhone);
        matchOrder("phone");
        assertThat(create("e@example.com", null).status()).isEqualTo(201);
    }

    @Test
    void updatingIntoAnotherContactsEmailIsADuplicateToo() {
        fx.createContact("A", "a@example.com", null);
        String b = fx.createContact("B", "b@example.com", null);
        HighLevelTestClient.Response response = api.put("/contacts/" + b, SimJson.object().put("email", "A@example.com"));
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().path("meta").path("matchingField").asText()).isEqualTo("email");
        // keeping one's own email is no duplicate
        assertThat(api.put("/contacts/" + b, SimJson.object().put("email", "b@example.com")).status()).isEqualTo(200);
    }

    @Test
    void allowingDuplicatesLetsThemIn() {
        fx.createContact("A", "a@example.com", null);
        HighLevelTestClient admin = new HighLevelTestClient(fx.sim.baseUrl(), null);
        HighLevelTestClient.Response settings = admin.put("/__admin/locations/" + LOC + "/settings",
                SimJson.object().put("allowDuplicateContact", true));
        assertThat(settings.json().path("allowDuplicateContact").asBoolean()).isTrue();
        assertThat(create("a@example.com", null).status()).isEqualTo(201);
        assertThat(fx.state().contacts(LOC)).hasSize(2);
    }

    @Test
    void upsertCreatesWhenNothingMatchesAndUpdatesWhenEmailMatches() {
        ObjectNode first = SimJson.object().put("locationId", LOC).put("email", "Zoe@Example.com").put("firstName", "Zoë");
        first.putArray("tags").add("a").add("b");
        HighLevelTestClient.Response created = api.post("/contacts/upsert", first);
        assertThat(created.status()).isEqualTo(200);
        assertThat(created.json().path("new").asBoolean()).isTrue();
        assertThat(created.json().path("traceId").asText()).isNotBlank();
        String id = created.json().path("contact").path("id").asText();

        fx.tick(1000);
        ObjectNode second = SimJson.object().put("locationId", LOC).put("email", "zoe@example.com")
                .put("lastName", "O'Brien");
        second.putArray("tags").add("c");
        HighLevelTestClient.Response updated = api.post("/contacts/upsert", second);
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.json().path("new").asBoolean()).isFalse();
        JsonNode contact = updated.json().path("contact");
        assertThat(contact.path("id").asText()).isEqualTo(id);
        assertThat(contact.path("name").asText()).isEqualTo("Zoë O'Brien");
        assertThat(texts(contact.path("tags"))).containsExactly("c");
        assertThat(contact.path("dateUpdated").asText()).isEqualTo("2025-03-01T12:00:01.000Z");
        assertThat(fx.state().contacts(LOC)).hasSize(1);
    }

    @Test
    void upsertKeepsTheFirstMatchAndIgnoresAnIdentifierOwnedByAnotherContact() {
        String byEmail = fx.createContact("E", "e@example.com", "+14155550100");
        String byPhone = fx.createContact("P", "p@example.com", "+14155550199");
        ObjectNode body = SimJson.object().put("locationId", LOC).put("email", "e@example.com")
                .put("phone", "+1 415 555 0199").put("city", "Oakland");
        JsonNode result = api.post("/contacts/upsert", body).json();
        assertThat(result.path("new").asBoolean()).isFalse();
        assertThat(result.path("contact").path("id").asText()).isEqualTo(byEmail);
        assertThat(result.path("contact").path("phone").asText()).isEqualTo("+14155550100");
        assertThat(result.path("contact").path("city").asText()).isEqualTo("Oakland");

        matchOrder("phone", "email");
        JsonNode phoneFirst = api.post("/contacts/upsert", body).json();
        assertThat(phoneFirst.path("contact").path("id").asText()).isEqualTo(byPhone);
        assertThat(phoneFirst.path("contact").path("email").asText()).isEqualTo("p@example.com");
    }

    @Test
    void createNewIfDuplicateAllowedOnlyCreatesWhereDuplicatesAreAllowed() {
        String existing = fx.createContact("E", "e@example.com", null);
        ObjectNode body = SimJson.object().put("locationId", LOC).put("email", "e@example.com")
                .put("createNewIfDuplicateAllowed", true);
        JsonNode refused = api.post("/contacts/upsert", body).json();
        assertThat(refused.path("new").asBoolean()).isFalse();
        assertThat(refused.path("contact").path("id").asText()).isEqualTo(existing);

        allowDuplicates(true);
        JsonNode created = api.post("/contacts/upsert", body).json();
        assertThat(created.path("new").asBoolean()).isTrue();
        assertThat(created.path("contact").path("id").asText()).isNotEqualTo(existing);
        // without the flag, an upsert still updates even where duplicates are allowed
        body.remove("createNewIfDuplicateAllowed");
        assertThat(api.post("/contacts/upsert", body).json().path("new").asBoolean()).isFalse();
    }

    @Test
    void theDuplicateLookUpFindsByEmailThenNumber() {
        String ann = fx.createContact("Ann", "test+abc@gmail.com", "+14235550100");
        JsonNode byEmail = api.get("/contacts/search/duplicate?locationId=" + LOC + "&email=test%2Babc%40gmail.com")
                .json();
        assertThat(byEmail.path("contact").path("id").asText()).isEqualTo(ann);
        JsonNode byNumber = api.get("/contacts/search/duplicate?locationId=" + LOC + "&number=%2B14235550100").json();
        assertThat(byNumber.path("contact").path("id").asText()).isEqualTo(ann);
        JsonNode none = api.get("/contacts/search/duplicate?locationId=" + LOC + "&email=nobody%40example.com").json();
        assertThat(none.has("contact")).isTrue();
        assertThat(none.path("contact").isNull()).isTrue();
        assertThat(api.get("/contacts/search/duplicate?locationId=" + LOC).status()).isEqualTo(400);
        assertThat(api.get("/contacts/search/duplicate?email=x%40y.com").status()).isEqualTo(400);
    }
}
