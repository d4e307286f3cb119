package io.contactsbridge.sync;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.sandbox.SandboxSimulators;
import io.contactsbridge.simulator.birdsend.BirdSendContactEdit;
import io.contactsbridge.simulator.birdsend.BirdSendField;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import io.contactsbridge.simulator.sim.SimJson;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The shipped mapping on accounts like any new one: a BirdSend account with only its built-in fields and a HighLevel
 * location without the sandbox's custom field. It fits (no problems, health component {@code mapping} UP), the
 * backfill pairs everyone, and changes flow both ways; what the mapping leaves out (HighLevel's phone and company)
 * is left alone.
 */
@CamelSpringBootTest
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS) // its pollers and sync stop with it
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:default-mapping" + SyncBenchmark.H2_OPTIONS,
        "bridge.sandbox.extra-fields=false",
        "bridge.sync.mapping=classpath:mapping/contacts.yaml",
})
@ActiveProfiles({"test", "sandbox"})
@TestPropertySource(locations = "classpath:live-sync-test.properties")
class DefaultMappingTest {

    private static final Duration ARRIVAL = Duration.ofSeconds(15);

    @Autowired
    SandboxSimulators sims;
    @Autowired
    Backfill backfill;
    @Autowired
    LinkStore links;
    @Autowired
    SyncProperties props;
    @Autowired
    MappingCheck mappingCheck;
    @Autowired
    TestRestTemplate http;
    @Value("${bridge.admin.password}")
    String adminPassword;

    @BeforeEach
    void backfillDone() {
        await("backfill done").atMost(Duration.ofSeconds(60)).until(() -> "done".equals(backfill.snapshot().state()));
    }

    @Test
    void theShippedMappingFitsAnAccountWithoutTheSandboxsFields() {
        assertThat(sims.birdSend().fields(sims.birdSend().defaultAccountId())).extracting(BirdSendField::key)
                .containsExactly("first_name", "last_name");
        assertThat(hl().customFields(sims.highLevelLocationId())).noneMatch(f -> f.fieldKey().contains("favourite_colour"));

        JsonNode sync = http.getForObject("/api/status", JsonNode.class).path("sync");
        assertThat(sync.path("mapping").asText()).isEqualTo("classpath:mapping/contacts.yaml");
        assertThat(sync.path("state").asText()).isEqualTo("running");
        assertThat(sync.path("mappingProblems")).isEmpty();
        JsonNode health = http.withBasicAuth("admin", adminPassword).getForObject("/actuator/health", JsonNode.class);
        assertThat(health.path("components").path("mapping").path("status").asText()).isEqualTo("UP");
        assertThat(health.path("status").asText()).isEqualTo("UP");

        // Everyone is on both sides once, linked.
        Set<String> hlEmails = new TreeSet<>();
        hl().contacts().stream().filter(c -> c.hasNonNull("email"))
                .forEach(c -> hlEmails.add(c.get("email").asText().toLowerCase(Locale.ROOT)));
        Set<String> bsEmails = new TreeSet<>();
        sims.birdSend().contacts().forEach(c -> bsEmails.add(c.email().toLowerCase(Locale.ROOT)));
        assertThat(bsEmails).isEqualTo(hlEmails);
        assertThat(links.count(props.pair())).isEqualTo(bsEmails.size());
    }

    @Test
    void changesFlowBothWaysAndUnmappedHighLevelPropertiesStay() {
        ContactLink link = links.all(props.pair()).values().stream()
                .filter(l -> hl().contact(l.highlevelId()).orElseThrow().hasNonNull("phone")).findFirst().orElseThrow();
        ObjectNode before = hl().contact(link.highlevelId()).orElseThrow();

        hl().editContactAsUser(link.highlevelId(), SimJson.object().put("firstName", "Ottilie"));
        long bsId = Long.parseLong(link.birdsendId());
        await("BirdSend has the first name").atMost(ARRIVAL)
                .until(() -> "Ottilie".equals(sims.birdSend().contact(bsId).orElseThrow().firstName()));

        sims.birdSend().editContact(bsId, BirdSendContactEdit.change().field("last_name", "Vanterpool").addTags("Default Mapping"));
        await("HighLevel has the last name and tag").atMost(ARRIVAL).until(() -> {
            ObjectNode now = hl().contact(link.highlevelId()).orElseThrow();
            return "Vanterpool".equals(now.path("lastName").asText()) && now.path("tags").toString().contains("default mapping");
        });
        ObjectNode after = hl().contact(link.highlevelId()).orElseThrow();
        assertThat(after.path("phone")).isEqualTo(before.path("phone"));
        assertThat(after.path("companyName")).isEqualTo(before.path("companyName"));

        String email = "default.mapping." + System.nanoTime() + "@example.org";
        sims.birdSend().seedContact(BirdSendNewContact.of(email, "Nell", "Newell"));
        await("the new BirdSend contact in HighLevel").atMost(ARRIVAL).until(() -> hlWithEmail(email).isPresent());
        ObjectNode created = hlWithEmail(email).orElseThrow();
        assertThat(created.path("firstName").asText()).isEqualTo("Nell");
        assertThat(created.path("source").asText()).isEqualTo("BirdSend");
        assertThat(mappingCheck.last().blocking()).isEmpty();
    }

    private HighLevelState hl() {
        return sims.highLevel().state();
    }

    private Optional<ObjectNode> hlWithEmail(String email) {
        return hl().contacts().stream().filter(c -> email.equalsIgnoreCase(c.path("email").asText(""))).findFirst();
    }
}
