package io.contactsbridge.simulator.birdsend;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.simulator.sim.SimClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.contactsbridge.simulator.birdsend.BirdSendTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;

class BirdSendListsApiTest {

    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

    private final MutableClock time = MutableClock.startingAt(T0);
    private BirdSendSimulator sim;
    private BirdSendTestClient client;

    @BeforeEach
    void start() {
        sim = BirdSendSimulator.builder()
                .clock(new SimClock(time, 1.0))
                .settings(BirdSendSettings.builder().rateLimitEnabled(false).build())
                .build()
                .start(0);
        client = new BirdSendTestClient(sim, sim.issuePersonalAccessToken());
    }

    @AfterEach
    void stop() {
        sim.stop();
    }

    @Test
    void contactsArePagedInLaravelsEnvelope() {
        List<Long> ids = createNumbered(23);
        JsonNode last = json(client.get("/contacts?per_page=10&page=3&order_by=contact_id&sort=asc"));
        assertThat(last.path("data")).hasSize(3);
        JsonNode meta = last.path("meta");
        assertThat(meta.path("current_page").asInt()).isEqualTo(3);
        assertThat(meta.path("last_page").asInt()).isEqualTo(3);
        assertThat(meta.path("per_page").asInt()).isEqualTo(10);
        assertThat(meta.path("total").asInt()).isEqualTo(23);

        List<Long> walked = new ArrayList<>();
        for (int page = 1; page <= 3; page++) {
            json(client.get("/contacts?per_page=10&order_by=contact_id&sort=asc&page=" + page)).path("data")
                    .forEach(c -> walked.add(c.path("contact_id").asLong()));
        }
        assertThat(walked).isEqualTo(ids);

        JsonNode beyond = json(client.get("/contacts?per_page=10&page=4"));
        assertThat(beyond.path("data")).isEmpty();
        assertThat(beyond.path("meta").path("current_page").asInt()).isEqualTo(4);
        assertThat(json(client.get("/contacts?page=abc&per_page=5")).path("meta").path("current_page").asInt()).isEqualTo(1);
    }

    @Test
    void defaultsAreFifteenPerPageNewestFirst() {
        List<Long> ids = createNumbered(20);
        JsonNode first = json(client.get("/contacts"));
        assertThat(first.path("data")).hasSize(15);
        assertThat(first.path("meta").path("last_page").asInt()).isEqualTo(2);
        assertThat(first.path("data").get(0).path("contact_id").asLong()).isEqualTo(ids.get(19));

        sim.updateSettings(s -> s.defaultPerPage(50).defaultOrderBy("contact_id").defaultSort("asc"));
        JsonNode all = json(client.get("/contacts"));
        assertThat(all.path("data")).hasSize(20);
        assertThat(all.path("data").get(0).path("contact_id").asLong()).isEqualTo(ids.get(0));
    }

    @Test
    void perPageIsValidatedAgainstTheConfigurableMaximum() {
        createNumbered(3);
        assertThat(client.get("/contacts?per_page=100").statusCode()).isEqualTo(200);
        HttpResponse<String> tooMany = client.get("/contacts?per_page=101");
        assertThat(tooMany.statusCode()).isEqualTo(422);
        assertThat(json(tooMany).path("message").asText()).isEqualTo("The per page field must not be greater than 100.");
        assertThat(json(tooMany).path("errors").path("per_page").get(0).asText())
                .isEqualTo("The per page field must not be greater than 100.");
        assertThat(json(client.get("/contacts?per_page=0")).path("message").asText())
                .isEqualTo("The per page field must be at least 1.");
        assertThat(json(client.get("/contacts?per_page=ten")).path("message").asText())
                .isEqualTo("The per page field must be an integer.");
        assertThat(client.get("/tags?per_page=101").statusCode()).isEqualTo(422);

        sim.updateSettings(s -> s.maxPerPage(250));
        assertThat(client.get("/contacts?per_page=250").statusCode()).isEqualTo(200);
        assertThat(client.get("/contacts?per_page=251").statusCode()).isEqualTo(422);
    }

    @Test
    void assumedPagingMetaCanBeSwitchedOff() {
        createNumbered(2);
        sim.updateSettings(s -> s.includeAssumedPagingMeta(false));
        JsonNode meta = json(client.get("/contacts")).path("meta");
        assertThat(meta.fieldNames()).toIterable().containsExactly("current_page", "last_page");
    }

    @Test
    void emailSearchIsPartialByDefaultAndExactWhenConfigured() {
        seed("ann@example.com", "joann@example.com", "ann@example.org", "Ann.Lee+news@Gmail.com");
        assertThat(emails("/contacts?search_by=email&keyword=ann@example.com"))
                .containsExactlyInAnyOrder("ann@example.com", "joann@example.com");
        assertThat(emails("/contacts?search_by=email&keyword=ANN@Example.com"))
                .containsExactlyInAnyOrder("ann@example.com", "joann@example.com");
        assertThat(emails("/contacts?search_by=email&keyword=example"))
                .containsExactlyInAnyOrder("ann@example.com", "joann@example.com", "ann@example.org");

        sim.updateSettings(s -> s.partialEmailMatch(false));
        assertThat(emails("/contacts?search_by=email&keyword=ann@example.com")).containsExactly("ann@example.com");
        assertThat(emails("/contacts?search_by=email&keyword=" + encode("ann.lee+news@gmail.com")))
                .containsExactly("Ann.Lee+news@Gmail.com");
        assertThat(emails("/contacts?search_by=email&keyword=example")).isEmpty();
    }

    @Test
    void searchByTagAndByKeywordAlone() {
        sim.seedContact(BirdSendNewContact.of("a@example.com", "Zoë", "O'Brien").withTags("VIP", "Leads"));
        sim.seedContact(BirdSendNewContact.of("b@example.com", "Björn", "Müller").withTags("Leads"));
        sim.seedContact(BirdSendNewContact.of("c@example.com", "Siân", "Jones").unsubscribed().withTags("vip"));
        assertThat(emails("/contacts?search_by=tag&keyword=VIP")).containsExactlyInAnyOrder("a@example.com", "c@example.com");
        assertThat(emails("/contacts?search_by=tag&keyword=leads")).containsExactlyInAnyOrder("a@example.com", "b@example.com");
        assertThat(emails("/contacts?search_by=tag&keyword=Lead")).isEmpty();
        assertThat(emails("/contacts?keyword=" + encode("o'brien"))).containsExactly("a@example.com");
        assertThat(emails("/contacts?keyword=" + encode("MÜLLER"))).containsExactly("b@example.com");
    }

    @Test
    void orderingByColumnAndDirection() {
        sim.seedContact(BirdSendNewContact.of("b@example.com", "Brontë", null));
        time.advance(Duration.ofSeconds(5));
        sim.seedContact(BirdSendNewContact.of("C@example.com", "Aoife", null));
        time.advance(Duration.ofSeconds(5));
        sim.seedContact(BirdSendNewContact.of("a@example.com", null, null));
        assertThat(emails("/contacts?order_by=email&sort=asc")).containsExactly("a@example.com", "b@example.com", "C@example.com");
        assertThat(emails("/contacts?order_by=email&sort=desc")).containsExactly("C@example.com", "b@example.com", "a@example.com");
        assertThat(emails("/contacts?order_by=created_at&sort=asc")).containsExactly("b@example.com", "C@example.com", "a@example.com");
        assertThat(emails("/contacts?order_by=first_name&sort=asc")).containsExactly("a@example.com", "C@example.com", "b@example.com");
    }

    @Test
    void orderByUpdatedAtSortsByTheLastChangeUnlessTheSettingsSayTheApiIgnoresIt() {
        long b = sim.seedContact(BirdSendNewContact.of("b@example.com", "Bo", null)).contactId();
        time.advance(Duration.ofSeconds(5));
        sim.seedContact(BirdSendNewContact.of("c@example.com", "Cy", null));
        time.advance(Duration.ofSeconds(5));
        sim.seedContact(BirdSendNewContact.of("a@example.com", "Al", null));
        time.advance(Duration.ofSeconds(5));
        sim.editContact(b, BirdSendContactEdit.change().field("last_name", "Edited"));

        assertThat(emails("/contacts?order_by=updated_at&sort=desc")).containsExactly("b@example.com", "a@example.com", "c@example.com");

        sim.updateSettings(s -> s.orderByUpdatedAt(false));
        assertThat(emails("/contacts?order_by=updated_at&sort=desc")).as("the default column, created_at, in the asked direction")
                .containsExactly("a@example.com", "c@example.com", "b@example.com");
        assertThat(emails("/contacts?order_by=updated_at&sort=asc")).containsExactly("b@example.com", "c@example.com", "a@example.com");
    }

    @Test
    void aPageOfALargeAccountIsTheSameAsThatSliceOfTheWholeList() {
        sim.seed(2_500, 7);
        List<String> all = emails("/contacts?per_page=100&order_by=updated_at&sort=desc&page=1");
        for (int page = 2; page <= 25; page++) {
            all.addAll(emails("/contacts?per_page=100&order_by=updated_at&sort=desc&page=" + page));
        }
        List<String> expected = sim.contacts().stream()
                .sorted(java.util.Comparator.comparing(BirdSendContactView::updatedAt)
                        .thenComparingLong(BirdSendContactView::contactId).reversed())
                .map(BirdSendContactView::email).toList();
        assertThat(all).isEqualTo(expected);
        assertThat(emails("/contacts?per_page=100&page=26")).isEmpty();
    }

    @Test
    void invalidQueryParametersAreReportedTogether() {
        HttpResponse<String> response = client.get("/contacts?search_by=phone&order_by=shoe_size&sort=sideways");
        assertThat(response.statusCode()).isEqualTo(422);
        JsonNode body = json(response);
        assertThat(body.path("message").asText()).isEqualTo("The selected search by is invalid. (and 2 more errors)");
        assertThat(body.path("errors").path("order_by").get(0).asText()).isEqualTo("The selected order by is invalid.");
        assertThat(body.path("errors").path("sort").get(0).asText()).isEqualTo("The selected sort is invalid.");
    }

    @Test
    void fieldsListTheBuiltInAndCustomFields() {
        sim.defineField(sim.defaultAccountId(), "phone", "Phone", "text");
        JsonNode fields = json(client.get("/fields")).path("data");
        assertThat(fields).hasSize(3);
        Set<String> keys = new HashSet<>();
        fields.forEach(f -> {
            assertThat(f.path("field_id").isIntegralNumber()).isTrue();
            assertThat(f.fieldNames()).toIterable().containsExactly("field_id", "key", "label", "type");
            keys.add(f.path("key").asText());
        });
        assertThat(keys).containsExactlyInAnyOrder("first_name", "last_name", "phone");
    }

    @Test
    void tagsSequencesAndFormsAreListedAndPaged() {
        for (String name : List.of("Leads", "VIP", "Customers", "Café Club", "Démo")) {
            sim.seedContact(BirdSendNewContact.of(BirdSendSeeder.ascii(name) + "@example.com").withTags(name));
        }
        JsonNode page = json(client.get("/tags?per_page=2&page=2"));
        assertThat(page.path("data")).hasSize(2);
        assertThat(page.path("data").get(0).path("name").asText()).isEqualTo("Customers");
        assertThat(page.path("meta").path("last_page").asInt()).isEqualTo(3);
        assertThat(json(client.get("/tags?order_by=name&sort=desc")).path("data").get(0).path("name").asText())
                .isEqualTo("VIP");
        assertThat(json(client.get("/tags?keyword=caf")).path("data")).hasSize(1);

        BirdSendSequence sequence = sim.addSequence(sim.defaultAccountId(), "Welcome Series");
        JsonNode sequences = json(client.get("/sequences")).path("data");
        assertThat(sequences).hasSize(1);
        assertThat(sequences.get(0).path("sequence_id").asLong()).isEqualTo(sequence.sequenceId());
        assertThat(sequences.get(0).path("name").asText()).isEqualTo("Welcome Series");

        BirdSendForm form = sim.addForm(sim.defaultAccountId(), "Homepage Pop-up", "popup");
        JsonNode forms = json(client.get("/forms")).path("data");
        assertThat(forms).hasSize(1);
        assertThat(forms.get(0).path("form_id").asLong()).isEqualTo(form.formId());
        assertThat(forms.get(0).path("type").asText()).isEqualTo("popup");
    }

    @Test
    void broadcastsCanBeCreatedListedAndFetched() {
        HttpResponse<String> created = client.post("/broadcasts", """
                {"name":"March news","subject":"Spring is here 🌷","from_name":"Ada","from_email":"ada@example.com",
                 "content":"<p>Hello</p>","send_at":"2025-03-02 09:00:00"}""");
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode broadcast = json(created);
        long id = broadcast.path("broadcast_id").asLong();
        assertThat(broadcast.path("status").asText()).isEqualTo("scheduled");
        assertThat(broadcast.path("send_at").asText()).isEqualTo("2025-03-02 09:00:00");

        HttpResponse<String> draft = client.post("/broadcasts", "{\"subject\":\"Draft only\"}");
        assertThat(json(draft).path("status").asText()).isEqualTo("draft");

        assertThat(json(client.get("/broadcasts/" + id))).isEqualTo(broadcast);
        JsonNode list = json(client.get("/broadcasts?keyword=spring"));
        assertThat(list.path("data")).hasSize(1);
        assertThat(list.path("meta").path("total").asInt()).isEqualTo(1);
        assertThat(json(client.get("/broadcasts?sort=desc")).path("data").get(0).path("subject").asText())
                .isEqualTo("Draft only");

        assertThat(client.get("/broadcasts/424242").statusCode()).isEqualTo(404);
        HttpResponse<String> invalid = client.post("/broadcasts", "{\"send_at\":\"tomorrow\",\"from_email\":\"nope\"}");
        assertThat(invalid.statusCode()).isEqualTo(422);
        JsonNode errors = json(invalid).path("errors");
        assertThat(errors.path("subject").get(0).asText()).isEqualTo("The subject field is required.");
        assertThat(errors.path("from_email").get(0).asText()).isEqualTo("The from email field must be a valid email address.");
        assertThat(errors.path("send_at").get(0).asText()).isEqualTo("The send at field must match the format Y-m-d H:i:s.");
        assertThat(sim.broadcasts(sim.defaultAccountId())).hasSize(2);
    }

    private List<Long> createNumbered(int n) {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            time.advance(Duration.ofSeconds(1));
            ids.add(sim.seedContact(BirdSendNewContact.of("person" + i + "@example.com")).contactId());
        }
        return ids;
    }

    private void seed(String... emails) {
        for (String email : emails) {
            sim.seedContact(BirdSendNewContact.of(email));
        }
    }

    private List<String> emails(String path) {
        HttpResponse<String> response = client.get(path);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        json(response).path("data").forEach(c -> out.add(c.path("email").asText()));
        return out;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
