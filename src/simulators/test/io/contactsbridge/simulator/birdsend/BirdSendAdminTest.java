package io.contactsbridge.simulator.birdsend;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.simulator.sim.SimClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static io.contactsbridge.simulator.birdsend.BirdSendTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;

class BirdSendAdminTest {

    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

    private final MutableClock time = MutableClock.startingAt(T0);
    private BirdSendSimulator sim;
    private BirdSendTestClient client;

    @BeforeEach
    void start() {
        sim = BirdSendSimulator.builder().clock(new SimClock(time, 1.0)).build().start(0);
        client = new BirdSendTestClient(sim, sim.issuePersonalAccessToken());
    }

    @AfterEach
    void stop() {
        sim.stop();
    }

    @Test
    void seedingGivesRealisticReproducibleContacts() {
        List<BirdSendContactView> seeded = sim.seed(200, 42);
        assertThat(seeded).hasSize(200);
        assertThat(sim.contacts()).hasSize(200);

        Set<String> lowerEmails = new HashSet<>();
        seeded.forEach(c -> lowerEmails.add(c.email().toLowerCase(Locale.ROOT)));
        assertThat(lowerEmails).hasSize(200);
        assertThat(seeded).anyMatch(c -> c.email().contains("+"));
        assertThat(seeded).anyMatch(c -> !c.email().equals(c.email().toLowerCase(Locale.ROOT)));
        assertThat(seeded).anyMatch(c -> c.firstName().chars().anyMatch(ch -> ch > 127));
        assertThat(seeded).anyMatch(c -> c.lastName() != null && c.lastName().contains("'"));
        assertThat(seeded).anyMatch(c -> c.lastName() == null);
        assertThat(seeded).anyMatch(c -> c.field("company") != null);
        assertThat(seeded).anyMatch(c -> c.field("phone") != null);
        assertThat(seeded).anyMatch(c -> c.field("phone") == null);
        assertThat(seeded).anyMatch(c -> c.field("favourite_colour") != null);
        assertThat(seeded).anyMatch(c -> c.tags().size() >= 8);
        assertThat(seeded).anyMatch(c -> c.tags().isEmpty());
        assertThat(seeded).anyMatch(BirdSendContactView::isUnsubscribed);
        assertThat(seeded).anyMatch(c -> !c.sequenceIds().isEmpty());
        assertThat(seeded).anyMatch(c -> c.updatedAt().isAfter(c.createdAt()));
        assertThat(seeded).allMatch(c -> !c.createdAt().isAfter(T0) && !c.updatedAt().isBefore(c.createdAt()));
        assertThat(sim.tags(sim.defaultAccountId()).size()).isGreaterThan(10);
        assertThat(sim.fields(sim.defaultAccountId())).extracting(BirdSendField::key)
                .contains("first_name", "last_name", "company", "phone", "favourite_colour");

        // the same seed in a fresh simulator gives the same people
        BirdSendSimulator twin = BirdSendSimulator.builder().clock(new SimClock(time, 1.0)).build();
        assertThat(twin.seed(200, 42)).extracting(BirdSendContactView::email)
                .isEqualTo(seeded.stream().map(BirdSendContactView::email).toList());
        BirdSendSimulator other = BirdSendSimulator.builder().clock(new SimClock(time, 1.0)).build();
        assertThat(other.seed(200, 43)).extracting(BirdSendContactView::email)
                .isNotEqualTo(seeded.stream().map(BirdSendContactView::email).toList());
    }

    @Test
    void seedRouteTakesGeneratedAndExactContacts() {
        HttpResponse<String> seeded = client.raw("POST", "/__admin/seed", """
                {"count":20,"seed":3,"contacts":[
                  {"email":"Overlap.Person@Example.com","fields":{"first_name":"Renée","last_name":"D'Angelo",
                   "phone":"+1 555 0100"},"tags":["From HighLevel"],"status":"unsubscribed",
                   "created_at":"2024-01-02 03:04:05","ipaddress":"192.0.2.10"}]}""");
        assertThat(seeded.statusCode()).as(seeded.body()).isEqualTo(201);
        assertThat(json(seeded).path("created")).hasSize(21);
        assertThat(json(seeded).path("total").asInt()).isEqualTo(21);

        JsonNode snapshot = json(client.raw("GET", "/__admin/contacts", null));
        assertThat(snapshot.path("total").asInt()).isEqualTo(21);
        JsonNode overlap = null;
        for (JsonNode c : snapshot.path("contacts")) {
            if (c.path("email").asText().equals("Overlap.Person@Example.com")) {
                overlap = c;
            }
        }
        assertThat(overlap).isNotNull();
        assertThat(overlap.path("status").asText()).isEqualTo("unsubscribed");
        assertThat(overlap.path("created_at").asText()).isEqualTo("2024-01-02 03:04:05");
        assertThat(overlap.path("fields").path("phone").asText()).isEqualTo("+1 555 0100");
        assertThat(overlap.path("tags").get(0).path("name").asText()).isEqualTo("From HighLevel");

        // and the API finds it by email as the bridge would
        JsonNode found = json(client.get("/contacts?search_by=email&keyword=overlap.person@example.com"));
        assertThat(found.path("data")).hasSize(1);
        assertThat(found.path("data").get(0).path("fields").path("last_name").asText()).isEqualTo("D'Angelo");
    }

    @Test
    void peopleInTheAppCreateEditUnsubscribeAndDeleteContacts() {
        HttpResponse<String> created = client.raw("POST", "/__admin/contacts",
                "{\"email\":\"ann@example.com\",\"fields\":{\"first_name\":\"Ann\",\"company\":\"Acme\"},\"tags\":[\"HL\"]}");
        assertThat(created.statusCode()).isEqualTo(201);
        long id = json(created).path("contact_id").asLong();

        time.advance(Duration.ofMinutes(3));
        HttpResponse<String> edited = client.raw("POST", "/__admin/contacts/" + id + "/edit", """
                {"fields":{"first_name":"Anna","company":null},"add_tags":["VIP"],"remove_tags":["HL"],
                 "email":"anna@example.com"}""");
        assertThat(edited.statusCode()).as(edited.body()).isEqualTo(200);
        JsonNode apiView = json(client.get("/contacts/" + id));
        assertThat(apiView.path("email").asText()).isEqualTo("anna@example.com");
        assertThat(apiView.path("fields").path("first_name").asText()).isEqualTo("Anna");
        assertThat(apiView.path("fields").has("company")).isFalse();
        assertThat(apiView.path("tags")).hasSize(1);
        assertThat(apiView.path("tags").get(0).path("name").asText()).isEqualTo("VIP");
        assertThat(apiView.path("updated_at").asText()).isEqualTo("2025-03-01 12:03:00");

        client.raw("POST", "/__admin/contacts", "{\"email\":\"bob@example.com\"}");
        HttpResponse<String> clash = client.raw("POST", "/__admin/contacts/" + id + "/edit", "{\"email\":\"BOB@example.com\"}");
        assertThat(clash.statusCode()).isEqualTo(422);

        HttpResponse<String> unsubscribed = client.raw("POST", "/__admin/contacts/" + id + "/unsubscribe", null);
        assertThat(json(unsubscribed).path("status").asText()).isEqualTo("unsubscribed");
        assertThat(json(client.get("/contacts/" + id)).path("status").asText()).isEqualTo("unsubscribed");

        HttpResponse<String> resubscribed = client.raw("POST", "/__admin/contacts/" + id + "/edit", "{\"status\":\"active\"}");
        assertThat(json(resubscribed).path("status").asText()).isEqualTo("active");

        assertThat(client.raw("DELETE", "/__admin/contacts/" + id, null).statusCode()).isEqualTo(204);
        assertThat(client.get("/contacts/" + id).statusCode()).isEqualTo(404);
        assertThat(client.raw("DELETE", "/__admin/contacts/" + id, null).statusCode()).isEqualTo(404);
    }

    @Test
    void tokensAreIssuedAndRevokedPerAccount() {
        HttpResponse<String> account = client.raw("POST", "/__admin/accounts",
                "{\"email\":\"second@example.com\",\"first_name\":\"Sec\",\"timezone\":\"America/New_York\"}");
        assertThat(account.statusCode()).isEqualTo(201);
        long accountId = json(account).path("account_id").asLong();

        HttpResponse<String> issued = client.raw("POST", "/__admin/tokens",
                "{\"account_id\":" + accountId + ",\"scopes\":[\"read\"]}");
        assertThat(issued.statusCode()).isEqualTo(201);
        assertThat(json(issued).path("scopes").toString()).isEqualTo("[\"read\"]");
        String token = json(issued).path("token").asText();
        BirdSendTestClient reader = client.withToken(token);
        assertThat(json(reader.get("/account")).path("timezone").asText()).isEqualTo("America/New_York");
        assertThat(reader.post("/contacts", "{\"email\":\"x@example.com\"}").statusCode()).isEqualTo(403);

        HttpResponse<String> full = client.raw("POST", "/__admin/tokens", "{}");
        assertThat(json(full).path("scopes").toString()).isEqualTo("[\"read\",\"write\"]");
        assertThat(json(full).path("account_id").asLong()).isEqualTo(sim.defaultAccountId());

        assertThat(client.raw("DELETE", "/__admin/tokens/" + token, null).statusCode()).isEqualTo(204);
        assertThat(reader.get("/account").statusCode()).isEqualTo(401);
        assertThat(client.raw("POST", "/__admin/tokens", "{\"scopes\":[\"admin\"]}").statusCode()).isEqualTo(400);
        assertThat(client.raw("POST", "/__admin/tokens", "{\"account_id\":999}").statusCode()).isEqualTo(400);

        JsonNode accounts = json(client.raw("GET", "/__admin/accounts", null));
        assertThat(accounts.path("accounts")).hasSize(2);
    }

    @Test
    void settingsAreReadAndMergedOverHttp() {
        JsonNode defaults = json(client.raw("GET", "/__admin/settings", null));
        assertThat(defaults.path("partialEmailMatch").asBoolean()).isTrue();
        assertThat(defaults.path("maxPerPage").asInt()).isEqualTo(100);
        assertThat(defaults.path("rateLimitPerSecond").asInt()).isEqualTo(5);
        assertThat(defaults.path("accessTokenLifetimeSeconds").asLong()).isEqualTo(5_184_000L);

        HttpResponse<String> merged = client.raw("PUT", "/__admin/settings",
                "{\"partialEmailMatch\":false,\"maxPerPage\":50,\"includeAssumedFields\":false}");
        assertThat(merged.statusCode()).isEqualTo(200);
        assertThat(json(merged).path("maxPerPage").asInt()).isEqualTo(50);
        assertThat(json(merged).path("rateLimitPerSecond").asInt()).isEqualTo(5);
        assertThat(sim.settings().partialEmailMatch()).isFalse();
        assertThat(client.get("/contacts?per_page=51").statusCode()).isEqualTo(422);

        assertThat(client.raw("PUT", "/__admin/settings", "{\"maxPerPag\":50}").statusCode()).isEqualTo(400);
        assertThat(client.raw("PUT", "/__admin/settings", "{\"maxPerPage\":0}").statusCode()).isEqualTo(400);
        assertThat(client.raw("PUT", "/__admin/settings", "{\"createStatus\":418}").statusCode()).isEqualTo(400);
        assertThat(client.raw("PUT", "/__admin/settings", "{\"enforceScopes\":null}").statusCode()).isEqualTo(400);
        assertThat(sim.settings().maxPerPage()).isEqualTo(50);
    }

    @Test
    void resetEmptiesTheDataButKeepsTokensUnlessAsked() {
        sim.seed(30, 1);
        for (int i = 0; i < 5; i++) {
            client.get("/account");
        }
        sim.updateSettings(s -> s.maxPerPage(20));
        assertThat(client.raw("POST", "/__admin/reset", null).statusCode()).isEqualTo(204);
        assertThat(sim.contacts()).isEmpty();
        assertThat(sim.tags(sim.defaultAccountId())).isEmpty();
        assertThat(sim.fields(sim.defaultAccountId())).extracting(BirdSendField::key)
                .containsExactly("first_name", "last_name");
        HttpResponse<String> after = client.get("/contacts");
        assertThat(after.statusCode()).isEqualTo(200); // token kept, rate-limit counters cleared
        assertThat(after.headers().firstValue("X-RateLimit-Remaining")).contains("4");
        assertThat(sim.settings().maxPerPage()).isEqualTo(20);

        assertThat(client.raw("POST", "/__admin/reset", "{\"settings\":true,\"tokens\":true}").statusCode()).isEqualTo(204);
        assertThat(sim.settings()).isEqualTo(BirdSendSettings.DEFAULTS);
        assertThat(client.get("/contacts").statusCode()).isEqualTo(401);
    }

    @Test
    void catalogueAndOAuthClientsCanBeAdded() {
        assertThat(client.raw("POST", "/__admin/fields", "{\"key\":\"favourite_colour\",\"label\":\"Favourite Colour\"}")
                .statusCode()).isEqualTo(201);
        assertThat(client.raw("POST", "/__admin/fields", "{\"key\":\"Bad Key\"}").statusCode()).isEqualTo(400);
        assertThat(client.raw("POST", "/__admin/sequences", "{\"name\":\"Welcome\"}").statusCode()).isEqualTo(201);
        assertThat(client.raw("POST", "/__admin/forms", "{\"name\":\"Pop-up\",\"type\":\"popup\"}").statusCode()).isEqualTo(201);
        assertThat(json(client.get("/fields")).path("data")).hasSize(3);
        assertThat(json(client.get("/sequences")).path("data").get(0).path("name").asText()).isEqualTo("Welcome");
        assertThat(json(client.get("/forms")).path("data").get(0).path("type").asText()).isEqualTo("popup");

        HttpResponse<String> registered = client.raw("POST", "/__admin/oauth-clients",
                "{\"redirect_uris\":[\"http://localhost:8080/callback\"]}");
        assertThat(registered.statusCode()).isEqualTo(201);
        String clientId = json(registered).path("client_id").asText();
        assertThat(json(registered).path("client_secret").asText()).isNotBlank();
        HttpResponse<String> authorize = client.raw("GET", "/oauth/authorize?response_type=code&client_id="
                + URLEncoder.encode(clientId, StandardCharsets.UTF_8), null);
        assertThat(authorize.statusCode()).isEqualTo(302);
        assertThat(URI.create(authorize.headers().firstValue("Location").orElseThrow()).getPath()).isEqualTo("/callback");
    }

    @Test
    void aDeletedFieldTakesItsValuesWithIt() {
        BirdSendContactView ann = sim.seedContact(BirdSendNewContact.of("ann@example.com", "Ann", "Lee")
                .withField("phone", "+14155550100").withField("company", "Acme"));
        Instant updated = sim.contact(ann.contactId()).orElseThrow().updatedAt();

        assertThat(client.raw("DELETE", "/__admin/fields/phone", null).statusCode()).isEqualTo(204);

        assertThat(sim.fields(sim.defaultAccountId())).extracting(BirdSendField::key)
                .containsExactly("first_name", "last_name", "company");
        JsonNode contact = json(client.get("/contacts/" + ann.contactId()));
        assertThat(contact.path("fields").has("phone")).isFalse();
        assertThat(contact.path("fields").path("company").asText()).isEqualTo("Acme");
        assertThat(sim.contact(ann.contactId()).orElseThrow().updatedAt()).isEqualTo(updated);
        // Defined again, it starts empty, as a new field in BirdSend would.
        sim.defineField(sim.defaultAccountId(), "phone", "Phone", "text");
        assertThat(sim.contact(ann.contactId()).orElseThrow().field("phone")).isNull();
        assertThat(client.raw("DELETE", "/__admin/fields/shoe_size", null).statusCode()).isEqualTo(404);
        assertThat(client.raw("DELETE", "/__admin/fields/first_name", null).statusCode()).isEqualTo(400);
    }

    @Test
    void adminCallsAreNeitherRateLimitedNorCounted() {
        for (int i = 0; i < 12; i++) {
            assertThat(client.raw("GET", "/__admin/contacts", null).statusCode()).isEqualTo(200);
        }
        assertThat(sim.server().calls().total()).isZero();
        assertThat(client.get("/account").headers().firstValue("X-RateLimit-Remaining")).contains("4");
    }
}
