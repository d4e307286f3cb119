package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulator against HighLevel's official specs: every operation of contacts.json (32) and
 * businesses.json (5), plus the four locations.json look-ups it serves, called over HTTP with a
 * spec-valid request; request and answer are both validated by swagger-request-validator
 * ({@link HighLevelSpec}, whose whitelist lists the spec defects it tolerates). Fails when an
 * operation of the specs has no call here.
 */
class HighLevelContractTest {

    private static HighLevelSpec spec;

    private final HighLevelFixture fx = new HighLevelFixture();
    private final Set<String> covered = new LinkedHashSet<>();
    private final List<String> violations = new ArrayList<>();

    @BeforeAll
    static void loadSpecs() {
        spec = HighLevelSpec.shared();
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    /** Calls the simulator, validates the exchange against the spec, records the operation covered. */
    private HighLevelTestClient.Response call(String method, String pathAndQuery, Object body, int expectedStatus) {
        HighLevelTestClient.Response response = fx.api.send(method, pathAndQuery, body);
        Map<String, List<String>> requestHeaders = new LinkedHashMap<>();
        requestHeaders.put("Version", List.of(HighLevelSimulator.API_VERSION));
        requestHeaders.put("Authorization", List.of("Bearer " + HighLevelFixture.FULL));
        requestHeaders.put("Accept", List.of("application/json"));
        String text = body == null ? null : body instanceof String s ? s : SimJson.toJson(body);
        if (text != null) {
            requestHeaders.put("Content-Type", List.of("application/json"));
        }
        HighLevelSpec.Result result = spec.validate(method, pathAndQuery, requestHeaders, text, response.status(),
                response.headers(), response.body());
        String label = method + " " + pathAndQuery + " -> " + response.status();
        result.operation().ifPresent(op -> {
            if (response.status() == expectedStatus) {
                covered.add(op.operationId());
            }
        });
        result.errors().forEach(error -> violations.add(label + ": " + error));
        if (response.status() != expectedStatus) {
            violations.add(label + ": expected " + expectedStatus + ", body " + response.body());
        }
        return response;
    }

    @Test
    void everySpecOperationIsServedAsTheSpecSays() {
        String loc = HighLevelFixture.LOCATION;
        String colour = fx.state().customFieldId(loc, "contact.favourite_colour");
        String points = fx.state().customFieldId(loc, "contact.loyalty_points");

        // contacts: create, read, update, upsert, lists
        ObjectNode create = SimJson.object().put("locationId", loc).put("firstName", "Łukasz").put("lastName", "Żółć")
                .put("email", "Lukasz.Zolc+hl@Example.com").put("phone", "+48 12-345-67-89").put("gender", "male")
                .put("dateOfBirth", "1990-09-25").put("companyName", "Żółć Sp. z o.o.").put("source", "public api")
                .put("country", "PL");
        create.putArray("tags").add("newsletter").add("VIP");
        create.putArray("customFields")
                .add(SimJson.object().put("id", colour).put("field_value", "Bleu de France"))
                .add(SimJson.object().put("key", "contact.loyalty_points").put("field_value", 250));
        create.putObject("dndSettings").putObject("Email").put("status", "inactive");
        String contactId = call("POST", "/contacts/", create, 201).json().path("contact").path("id").asText();
        String other = call("POST", "/contacts/", SimJson.object().put("locationId", loc).put("name", "Ann Lee")
                .put("email", "ann.lee@example.com"), 201).json().path("contact").path("id").asText();

        call("GET", "/contacts/" + contactId, null, 200);
        call("PUT", "/contacts/" + contactId, SimJson.object().put("city", "Kraków").put("dateOfBirth", "1990/09/26")
                .set("customFields", SimJson.array().add(SimJson.object().put("id", points).put("field_value", 300))),
                200);
        call("POST", "/contacts/upsert", SimJson.object().put("locationId", loc).put("email", "ann.lee@example.com")
                .put("lastName", "Lee-Smith"), 200);
        call("POST", "/contacts/upsert", SimJson.object().put("locationId", loc).put("email", "new@example.com")
                .put("firstName", "New"), 200);
        call("GET", "/contacts/?locationId=" + loc + "&limit=2", null, 200);
        call("GET", "/contacts/search/duplicate?locationId=" + loc + "&email=lukasz.zolc%2Bhl%40example.com", null, 200);
        ObjectNode search = SimJson.object().put("locationId", loc).put("page", 1).put("pageLimit", 10);
        search.putArray("filters").add(SimJson.object().put("field", "tags").put("operator", "eq").put("value", "vip"));
        search.putArray("sort").add(SimJson.object().put("field", "dateAdded").put("direction", "asc"));
        call("POST", "/contacts/search", search, 200);

        // tags, followers, campaigns, workflows
        ObjectNode tags = SimJson.object();
        tags.putArray("tags").add("warm");
        call("POST", "/contacts/" + contactId + "/tags", tags, 201);
        call("DELETE", "/contacts/" + contactId + "/tags", tags, 200);
        ObjectNode followers = SimJson.object();
        followers.putArray("followers").add("user0000000000000001");
        call("POST", "/contacts/" + contactId + "/followers", followers, 201);
        call("DELETE", "/contacts/" + contactId + "/followers", followers, 200);
        call("POST", "/contacts/" + contactId + "/campaigns/Y2I9XM7aO1hncuSOlc9L", SimJson.object(), 201);
        call("DELETE", "/contacts/" + contactId + "/campaigns/Y2I9XM7aO1hncuSOlc9L", null, 200);
        call("DELETE", "/contacts/" + contactId + "/campaigns/removeAll", null, 200);
        ObjectNode workflow = SimJson.object().put("eventStartTime", "2021-06-23T03:30:00+01:00");
        call("POST", "/contacts/" + contactId + "/workflow/sx6wyHhbFdRXh302LLNR", workflow, 200);
        call("DELETE", "/contacts/" + contactId + "/workflow/sx6wyHhbFdRXh302LLNR", workflow, 200);

        // notes
        String noteId = call("POST", "/contacts/" + contactId + "/notes", SimJson.object().put("body", "Called, left a message")
                .put("userId", "user0000000000000001").put("title", "Follow-up").put("color", "#FFAA00")
                .put("pinned", false), 201).json().path("note").path("id").asText();
        call("GET", "/contacts/" + contactId + "/notes", null, 200);
        call("GET", "/contacts/" + contactId + "/notes/" + noteId, null, 200);
        call("PUT", "/contacts/" + contactId + "/notes/" + noteId, SimJson.object().put("body", "Called back"), 200);
        call("DELETE", "/contacts/" + contactId + "/notes/" + noteId, null, 200);

        // tasks
        String taskId = call("POST", "/contacts/" + contactId + "/tasks", SimJson.object().put("title", "Call back")
                .put("body", "about the renewal").put("dueDate", "2025-03-05T11:00:00Z").put("completed", false)
                .put("assignedTo", "user0000000000000001"), 201).json().path("task").path("id").asText();
        call("GET", "/contacts/" + contactId + "/tasks", null, 200);
        call("GET", "/contacts/" + contactId + "/tasks/" + taskId, null, 200);
        call("PUT", "/contacts/" + contactId + "/tasks/" + taskId, SimJson.object().put("title", "Call back today"), 200);
        call("PUT", "/contacts/" + contactId + "/tasks/" + taskId + "/completed", SimJson.object().put("completed", true),
                200);
        call("DELETE", "/contacts/" + contactId + "/tasks/" + taskId, null, 200);

        // appointments (booked in the app, read through the API)
        fx.state().saveAppointmentAsUser(contactId, null, SimJson.object().put("calendarId", "BqTwX8QFwXzpegMve9EQ")
                .put("title", "Intro call").put("startTime", "2025-03-10T16:00:00+01:00")
                .put("endTime", "2025-03-10T16:30:00+01:00"));
        call("GET", "/contacts/" + contactId + "/appointments", null, 200);

        // businesses
        ObjectNode business = SimJson.object().put("name", "Żółć Sp. z o.o.").put("locationId", loc)
                .put("phone", "+48123456789").put("email", "biuro@example.pl").put("website", "www.example.pl")
                .put("address", "ul. Długa 1").put("city", "Kraków").put("postalCode", "30-001")
                .put("state", "małopolskie").put("country", "pl").put("description", "Hurtownia");
        String businessId = call("POST", "/businesses/", business, 201).json().path("buiseness").path("id").asText();
        call("GET", "/businesses/?locationId=" + loc + "&limit=10&skip=0", null, 200);
        call("GET", "/businesses/" + businessId, null, 200);
        call("PUT", "/businesses/" + businessId, SimJson.object().put("description", "Hurtownia i sklep"), 200);
        ObjectNode bulkBusiness = SimJson.object().put("locationId", loc).put("businessId", businessId);
        bulkBusiness.putArray("ids").add(contactId).add(other);
        call("POST", "/contacts/bulk/business", bulkBusiness, 200);
        call("GET", "/contacts/business/" + businessId + "?locationId=" + loc + "&limit=10&skip=0", null, 200);

        // bulk tags
        ObjectNode bulkTags = SimJson.object().put("locationId", loc);
        bulkTags.putArray("contacts").add(contactId).add("abcdef");
        bulkTags.putArray("tags").add("tag-1").add("tag-2");
        call("POST", "/contacts/bulk/tags/update/add", bulkTags, 201);

        // locations look-ups
        call("GET", "/locations/" + loc + "/customFields?model=contact", null, 200);
        call("GET", "/locations/" + loc + "/customFields/" + colour, null, 200);
        String tagId = call("GET", "/locations/" + loc + "/tags", null, 200).json().path("tags").get(0).path("id").asText();
        call("GET", "/locations/" + loc + "/tags/" + tagId, null, 200);

        // the deletes last
        call("DELETE", "/businesses/" + businessId, null, 200);
        call("DELETE", "/contacts/" + other, null, 200);

        Set<String> expected = spec.operations(HighLevelSpec.CONTACTS).stream()
                .map(HighLevelSpec.SpecOperation::operationId).collect(Collectors.toCollection(TreeSet::new));
        spec.operations(HighLevelSpec.BUSINESSES).forEach(op -> expected.add(op.operationId()));
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(covered);
        long coveredSpecOperations = expected.stream().filter(covered::contains).count();
        long locationOps = HighLevelSpec.SIMULATED_LOCATION_OPERATIONS.stream().filter(covered::contains).count();
        System.out.println("HighLevel contract: " + coveredSpecOperations + "/" + expected.size()
                + " operations validated (contacts.json + businesses.json), plus " + locationOps + "/"
                + HighLevelSpec.SIMULATED_LOCATION_OPERATIONS.size() + " locations.json look-ups");

        assertThat(violations).as("spec violations").isEmpty();
        assertThat(missing).as("spec operations without a contract call").isEmpty();
        assertThat(expected).hasSize(37);
    }

    @Test
    void errorAnswersMatchTheSpecErrorSchemas() {
        String loc = HighLevelFixture.LOCATION;
        call("POST", "/contacts/", SimJson.object().put("locationId", loc).put("email", "not-an-email"), 422);
        call("GET", "/contacts/noSuchContact1234567", null, 400);
        call("POST", "/contacts/noSuchContact1234567/tasks", SimJson.object().put("title", "t")
                .put("dueDate", "2025-03-05T11:00:00Z").put("completed", false), 400);
        fx.createContact("Ann", "ann@example.com", null);
        call("POST", "/contacts/", SimJson.object().put("locationId", loc).put("email", "ANN@example.com"), 400);
        fx.tokens.revoke(HighLevelFixture.FULL);
        call("GET", "/contacts/?locationId=" + loc, null, 401);
        call("POST", "/businesses/", SimJson.object().put("name", "B").put("locationId", loc), 401);

        assertThat(violations).isEmpty();
    }

    @Test
    void theValidatorStillCatchesWrongEnvelopesTypesAndRequests() {
        // Each exchange below is wrong in one way the relaxations must not hide.
        assertThat(errors("DELETE", "/contacts/abc", null, 200, "{\"succeeded\":true}"))
                .anyMatch(e -> e.startsWith(HighLevelSpec.ENVELOPE_KEY));
        assertThat(errors("POST", "/businesses/", "{\"name\":\"B\",\"locationId\":\"L\"}", 201,
                "{\"success\":true,\"business\":{\"id\":\"i\",\"name\":\"B\",\"locationId\":\"L\"}}"))
                .anyMatch(e -> e.startsWith(HighLevelSpec.ENVELOPE_KEY));
        assertThat(errors("GET", "/contacts/abc", null, 200, "{\"contact\":{\"id\":\"abc\",\"tags\":\"vip\"}}"))
                .anyMatch(e -> e.contains("validation.response.body.schema.type at /contact/tags"));
        assertThat(errors("GET", "/contacts/abc", null, 422, "{\"statusCode\":422,\"message\":\"one string\"}"))
                .anyMatch(e -> e.contains("/message"));
        assertThat(errors("POST", "/contacts/", "{\"locationId\":\"L\",\"favouriteColour\":\"red\"}", 201,
                "{\"contact\":{\"id\":\"abc\"}}"))
                .anyMatch(e -> e.contains("validation.request.body.schema.additionalProperties"));
        assertThat(errors("POST", "/contacts/bulk/tags/update/add", "{\"locationId\":\"L\",\"tags\":[\"t\"]}", 201,
                "{\"succeded\":true,\"errorCount\":0,\"responses\":[]}"))
                .anyMatch(e -> e.contains("validation.request.body.schema.required"));
        assertThat(errors("GET", "/contacts/abc", null, 200, "{\"contact\":{\"id\":\"abc\",\"dndSettings\":"
                + "{\"Email\":{\"status\":\"sleeping\"}}}}"))
                .anyMatch(e -> e.contains("enum"));
        // ... while the whitelisted spec defects pass
        assertThat(errors("GET", "/contacts/abc", null, 200, "{\"contact\":{\"id\":\"abc\",\"firstNameLowerCase\":\"a\","
                + "\"followers\":[],\"customFields\":[{\"id\":\"f\",\"value\":12},{\"id\":\"g\",\"value\":[\"x\"]}]}}"))
                .isEmpty();
    }

    private List<String> errors(String method, String path, String requestBody, int status, String responseBody) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Version", List.of(HighLevelSimulator.API_VERSION));
        headers.put("Authorization", List.of("Bearer token"));
        if (requestBody != null) {
            headers.put("Content-Type", List.of("application/json"));
        }
        return spec.validate(method, path, headers, requestBody, status,
                Map.of("Content-Type", List.of("application/json")), responseBody).errors();
    }

    @Test
    void theSimulatorServesTheSpecOperationsWithTheSpecScopes() {
        Set<String> served = fx.sim.operationIds();
        for (HighLevelSpec.SpecOperation op : spec.operations()) {
            boolean simulated = !op.spec().equals(HighLevelSpec.LOCATIONS)
                    || HighLevelSpec.SIMULATED_LOCATION_OPERATIONS.contains(op.operationId());
            if (simulated) {
                assertThat(served).as(op.toString()).contains(op.operationId());
            }
        }
        Map<String, String> specScopes = HighLevelSpec.declaredScopes(HighLevelSpec.CONTACTS);
        specScopes.putAll(HighLevelSpec.declaredScopes(HighLevelSpec.BUSINESSES));
        specScopes.putAll(HighLevelSpec.declaredScopes(HighLevelSpec.LOCATIONS));
        specScopes.forEach((operationId, scope) -> {
            if (served.contains(operationId)) {
                assertThat(fx.sim.requiredScopes().get(operationId)).as(operationId).isEqualTo(scope);
            }
        });
        assertThat(specScopes).containsKeys("get-contact", "create-business", "get-custom-fields");
    }

    @Test
    void theAcceptedContactPropertiesAreTheSpecDtos() {
        assertThat(ContactPatch.CREATE_PROPERTIES)
                .isEqualTo(HighLevelSpec.schemaProperties(HighLevelSpec.CONTACTS, "CreateContactDto"));
        assertThat(ContactPatch.UPDATE_PROPERTIES)
                .isEqualTo(HighLevelSpec.schemaProperties(HighLevelSpec.CONTACTS, "UpdateContactDto"));
        assertThat(ContactPatch.UPSERT_PROPERTIES)
                .isEqualTo(HighLevelSpec.schemaProperties(HighLevelSpec.CONTACTS, "UpsertContactDto"));
        assertThat(HighLevelApi.CREATE_TASK.properties())
                .isEqualTo(HighLevelSpec.schemaProperties(HighLevelSpec.CONTACTS, "CreateTaskParams"));
        assertThat(HighLevelApi.UPDATE_TASK.properties())
                .isEqualTo(HighLevelSpec.schemaProperties(HighLevelSpec.CONTACTS, "UpdateTaskBody"));
        assertThat(HighLevelApi.CREATE_NOTE.properties())
                .isEqualTo(HighLevelSpec.schemaProperties(HighLevelSpec.CONTACTS, "NotesDTO"));
        assertThat(HighLevelApi.BULK_TAGS.properties())
                .isEqualTo(HighLevelSpec.schemaProperties(HighLevelSpec.CONTACTS, "UpdateTagsDTO"));
        assertThat(HighLevelApi.BULK_BUSINESS.properties())
                .isEqualTo(HighLevelSpec.schemaProperties(HighLevelSpec.CONTACTS, "ContactsBusinessUpdate"));
        assertThat(HighLevelApi.CREATE_BUSINESS.properties())
                .isEqualTo(HighLevelSpec.schemaProperties(HighLevelSpec.BUSINESSES, "CreateBusinessDto"));
        assertThat(HighLevelApi.UPDATE_BUSINESS.properties())
                .isEqualTo(HighLevelSpec.schemaProperties(HighLevelSpec.BUSINESSES, "UpdateBusinessDto"));
    }

    @Test
    void strictModeRecordsOrRejectsRequestsThatBreakTheSpec() {
        HighLevelSpec.StrictFilter recording = spec.strictFilter(false, true);
        try (HighLevelFixture strict = new HighLevelFixture(HighLevelSimulator.builder().extraFilter(recording))) {
            strict.sim.setAcceptedVersions(Set.of("2021-07-28", "2021-04-15"));
            HighLevelTestClient oldVersion = strict.api.withVersion("2021-04-15");
            String id = strict.createContact("Strict", "strict@example.com", null);
            assertThat(recording.violations()).isEmpty();

            // The simulator takes the older version (as the live service does), the spec does not.
            assertThat(oldVersion.get("/contacts/" + id).status()).isEqualTo(200);
            assertThat(recording.violations()).singleElement().asString()
                    .contains("GET /contacts/" + id).contains("2021-04-15");
        }
        HighLevelSpec.StrictFilter rejecting = spec.strictFilter(true, false);
        try (HighLevelFixture strict = new HighLevelFixture(HighLevelSimulator.builder().extraFilter(rejecting))) {
            HighLevelTestClient.Response response = strict.api.post("/contacts/search/duplicate", "{}");
            assertThat(response.status()).isEqualTo(405);
            response = strict.api.get("/contacts/business/b1");
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.json().path("violations").toString()).contains("locationId");
            assertThat(rejecting.violations()).hasSize(1);
        }
    }
}
