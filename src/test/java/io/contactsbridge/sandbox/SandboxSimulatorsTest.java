package io.contactsbridge.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.ops.StatusReport;
import io.contactsbridge.simulator.SandboxPeople;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.sim.SimJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sandbox mode's simulators as the test profile runs them (20 people a side, 40 % overlap): the
 * status reports the shared people, and the shared people are found across the two real APIs.
 */
class SandboxSimulatorsTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static SandboxSimulators sims;

    @BeforeAll
    static void start() {
        sims = new SandboxSimulators(new SandboxProperties(new SandboxProperties.Simulator(0, 20),
                new SandboxProperties.Simulator(0, 20), 1, 42, 0.4, true));
    }

    @AfterAll
    static void stop() {
        sims.close();
    }

    @Test
    void withoutExtraFieldsTheAccountsAreLikeAnyNewAccount() {
        try (SandboxSimulators plain = new SandboxSimulators(new SandboxProperties(new SandboxProperties.Simulator(0, 20),
                new SandboxProperties.Simulator(0, 20), 1, 42, 0.4, false))) {
            assertThat(plain.birdSend().fields(plain.birdSend().defaultAccountId()))
                    .extracting(io.contactsbridge.simulator.birdsend.BirdSendField::key).containsExactly("first_name", "last_name");
            assertThat(plain.birdSend().contacts()).hasSize(20)
                    .allMatch(c -> c.fields().keySet().stream().allMatch(k -> k.equals("first_name") || k.equals("last_name")));
            assertThat(plain.highLevel().state().customFields(plain.highLevelLocationId()))
                    .noneMatch(f -> f.fieldKey().equals(SandboxPeople.COLOUR_FIELD_KEY));
            // The same people otherwise; HighLevel's standard phone and companyName stay.
            assertThat(plain.seededOnBothSides()).isEqualTo(sims.seededOnBothSides());
            assertThat(plain.highLevel().state().contacts()).anyMatch(c -> c.hasNonNull("phone"))
                    .anyMatch(c -> c.hasNonNull("companyName"));
        }
        // The sandbox as it runs by default has them.
        assertThat(sims.birdSend().fields(sims.birdSend().defaultAccountId()))
                .extracting(io.contactsbridge.simulator.birdsend.BirdSendField::key).contains("phone", "company", "favourite_colour");
        assertThat(sims.highLevel().state().customFields(sims.highLevelLocationId()))
                .anyMatch(f -> f.fieldKey().equals(SandboxPeople.COLOUR_FIELD_KEY));
    }

    @Test
    @SuppressWarnings("unchecked")
    void statusShowsThePeopleSeededOnBothSidesNextToTheLiveCounts() {
        StatusReport report = new StatusReport();
        SandboxWorld world = new SandboxWorld("world-1", "seeded for this test");
        new SandboxConfiguration().sandboxStatus(sims, world).contribute(report);
        Map<String, Object> sandbox = (Map<String, Object>) report.asMap().get("sandbox");
        assertThat(sandbox).containsEntry("world", "world-1");
        assertThat(sandbox).containsEntry("overlap", 8);
        assertThat((Map<String, Object>) sandbox.get("highlevel")).containsEntry("contacts", 20);
        assertThat((Map<String, Object>) sandbox.get("birdsend")).containsEntry("contacts", 20);
        assertThat(sims.seededOnBothSides()).isEqualTo(8);
    }

    @Test
    void everySharedBirdSendEmailFindsItsHighLevelContactThroughTheApi() throws Exception {
        List<JsonNode> found = new ArrayList<>();
        for (BirdSendContactView contact : sims.birdSend().contacts()) {
            JsonNode match = highLevelDuplicate("email", contact.email());
            if (!match.isNull()) {
                assertThat(match.path("email").asText()).isEqualToIgnoringCase(contact.email());
                found.add(match);
            }
        }
        assertThat(found).hasSize(8);
    }

    @Test
    void theSharedHighLevelEmailsAreInBirdSendsContactListInOtherLetterCase() throws Exception {
        JsonNode page = get(sims.birdSend().apiBaseUrl() + "/contacts?per_page=100", "Bearer " + sims.birdSendToken());
        Map<String, String> birdSendByLowerEmail = new HashMap<>();
        page.path("data").forEach(c -> birdSendByLowerEmail.put(lower(c.path("email").asText()), c.path("email").asText()));
        assertThat(birdSendByLowerEmail).hasSize(20);
        List<String> shared = sims.highLevel().state().contacts(sims.highLevelLocationId()).stream()
                .filter(c -> c.hasNonNull("email") && birdSendByLowerEmail.containsKey(lower(c.get("email").asText())))
                .map(c -> c.get("email").asText()).toList();
        assertThat(shared).hasSize(8);
        assertThat(shared).anyMatch(email -> !birdSendByLowerEmail.get(lower(email)).equals(email));
    }

    @Test
    void aNationalBirdSendPhoneIsTheNumberHighLevelStores() throws Exception {
        int national = 0;
        for (BirdSendContactView contact : sims.birdSend().contacts()) {
            String phone = contact.field("phone");
            JsonNode byEmail = highLevelDuplicate("email", contact.email());
            if (phone == null || byEmail.isNull() || phone.startsWith("+") || phone.startsWith("00")) {
                continue;
            }
            // A US location reads "(415) 555-0134" as +14155550134, the number of the same person.
            JsonNode byNumber = highLevelDuplicate("number", phone);
            assertThat(byNumber.path("id").asText()).isEqualTo(byEmail.path("id").asText());
            national++;
        }
        assertThat(national).isEqualTo(1);
    }

    private static JsonNode highLevelDuplicate(String parameter, String value) throws IOException, InterruptedException {
        return get(sims.highLevel().baseUrl() + "/contacts/search/duplicate?locationId=" + sims.highLevelLocationId()
                + "&" + parameter + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8),
                "Bearer " + sims.highLevelToken()).path("contact");
    }

    private static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }

    private static JsonNode get(String url, String authorization) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", authorization)
                .header("Version", "2021-07-28")
                .header("Accept", "application/json")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + " answered " + response.body()).isEqualTo(200);
        return SimJson.MAPPER.readTree(response.body());
    }
}
