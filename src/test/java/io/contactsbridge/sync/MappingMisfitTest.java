package io.contactsbridge.sync;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.journal.ConsumerState;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.outbound.DeadLetterStore;
import io.contactsbridge.sandbox.SandboxSimulators;
import io.contactsbridge.simulator.SandboxPeople;
import io.contactsbridge.simulator.birdsend.BirdSendContactEdit;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import io.contactsbridge.simulator.birdsend.BirdSendOperations;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import io.contactsbridge.simulator.sim.SimJson;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The reporter's case: the sandbox's mapping (phone, company, favourite colour) on accounts that lack those fields,
 * as any account but the sandbox's does. The sync and the backfill wait, visibly (health component {@code mapping}
 * DOWN with the problems in words, {@code sync.state} held, backfill phase waiting) while the bridge stays ready and
 * keeps journaling changes; the accounts' field lists are read once per re-check period however often held events
 * are retried; and once the fields exist, everything held goes through.
 */
@CamelSpringBootTest
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS) // its pollers and sync stop with it
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:mapping-misfit" + SyncBenchmark.H2_OPTIONS,
        // Accounts like any new one, with the sandbox's mapping (the sandbox profile's), which names their extra fields.
        "bridge.sandbox.extra-fields=false",
        "bridge.sync.mapping-recheck=" + MappingMisfitTest.RECHECK_SECONDS + "s",
})
@ActiveProfiles({"test", "sandbox"})
@TestPropertySource(locations = "classpath:live-sync-test.properties")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MappingMisfitTest {

    static final int RECHECK_SECONDS = 2;
    private static final Duration RECHECK = Duration.ofSeconds(RECHECK_SECONDS);
    /** Time for a change to arrive once nothing holds it (webhook or poll, then the sync's calls). */
    private static final Duration ARRIVAL = Duration.ofSeconds(20);
    private static final String RUN = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    /** The changes made while the sync was held, checked once it runs again. */
    private static String sharedEmail;
    private static long birdSendOnlyId;
    private static String newInHighLevel;
    private static String newInBirdSend;

    @Autowired
    SandboxSimulators sims;
    @Autowired
    Backfill backfill;
    @Autowired
    MappingCheck mappingCheck;
    @Autowired
    JournalStore journal;
    @Autowired
    DeadLetterStore deadLetters;
    @Value("${bridge.sync.consumer}")
    String syncConsumer;
    @Autowired
    TestRestTemplate http;
    @Value("${bridge.admin.password}")
    String adminPassword;

    @Test
    @Order(1)
    void aMappingThatDoesNotFitHoldsTheSyncVisiblyWhileTheBridgeStaysReady() {
        await("the first check").atMost(Duration.ofSeconds(30)).until(() -> mappingCheck.last() != null);
        JsonNode sync = status().path("sync");
        assertThat(sync.path("state").asText()).isEqualTo(SyncStatus.HELD);
        assertThat(texts(sync.path("mappingProblems"))).hasSize(4)
                .anySatisfy(p -> assertThat(p).contains("HighLevel location " + HighLevelState.DEMO_LOCATION_ID
                        + " has no contact custom field 'contact.favourite_colour'").contains("create it in HighLevel"))
                .anySatisfy(p -> assertThat(p).contains("BirdSend has no field 'phone'").contains("create it in BirdSend"))
                .anySatisfy(p -> assertThat(p).contains("BirdSend has no field 'company'"))
                .anySatisfy(p -> assertThat(p).contains("BirdSend has no field 'favourite_colour'"));

        JsonNode health = adminHealth().getBody();
        JsonNode mapping = health.path("components").path("mapping");
        assertThat(mapping.path("status").asText()).isEqualTo("DOWN");
        assertThat(texts(mapping.path("details").path("problems"))).containsExactlyElementsOf(texts(sync.path("mappingProblems")));
        assertThat(mapping.path("details").path("mapping").asText()).isEqualTo("classpath:mapping/contacts-sandbox.yaml");
        assertThat(health.path("status").asText()).isEqualTo("DOWN");
        // Not in the probe groups: the bridge stays in service, so webhooks keep reaching the journal.
        assertThat(probe("readiness")).isEqualTo("UP");
        assertThat(probe("liveness")).isEqualTo("UP");

        // The start-up backfill waits instead of failing.
        assertThat(backfill.snapshot().state()).isEqualTo("running");
        assertThat(backfill.snapshot().phase()).isEqualTo(MappingCheck.WAITING_PHASE);
        assertThat(status().path("backfill").path("phase").asText()).isEqualTo(MappingCheck.WAITING_PHASE);

        // People keep working in both apps meanwhile.
        ObjectNode shared = sharedPerson();
        sharedEmail = shared.path("email").asText();
        hl().editContactAsUser(shared.path("id").asText(), SimJson.object().put("firstName", "Heldover"));
        BirdSendContactView birdSendOnly = sims.birdSend().contacts().stream()
                .filter(c -> hlWithEmail(c.email()).isEmpty()).findFirst().orElseThrow();
        birdSendOnlyId = birdSendOnly.contactId();
        sims.birdSend().editContact(birdSendOnlyId, BirdSendContactEdit.change().field("last_name", "Waitforit"));
        newInHighLevel = uniqueEmail("hana");
        hl().createContactAsUser(sims.highLevelLocationId(), SimJson.object().put("email", newInHighLevel)
                .put("firstName", "Hana").put("source", "misfit test"));
        newInBirdSend = uniqueEmail("bea");
        sims.birdSend().seedContact(BirdSendNewContact.of(newInBirdSend, "Bea", "Patient"));

        await("the changes journaled and held").atMost(ARRIVAL).until(() -> {
            List<ConsumerState> blocked = syncPartitions().stream().filter(p -> p.failedSeq() != null).toList();
            return !blocked.isEmpty() && blocked.stream().allMatch(p -> p.lastError().contains("does not fit the accounts"));
        });
    }

    @Test
    @Order(2)
    void theAccountsAreReadOncePerRecheckWhateverTheRetryRate() {
        long customFieldReads = hlCalls("get-custom-fields");
        long fieldListReads = bsCalls(BirdSendOperations.LIST_FIELDS);
        Instant heldUntil = latestRetry();
        AtomicInteger attempts = new AtomicInteger();
        Instant start = Instant.now();

        // Three re-check periods of held events being retried by the journal, plus a caller retrying every 20 ms.
        await().during(RECHECK.multipliedBy(3)).atMost(RECHECK.multipliedBy(4)).pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    attempts.incrementAndGet();
                    try {
                        mappingCheck.requireUsable();
                        return false;
                    } catch (MappingMisfitException held) {
                        return true;
                    }
                });

        long periods = Duration.between(start, Instant.now()).toMillis() / RECHECK.toMillis();
        assertThat(attempts.get()).isGreaterThan(50);
        assertThat(latestRetry()).as("held events tried again by the journal").isAfter(heldUntil);
        assertThat(syncPartitions()).as("holds are no failed attempts").allMatch(p -> p.failures() == 0);
        assertThat(hlCalls("get-custom-fields") - customFieldReads).isBetween(1L, periods + 1);
        assertThat(bsCalls(BirdSendOperations.LIST_FIELDS) - fieldListReads).isBetween(1L, periods + 1);
    }

    @Test
    @Order(3)
    void creatingTheFieldsLetsEverythingHeldThroughWithNothingLost() {
        ResponseEntity<JsonNode> created = new TestRestTemplate().postForEntity(sims.highLevel().baseUrl()
                        + "/__admin/locations/" + sims.highLevelLocationId() + "/customFields",
                SimJson.object().put("name", "Favourite colour"), JsonNode.class);
        assertThat(created.getStatusCode().value()).isEqualTo(201);
        String colourId = created.getBody().path("customField").path("id").asText();
        // HighLevel is fixed, BirdSend not yet: still held, now for BirdSend's fields only.
        await("the HighLevel problem gone").atMost(RECHECK.multipliedBy(3))
                .until(() -> mappingCheck.last().blocking().size() == 3);
        JsonNode sync = status().path("sync");
        assertThat(sync.path("state").asText()).isEqualTo(SyncStatus.HELD);
        assertThat(texts(sync.path("mappingProblems"))).allMatch(p -> p.startsWith("BirdSend has no field"));

        for (String key : SandboxPeople.BIRDSEND_EXTRA_FIELDS) {
            sims.birdSend().defineField(sims.birdSend().defaultAccountId(), key, key, "text");
        }
        // The next check, at most one period away, lets the sync run.
        await("the mapping fits").atMost(RECHECK.multipliedBy(2).plusSeconds(1)).until(() -> mappingCheck.last().ok());
        sync = status().path("sync");
        assertThat(sync.path("state").asText()).isEqualTo("running");
        assertThat(texts(sync.path("mappingProblems"))).isEmpty();
        assertThat(adminHealth().getBody().path("components").path("mapping").path("status").asText()).isEqualTo("UP");

        await("the backfill done").atMost(Duration.ofSeconds(60)).until(() -> "done".equals(backfill.snapshot().state()));
        await("the journal drained").atMost(ARRIVAL)
                .until(() -> journal.pendingTotal(Instant.now().minus(Duration.ofMinutes(1))) == 0);
        await("every held change on the other side").atMost(ARRIVAL).untilAsserted(() -> {
            assertThat(bsWithEmail(sharedEmail).map(BirdSendContactView::firstName)).contains("Heldover");
            String birdSendOnlyEmail = sims.birdSend().contact(birdSendOnlyId).orElseThrow().email();
            assertThat(hlWithEmail(birdSendOnlyEmail).map(c -> c.path("lastName").asText())).contains("Waitforit");
            assertThat(bsWithEmail(newInHighLevel).map(BirdSendContactView::firstName)).contains("Hana");
            assertThat(hlWithEmail(newInBirdSend).map(c -> c.path("source").asText())).contains("BirdSend");
        });
        assertThat(syncPartitions()).allMatch(p -> p.failedSeq() == null);
        assertThat(deadLetters.count()).isZero();

        // The fields the mapping names now work: a colour set in BirdSend reaches HighLevel's new custom field.
        BirdSendContactView bea = bsWithEmail(newInBirdSend).orElseThrow();
        sims.birdSend().editContact(bea.contactId(), BirdSendContactEdit.change().field("favourite_colour", "Teal"));
        await("HighLevel has the colour").atMost(ARRIVAL).until(() -> hlWithEmail(newInBirdSend)
                .map(c -> customValue(c, colourId)).filter("Teal"::equals).isPresent());
    }

    // --- helpers ---------------------------------------------------------------------------------

    private JsonNode status() {
        return http.getForObject("/api/status", JsonNode.class);
    }

    private ResponseEntity<JsonNode> adminHealth() {
        return http.withBasicAuth("admin", adminPassword).getForEntity("/actuator/health", JsonNode.class);
    }

    private String probe(String group) {
        ResponseEntity<JsonNode> answer = http.getForEntity("/actuator/health/" + group, JsonNode.class);
        assertThat(answer.getStatusCode().value()).isEqualTo(200);
        return answer.getBody().path("status").asText();
    }

    private List<ConsumerState> syncPartitions() {
        return journal.consumers().stream().filter(c -> c.consumerId().equals(syncConsumer)).toList();
    }

    /** When the journal next tries a held event of the sync. */
    private Instant latestRetry() {
        return syncPartitions().stream().map(ConsumerState::retryAfter).filter(java.util.Objects::nonNull)
                .max(Instant::compareTo).orElse(Instant.EPOCH);
    }

    private long hlCalls(String operation) {
        return sims.highLevel().server().calls().count(operation);
    }

    private long bsCalls(String operation) {
        return sims.birdSend().server().calls().count(operation);
    }

    private HighLevelState hl() {
        return sims.highLevel().state();
    }

    /** A seeded person on both sides (the same email, ignoring case). */
    private ObjectNode sharedPerson() {
        return hl().contacts().stream().filter(c -> c.hasNonNull("email") && bsWithEmail(c.get("email").asText()).isPresent())
                .findFirst().orElseThrow();
    }

    private Optional<ObjectNode> hlWithEmail(String email) {
        return hl().contacts().stream().filter(c -> email.equalsIgnoreCase(c.path("email").asText(""))).findFirst();
    }

    private Optional<BirdSendContactView> bsWithEmail(String email) {
        return sims.birdSend().contacts().stream().filter(c -> email.equalsIgnoreCase(c.email())).findFirst();
    }

    private static String customValue(JsonNode contact, String fieldId) {
        for (JsonNode field : contact.path("customFields")) {
            if (fieldId.equals(field.path("id").asText())) {
                return field.path("value").asText(null);
            }
        }
        return null;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(item -> out.add(item.asText()));
        return out;
    }

    private static String uniqueEmail(String name) {
        return ("misfit." + name + "." + RUN + "." + SEQUENCE.incrementAndGet() + "@example.org").toLowerCase(Locale.ROOT);
    }
}
