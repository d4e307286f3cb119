package io.contactsbridge.simulator.birdsend;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.contactsbridge.simulator.birdsend.BirdSendTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;

class BirdSendContactsApiTest {

    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

    private final MutableClock time = MutableClock.startingAt(T0);
    private BirdSendSimulator sim;
    private BirdSendTestClient client;

    @BeforeEach
    void start() {
        // The rate limit has its own test; here every request happens at the same simulated instant.
        sim = BirdSendSimulator.builder()
                .clock(new SimClock(time, 1.0))
                .settings(BirdSendSettings.builder().rateLimitEnabled(false).build())
                .build()
                .start(0);
        sim.defineField(sim.defaultAccountId(), "company", "Company", "text");
        client = new BirdSendTestClient(sim, sim.issuePersonalAccessToken());
    }

    @AfterEach
    void stop() {
        sim.stop();
    }

    @Test
    void accountDescribesTheTokensAccount() {
        HttpResponse<String> response = client.get("/account");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode account = json(response);
        assertThat(account.path("account_id").isIntegralNumber()).isTrue();
        assertThat(account.path("account_id").asLong()).isEqualTo(sim.defaultAccountId());
        assertThat(account.path("email").asText()).isEqualTo("owner@example.com");
        assertThat(account.path("first_name").asText()).isEqualTo("Ada");
        assertThat(account.path("last_name").asText()).isEqualTo("O'Connor");
        assertThat(account.path("timezone").asText()).isEqualTo("Europe/Dublin");
    }

    @Test
    void createAnswers201WithTheUnwrappedContactAndGetReturnsTheSame() {
        HttpResponse<String> created = client.post("/contacts", """
                {"email":"Zoe.OBrien+news@Example.com","ipaddress":"203.0.113.9",
                 "fields":{"first_name":"Zoë","last_name":"O'Brien","company":"Café Olé"},
                 "tags":["Leads","VIP"]}""");
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode contact = json(created);
        assertThat(contact.has("data")).isFalse();
        assertThat(contact.path("contact_id").isIntegralNumber()).isTrue();
        assertThat(contact.path("email").asText()).isEqualTo("Zoe.OBrien+news@Example.com");
        assertThat(contact.path("fields").path("first_name").asText()).isEqualTo("Zoë");
        assertThat(contact.path("fields").path("last_name").asText()).isEqualTo("O'Brien");
        assertThat(contact.path("fields").path("company").asText()).isEqualTo("Café Olé");
        assertThat(contact.path("tags")).hasSize(2);
        assertThat(contact.path("tags").get(0).path("tag_id").isIntegralNumber()).isTrue();
        assertThat(contact.path("tags").get(0).path("name").asText()).isEqualTo("Leads");
        assertThat(contact.path("tags").get(1).path("name").asText()).isEqualTo("VIP");
        assertThat(contact.path("status").asText()).isEqualTo("active");
        assertThat(contact.path("created_at").asText()).isEqualTo("2025-03-01 12:00:00");
        assertThat(contact.path("updated_at").asText()).isEqualTo("2025-03-01 12:00:00");
        assertThat(contact.path("ipaddress").asText()).isEqualTo("203.0.113.9");

        long id = contact.path("contact_id").asLong();
        HttpResponse<String> fetched = client.get("/contacts/" + id);
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(json(fetched)).isEqualTo(contact);
        assertThat(sim.contact(id)).get().extracting(BirdSendContactView::tagNames)
                .isEqualTo(List.of("Leads", "VIP"));
    }

    @Test
    void createStatusIsConfigurable() {
        sim.updateSettings(s -> s.createStatus(200));
        assertThat(client.post("/contacts", "{\"email\":\"ann@example.com\"}").statusCode()).isEqualTo(200);
    }

    @Test
    void duplicateEmailIsA422InLaravelShapeIgnoringCase() {
        assertThat(client.post("/contacts", "{\"email\":\"ann@example.com\"}").statusCode()).isEqualTo(201);
        String expected = "{\"message\":\"The email has already been taken.\","
                + "\"errors\":{\"email\":[\"The email has already been taken.\"]}}";
        HttpResponse<String> same = client.post("/contacts", "{\"email\":\"ann@example.com\"}");
        assertThat(same.statusCode()).isEqualTo(422);
        assertThat(json(same)).isEqualTo(SimJson.parse(expected));
        HttpResponse<String> otherCase = client.post("/contacts", "{\"email\":\"ANN@Example.com\"}");
        assertThat(otherCase.statusCode()).isEqualTo(422);
        assertThat(json(otherCase)).isEqualTo(SimJson.parse(expected));
        assertThat(sim.contacts()).hasSize(1);

        sim.updateSettings(s -> s.caseInsensitiveEmails(false));
        assertThat(client.post("/contacts", "{\"email\":\"ANN@Example.com\"}").statusCode()).isEqualTo(201);
    }

    @Test
    void validationFailuresListEveryFieldWithLaravelsSummaryMessage() {
        HttpResponse<String> missing = client.post("/contacts", "{\"fields\":{\"first_name\":\"Ann\"}}");
        assertThat(missing.statusCode()).isEqualTo(422);
        assertThat(json(missing)).isEqualTo(SimJson.parse("{\"message\":\"The email field is required.\","
                + "\"errors\":{\"email\":[\"The email field is required.\"]}}"));

        HttpResponse<String> several = client.post("/contacts",
                "{\"email\":\"not an email\",\"sequence_id\":\"abc\",\"tags\":\"VIP\"}");
        assertThat(several.statusCode()).isEqualTo(422);
        JsonNode body = json(several);
        assertThat(body.path("message").asText())
                .isEqualTo("The email field must be a valid email address. (and 2 more errors)");
        assertThat(body.path("errors").path("sequence_id").get(0).asText())
                .isEqualTo("The sequence id field must be an integer.");
        assertThat(body.path("errors").path("tags").get(0).asText()).isEqualTo("The tags field must be an array.");
        assertThat(sim.contacts()).isEmpty();
    }

    @Test
    void sequenceAndFormMustExistAndAreRemembered() {
        BirdSendSequence sequence = sim.addSequence(sim.defaultAccountId(), "Welcome");
        BirdSendForm form = sim.addForm(sim.defaultAccountId(), "Footer", "inline");
        HttpResponse<String> unknown = client.post("/contacts", "{\"email\":\"a@example.com\",\"sequence_id\":1}");
        assertThat(unknown.statusCode()).isEqualTo(422);
        assertThat(json(unknown).path("errors").path("sequence_id").get(0).asText())
                .isEqualTo("The selected sequence id is invalid.");

        HttpResponse<String> ok = client.post("/contacts", "{\"email\":\"a@example.com\",\"sequence_id\":"
                + sequence.sequenceId() + ",\"form_id\":\"" + form.formId() + "\"}");
        assertThat(ok.statusCode()).isEqualTo(201);
        BirdSendContactView stored = sim.contact(json(ok).path("contact_id").asLong()).orElseThrow();
        assertThat(stored.sequenceIds()).containsExactly(sequence.sequenceId());
        assertThat(stored.formId()).isEqualTo(form.formId());
    }

    @Test
    void unknownIdsAreLaravel404s() {
        HttpResponse<String> unknown = client.get("/contacts/999999");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).path("message").asText()).isEqualTo("No query results for model [App\\Models\\Contact] 999999");
        assertThat(client.get("/contacts/abc").statusCode()).isEqualTo(404);
        assertThat(client.patch("/contacts/999999", "{\"email\":\"x@example.com\"}").statusCode()).isEqualTo(404);
        assertThat(client.delete("/contacts/999999").statusCode()).isEqualTo(404);
        assertThat(client.post("/contacts/999999/tags", "{\"tags\":[\"A\"]}").statusCode()).isEqualTo(404);

        // another account's contact is invisible
        long other = sim.createAccount("other@example.com", "O", "Ther", null, null);
        BirdSendContactView theirs = sim.seedContact(other, BirdSendNewContact.of("theirs@example.com"));
        assertThat(client.get("/contacts/" + theirs.contactId()).statusCode()).isEqualTo(404);
    }

    @Test
    void patchRequiresEmailAndMergesFields() {
        long id = createContact("{\"email\":\"ann@example.com\",\"fields\":"
                + "{\"first_name\":\"Ann\",\"last_name\":\"Lee\",\"company\":\"Acme\"}}");

        HttpResponse<String> noEmail = client.patch("/contacts/" + id, "{\"fields\":{\"first_name\":\"Anna\"}}");
        assertThat(noEmail.statusCode()).isEqualTo(422);
        assertThat(json(noEmail).path("errors").path("email").get(0).asText()).isEqualTo("The email field is required.");
        assertThat(sim.contact(id).orElseThrow().firstName()).isEqualTo("Ann");

        time.advance(Duration.ofMinutes(5));
        HttpResponse<String> updated = client.patch("/contacts/" + id,
                "{\"email\":\"anna.lee@example.com\",\"fields\":{\"first_name\":\"Anna\",\"company\":null}}");
        assertThat(updated.statusCode()).isEqualTo(200);
        JsonNode contact = json(updated);
        assertThat(contact.path("email").asText()).isEqualTo("anna.lee@example.com");
        assertThat(contact.path("fields").path("first_name").asText()).isEqualTo("Anna");
        assertThat(contact.path("fields").path("last_name").asText()).isEqualTo("Lee");
        assertThat(contact.path("fields").has("company")).isFalse();
        assertThat(contact.path("created_at").asText()).isEqualTo("2025-03-01 12:00:00");
        assertThat(contact.path("updated_at").asText()).isEqualTo("2025-03-01 12:05:00");

        // the old email is free again, the new one is taken
        assertThat(client.post("/contacts", "{\"email\":\"ann@example.com\"}").statusCode()).isEqualTo(201);
        HttpResponse<String> clash = client.patch("/contacts/" + id, "{\"email\":\"ANN@example.com\"}");
        assertThat(clash.statusCode()).isEqualTo(422);
        assertThat(json(clash).path("message").asText()).isEqualTo("The email has already been taken.");
    }

    @Test
    void anUnchangedPatchLeavesUpdatedAtAlone() {
        long id = createContact("{\"email\":\"ann@example.com\",\"fields\":{\"first_name\":\"Ann\"}}");
        time.advance(Duration.ofHours(1));
        HttpResponse<String> same = client.patch("/contacts/" + id,
                "{\"email\":\"ann@example.com\",\"fields\":{\"first_name\":\"Ann\"}}");
        assertThat(json(same).path("updated_at").asText()).isEqualTo("2025-03-01 12:00:00");
    }

    @Test
    void deleteRemovesTheContact() {
        long id = createContact("{\"email\":\"ann@example.com\"}");
        HttpResponse<String> deleted = client.delete("/contacts/" + id);
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        assertThat(client.get("/contacts/" + id).statusCode()).isEqualTo(404);
        assertThat(client.delete("/contacts/" + id).statusCode()).isEqualTo(404);
        assertThat(sim.contacts()).isEmpty();

        sim.updateSettings(s -> s.deleteStatus(200));
        long second = createContact("{\"email\":\"bob@example.com\"}");
        HttpResponse<String> withBody = client.delete("/contacts/" + second);
        assertThat(withBody.statusCode()).isEqualTo(200);
        assertThat(json(withBody).path("message").asText()).isEqualTo("Contact deleted.");
    }

    @Test
    void unsubscribedContactsStaySearchableAndTaggableAndCanResubscribe() {
        long id = createContact("{\"email\":\"ann@example.com\"}");
        HttpResponse<String> unsubscribed = client.delete("/contacts/" + id + "/unsubscribe");
        assertThat(unsubscribed.statusCode()).isEqualTo(200);
        assertThat(json(unsubscribed).path("status").asText()).isEqualTo("unsubscribed");

        JsonNode found = json(client.get("/contacts?search_by=email&keyword=ann@example.com"));
        assertThat(found.path("data")).hasSize(1);
        assertThat(found.path("data").get(0).path("status").asText()).isEqualTo("unsubscribed");

        HttpResponse<String> tagged = client.post("/contacts/" + id + "/tags", "{\"tags\":[\"Win-back\"]}");
        assertThat(tagged.statusCode()).isEqualTo(200);
        assertThat(json(tagged).path("tags").get(0).path("name").asText()).isEqualTo("Win-back");
        assertThat(json(tagged).path("status").asText()).isEqualTo("unsubscribed");

        BirdSendSequence sequence = sim.addSequence(sim.defaultAccountId(), "Welcome back");
        HttpResponse<String> subscribed = client.post("/contacts/" + id + "/subscribe",
                "{\"sequence_id\":" + sequence.sequenceId() + "}");
        assertThat(subscribed.statusCode()).isEqualTo(200);
        assertThat(json(subscribed).path("status").asText()).isEqualTo("active");
        assertThat(sim.contact(id).orElseThrow().sequenceIds()).containsExactly(sequence.sequenceId());

        assertThat(client.post("/contacts/" + id + "/subscribe", "{\"sequence_id\":42}").statusCode()).isEqualTo(422);
        assertThat(client.post("/contacts/" + id + "/subscribe", null).statusCode()).isEqualTo(200);
    }

    @Test
    void tagsAreAddedByNameCreatingUnknownOnesAndRemovedById() {
        long id = createContact("{\"email\":\"ann@example.com\",\"tags\":[\"Leads\"]}");
        HttpResponse<String> added = client.post("/contacts/" + id + "/tags", "{\"tags\":[\"leads\",\"Brand New\"]}");
        assertThat(added.statusCode()).isEqualTo(200);
        JsonNode tags = json(added).path("tags");
        assertThat(tags).hasSize(2);
        assertThat(tags.get(0).path("name").asText()).isEqualTo("Leads"); // same tag, matched ignoring case
        assertThat(tags.get(1).path("name").asText()).isEqualTo("Brand New");
        long brandNewId = tags.get(1).path("tag_id").asLong();

        JsonNode allTags = json(client.get("/tags"));
        assertThat(allTags.path("data")).hasSize(2);
        assertThat(allTags.path("data").get(1).path("tag_id").asLong()).isEqualTo(brandNewId);
        assertThat(allTags.path("data").get(1).path("name").asText()).isEqualTo("Brand New");

        HttpResponse<String> removed = client.delete("/contacts/" + id + "/tags/" + brandNewId);
        assertThat(removed.statusCode()).isEqualTo(200);
        assertThat(json(removed).path("tags")).hasSize(1);
        assertThat(sim.contact(id).orElseThrow().hasTag("Brand New")).isFalse();

        // removing a tag the contact does not carry is harmless; an unknown tag id is a 404
        assertThat(client.delete("/contacts/" + id + "/tags/" + brandNewId).statusCode()).isEqualTo(200);
        HttpResponse<String> unknownTag = client.delete("/contacts/" + id + "/tags/987654");
        assertThat(unknownTag.statusCode()).isEqualTo(404);
        assertThat(json(unknownTag).path("message").asText()).contains("Tag");
    }

    @Test
    void addingTagsValidatesTheBody() {
        long id = createContact("{\"email\":\"ann@example.com\"}");
        HttpResponse<String> missing = client.post("/contacts/" + id + "/tags", "{}");
        assertThat(missing.statusCode()).isEqualTo(422);
        assertThat(json(missing).path("errors").path("tags").get(0).asText()).isEqualTo("The tags field is required.");
        HttpResponse<String> notStrings = client.post("/contacts/" + id + "/tags", "{\"tags\":[7]}");
        assertThat(notStrings.statusCode()).isEqualTo(422);
        assertThat(json(notStrings).path("errors").path("tags.0").get(0).asText())
                .isEqualTo("The tags.0 field must be a string.");

        sim.updateSettings(s -> s.autoCreateTags(false));
        HttpResponse<String> unknownName = client.post("/contacts/" + id + "/tags", "{\"tags\":[\"Nope\"]}");
        assertThat(unknownName.statusCode()).isEqualTo(422);
        assertThat(sim.tags(sim.defaultAccountId())).isEmpty();
    }

    @Test
    void tagChangesBumpUpdatedAtUnlessConfiguredOtherwise() {
        long id = createContact("{\"email\":\"ann@example.com\"}");
        time.advance(Duration.ofMinutes(1));
        assertThat(json(client.post("/contacts/" + id + "/tags", "{\"tags\":[\"A\"]}")).path("updated_at").asText())
                .isEqualTo("2025-03-01 12:01:00");

        sim.updateSettings(s -> s.bumpUpdatedAtOnTagChange(false));
        time.advance(Duration.ofMinutes(1));
        assertThat(json(client.post("/contacts/" + id + "/tags", "{\"tags\":[\"B\"]}")).path("updated_at").asText())
                .isEqualTo("2025-03-01 12:01:00");
        long tagA = sim.contact(id).orElseThrow().tags().get(0).tagId();
        assertThat(json(client.delete("/contacts/" + id + "/tags/" + tagA)).path("updated_at").asText())
                .isEqualTo("2025-03-01 12:01:00");
        assertThat(sim.contact(id).orElseThrow().tagNames()).containsExactly("B");
    }

    @Test
    void assumedContactFieldsCanBeSwitchedOff() {
        long id = createContact("{\"email\":\"ann@example.com\",\"ipaddress\":\"198.51.100.7\"}");
        sim.updateSettings(s -> s.includeAssumedFields(false));
        JsonNode contact = json(client.get("/contacts/" + id));
        assertThat(contact.fieldNames()).toIterable().containsExactly("contact_id", "email", "fields", "tags");
        JsonNode listed = json(client.get("/contacts")).path("data").get(0);
        assertThat(listed.fieldNames()).toIterable().containsExactly("contact_id", "email", "fields", "tags");
    }

    @Test
    void unsetFieldsAreAbsentByDefaultOrNullWhenConfigured() {
        long id = createContact("{\"email\":\"ann@example.com\",\"fields\":{\"first_name\":\"Ann\"}}");
        assertThat(json(client.get("/contacts/" + id)).path("fields").fieldNames()).toIterable()
                .containsExactly("first_name");
        sim.updateSettings(s -> s.includeUnsetFields(true));
        JsonNode fields = json(client.get("/contacts/" + id)).path("fields");
        assertThat(fields.fieldNames()).toIterable().containsExactly("first_name", "last_name", "company");
        assertThat(fields.path("last_name").isNull()).isTrue();
    }

    @Test
    void unknownFieldKeysAreDroppedOrRejected() {
        long id = createContact("{\"email\":\"ann@example.com\",\"fields\":{\"shoe_size\":\"42\",\"first_name\":\"Ann\"}}");
        assertThat(sim.contact(id).orElseThrow().fields()).containsOnlyKeys("first_name");

        sim.updateSettings(s -> s.rejectUnknownFieldKeys(true));
        HttpResponse<String> rejected = client.post("/contacts",
                "{\"email\":\"bob@example.com\",\"fields\":{\"shoe_size\":\"42\"}}");
        assertThat(rejected.statusCode()).isEqualTo(422);
        assertThat(json(rejected).path("errors").path("fields.shoe_size").get(0).asText())
                .isEqualTo("The selected fields.shoe size is invalid.");
        assertThat(sim.findContactsByEmail(sim.defaultAccountId(), "bob@example.com")).isEmpty();
    }

    @Test
    void numbersInFieldsAreStoredAsText() {
        long id = createContact("{\"email\":\"ann@example.com\",\"fields\":{\"company\":1234}}");
        assertThat(json(client.get("/contacts/" + id)).path("fields").path("company").isTextual()).isTrue();
        assertThat(sim.contact(id).orElseThrow().field("company")).isEqualTo("1234");
    }

    @Test
    void malformedJsonIsA422ByDefaultOrA400AndChangesNothing() {
        HttpResponse<String> malformed = client.post("/contacts", "{\"email\": \"ann@example.com\",");
        assertThat(malformed.statusCode()).isEqualTo(422);
        assertThat(json(malformed).path("message").asText()).isEqualTo("The request body is not valid JSON.");
        assertThat(json(malformed).path("errors").isObject()).isTrue();

        sim.updateSettings(s -> s.malformedJsonStatus(400));
        HttpResponse<String> strict = client.post("/contacts", "{\"email\": ");
        assertThat(strict.statusCode()).isEqualTo(400);
        assertThat(json(strict).path("message").asText()).isEqualTo("The request body is not valid JSON.");
        assertThat(sim.contacts()).isEmpty();
    }

    @Test
    void unknownRoutesAndMethodsGetLaravelsAnswers() {
        HttpResponse<String> unknown = client.get("/nope");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).path("message").asText()).isEqualTo("The route v1/nope could not be found.");

        HttpResponse<String> wrongMethod = client.api("PUT", "/contacts", "{}");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("GET, POST");
        assertThat(json(wrongMethod).path("message").asText())
                .isEqualTo("The PUT method is not supported for route v1/contacts. Supported methods: GET, POST.");

        // the API lives under /v1 only
        assertThat(client.raw("GET", "/contacts", null, "Authorization", "Bearer x").statusCode()).isEqualTo(404);
    }

    @Test
    void concurrentCreatesOfOneEmailLeaveExactlyOneContact() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String variant = i % 2 == 0 ? "race@example.com" : "RACE@example.com";
                calls.add(() -> client.post("/contacts", "{\"email\":\"" + variant + "\"}").statusCode());
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : pool.invokeAll(calls)) {
                statuses.add(f.get());
            }
            assertThat(statuses).containsOnly(201, 422);
            assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(sim.contacts()).hasSize(1);
    }

    private long createContact(String json) {
        HttpResponse<String> response = client.post("/contacts", json);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json(response).path("contact_id").asLong();
    }
}
