package io.contactsbridge.sync;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.ContactKeys;
import io.contactsbridge.journal.JournalHeaders;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.outbound.DeadLetter;
import io.contactsbridge.outbound.DeadLetterEntry;
import io.contactsbridge.outbound.DeadLetterStore;
import io.contactsbridge.outbound.UpstreamRejectedException;
import io.contactsbridge.outbound.contacts.BirdSendContactApi;
import io.contactsbridge.sandbox.SandboxSimulators;
import io.contactsbridge.simulator.birdsend.BirdSendContactEdit;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import io.contactsbridge.simulator.sim.FaultConfig;
import io.contactsbridge.simulator.sim.SimJson;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One dead letter per problem, against the simulators over real HTTP: a write HighLevel refuses by its duplicate rule
 * ("This location does not allow duplicated contacts.") is a dead letter once, however many events the person has
 * afterwards, and is tried again when the person changes the refused value or the contact holding it lets go of it.
 * Each test makes its own people, with phones in a range the seeders never use, and counts dead letters and calls as
 * deltas. The sync route runs; the pollers do not, so the only events are the ones a test appends (and HighLevel's
 * webhooks of the bridge's own writes, which end as echoes).
 */
@CamelSpringBootTest
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS) // its sync route stops with it
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        // A store of its own: a sync running in a cached context would act on the shared test database's journal.
        "spring.datasource.url=jdbc:h2:mem:refused-writes" + SyncBenchmark.H2_OPTIONS,
        // The live sync sped up as live-sync-test.properties has it, without the pollers: the events are the test's.
        "bridge.capture.highlevel.enabled=false",
        "bridge.capture.birdsend.enabled=false",
})
@ActiveProfiles({"test", "sandbox"})
@TestPropertySource(locations = "classpath:live-sync-test.properties")
class RefusedWriteTest {

    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static final int MORE_EVENTS = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    SandboxSimulators sims;
    @Autowired
    ContactSync contactSync;
    @Autowired
    LinkStore links;
    @Autowired
    RefusalStore refusals;
    @Autowired
    SyncProperties props;
    @Autowired
    JournalStore journal;
    @Autowired
    DeadLetterStore deadLetters;
    @Autowired
    BirdSendContactApi birdSendApi;
    @Autowired
    Backfill backfill;
    @LocalServerPort
    int port;
    @Value("${bridge.admin.password}")
    String adminPassword;

    @BeforeEach
    void backfillDone() throws InterruptedException {
        await("the start-up backfill done", () -> "done".equals(backfill.snapshot().state()));
        awaitJournalDrained();
    }

    /** The flood of issue 19: a linked person's new phone is another HighLevel contact's; every event re-sent the PUT. */
    @Test
    void anUpdateRefusedByTheDuplicateRuleIsOneDeadLetterHoweverManyEventsFollow() throws Exception {
        String run = run();
        String hlId = highLevelContact("Dana", run + "-dana@example.com", "+13035550111");
        String otherHlId = highLevelContact("Eli", run + "-eli@example.com", "+13035550112");
        long bsId = sims.birdSend().seedContact(BirdSendNewContact.of(run + "-dana@example.com", "Dana", "Refused")
                .withField("phone", "+13035550111")).contactId();
        assertThat(contactSync.fromBirdSend(Long.toString(bsId), null).action()).isEqualTo(SyncOutcome.Action.LINKED);
        long deadLettersBefore = deadLetters.count();
        long refusedPutsBefore = highLevelCalls("update-contact", 400);

        // Dana types Eli's number into BirdSend: HighLevel refuses it for Dana's contact, and will every time.
        sims.birdSend().editContact(bsId, BirdSendContactEdit.change().field("phone", "(303) 555-0112"));
        for (int i = 0; i <= MORE_EVENTS; i++) {
            birdSendEvent(bsId);
        }
        awaitJournalDrained();

        List<DeadLetter> letters = newDeadLetters(deadLettersBefore);
        assertThat(letters).as("dead letters after %d events", MORE_EVENTS + 1).hasSize(1);
        assertThat(letters.get(0).errorMessage()).contains("This location does not allow duplicated contacts.");
        assertThat(highLevelCalls("update-contact", 400) - refusedPutsBefore).as("refused PUTs").isEqualTo(1);
        assertThat(refusals.find(props.pair(), "birdsend:" + bsId)).singleElement().satisfies(r -> {
            assertThat(r.field()).isEqualTo("phone");
            assertThat(r.conflictingId()).isEqualTo(otherHlId);
        });
        assertThat(hl().contact(hlId).orElseThrow().path("phone").asText()).isEqualTo("+13035550111");

        // Dana fixes the number: it syncs, and nothing stays refused.
        sims.birdSend().editContact(bsId, BirdSendContactEdit.change().field("phone", "(303) 555-0113"));
        birdSendEvent(bsId);
        await("HighLevel has Dana's new number", () -> "+13035550113".equals(hl().contact(hlId).orElseThrow()
                .path("phone").asText()));
        awaitJournalDrained();
        assertThat(refusals.find(props.pair(), "birdsend:" + bsId)).isEmpty();
        assertThat(newDeadLetters(deadLettersBefore)).hasSize(1);
    }

    /** A create refused by the duplicate rule names the existing contact: nobody else's partner, it is linked. */
    @Test
    void aCreateRefusedByTheDuplicateRuleLinksTheContactTheAnswerNames() throws Exception {
        String run = run();
        String hlId = highLevelContact("Fay", run + "-fay.work@example.com", "+13035550121");
        long bsId = sims.birdSend().seedContact(BirdSendNewContact.of(run + "-fay@example.com", "Fay", "Refused")
                .withField("phone", "+13035550121").withTags("fay-reader")).contactId();
        long deadLettersBefore = deadLetters.count();

        // What the backfill does for a contact it listed on one side only: create it on the other.
        SyncOutcome outcome = contactSync.reconcile(null, birdSendContact(bsId), null, false);

        assertThat(outcome.action()).as(outcome.toString()).isEqualTo(SyncOutcome.Action.LINKED);
        assertThat(links.byBirdSend(props.pair(), Long.toString(bsId))).get().extracting(ContactLink::highlevelId)
                .isEqualTo(hlId);
        // The contact the answer names is someone's own, not a create of the bridge's: the two are linked as a new pair
        // (tags united), not merged as the create, which would take the tag the HighLevel contact lacks as removed.
        assertThat(birdSendTags(bsId)).as("BirdSend").containsExactly("fay-reader");
        assertThat(highLevelTags(hlId)).as("HighLevel").containsExactly("fay-reader");
        assertThat(links.pendingCreate(props.pair(), hlId, Long.toString(bsId))).as("no create recorded").isEmpty();
        for (int i = 0; i < MORE_EVENTS; i++) {
            birdSendEvent(bsId);
        }
        awaitJournalDrained();
        assertThat(newDeadLetters(deadLettersBefore)).isEmpty();
        assertThat(links.byBirdSend(props.pair(), Long.toString(bsId))).get().extracting(ContactLink::highlevelId)
                .isEqualTo(hlId);
        assertThat(refusals.find(props.pair(), "birdsend:" + bsId)).isEmpty();
    }

    /**
     * A create refused by the duplicate rule whose contact is already another BirdSend contact's partner is a conflict
     * for a person: refused once (what the backfill stores as the dead letter), then not tried again while that contact
     * holds the phone; tried again, and created, once it no longer does.
     */
    @Test
    void aCreateRefusedForAnotherPersonsPartnerIsOneConflictUntilThePhoneIsFree() throws Exception {
        String run = run();
        String gusHl = highLevelContact("Gus", run + "-gus@example.com", "+13035550131");
        long gusBs = sims.birdSend().seedContact(BirdSendNewContact.of(run + "-gus@example.com", "Gus", "Refused")).contactId();
        assertThat(contactSync.fromBirdSend(Long.toString(gusBs), null).action()).isEqualTo(SyncOutcome.Action.LINKED);
        long hanBs = sims.birdSend().seedContact(BirdSendNewContact.of(run + "-han@example.com", "Han", "Refused")
                .withField("phone", "+13035550131")).contactId();
        JsonNode han = birdSendContact(hanBs);
        long createsBefore = highLevelCalls("create-contact", 400);

        assertThatThrownBy(() -> contactSync.reconcile(null, han, null, false))
                .isInstanceOf(UpstreamRejectedException.class)
                .hasMessageContaining("This location does not allow duplicated contacts.")
                .hasMessageContaining("HighLevel contact " + gusHl)
                .hasMessageContaining("BirdSend contact " + gusBs);
        assertThat(highLevelCalls("create-contact", 400) - createsBefore).isEqualTo(1);

        long deadLettersBefore = deadLetters.count();
        for (int i = 0; i < MORE_EVENTS / 2; i++) {
            SyncOutcome again = contactSync.reconcile(null, birdSendContact(hanBs), null, false);
            assertThat(again.action()).isEqualTo(SyncOutcome.Action.SKIPPED);
            assertThat(again.detail()).contains("not sent again");
            birdSendEvent(hanBs);
        }
        awaitJournalDrained();
        assertThat(highLevelCalls("create-contact", 400) - createsBefore).as("refused creates").isEqualTo(1);
        assertThat(newDeadLetters(deadLettersBefore)).isEmpty();
        assertThat(links.byBirdSend(props.pair(), Long.toString(hanBs))).isEmpty();

        // Gus gets another number in HighLevel: Han's is free, and Han is created.
        hl().editContactAsUser(gusHl, SimJson.object().put("phone", "+13035550132"));
        SyncOutcome created = contactSync.reconcile(null, birdSendContact(hanBs), null, false);
        assertThat(created.action()).as(created.toString()).isEqualTo(SyncOutcome.Action.CREATED_HIGHLEVEL);
        assertThat(refusals.find(props.pair(), "birdsend:" + hanBs)).isEmpty();
    }

    /**
     * The reliability drill through the admin API: HighLevel refuses every update (a fault in its simulator), so a
     * person's change is a dead letter about the contact, with the journal event's headers; replayed too early it is
     * refused again and the same letter is open again; the fault removed, a replay
     * hands the contact to the live sync, which sends the write it remembered as refused, once; the letter records the
     * replay as succeeded, and a second replay runs nothing.
     */
    @Test
    void aDeadLetterReplayedThroughTheApiAfterTheFaultIsGoneSyncsTheContact() throws Exception {
        String run = run();
        String hlId = highLevelContact("Ivy", run + "-ivy@example.com", "+13035550141");
        long bsId = sims.birdSend().seedContact(BirdSendNewContact.of(run + "-ivy@example.com", "Ivy", "Refused")
                .withField("phone", "+13035550141")).contactId();
        assertThat(contactSync.fromBirdSend(Long.toString(bsId), null).action()).isEqualTo(SyncOutcome.Action.LINKED);
        long deadLettersBefore = deadLetters.count();

        sims.highLevel().server().faults().configure(FaultConfig.builder().operations("update-contact")
                .errorRate(422, 1.0).build());
        DeadLetter letter;
        try {
            sims.birdSend().editContact(bsId, BirdSendContactEdit.change().field("first_name", "Ivana"));
            birdSendEvent(bsId);
            awaitJournalDrained();
            List<DeadLetter> letters = newDeadLetters(deadLettersBefore);
            assertThat(letters).hasSize(1);
            letter = letters.get(0);
            assertThat(letter.headers()).containsEntry(JournalHeaders.CONTACT_KEY, "birdsend:" + bsId)
                    .containsKey(JournalHeaders.EVENT_SOURCE);

            // Replayed while the fault is still there: handed over, refused again, and the same letter is open again.
            HttpResponse<String> tooEarly = adminPost("/api/dead-letters/" + letter.id() + "/replay");
            assertThat(JSON.readTree(tooEarly.body()).path("outcome").asText()).as(tooEarly.body()).isEqualTo("queued");
            await("the letter open again", () -> {
                DeadLetterEntry e = deadLetters.entry(letter.id()).orElseThrow();
                return e.state().equals(DeadLetterEntry.OPEN) && "failed".equals(e.lastReplayOutcome());
            });
            awaitJournalDrained();
            assertThat(deadLetters.count() - deadLettersBefore).as("open dead letters").isEqualTo(1);
        } finally {
            sims.highLevel().server().faults().configure(FaultConfig.NONE);
        }
        assertThat(hl().contact(hlId).orElseThrow().path("firstName").asText()).isEqualTo("Ivy");

        // The fault is gone; the sync remembers the write as refused, so only a replay sends it again.
        birdSendEvent(bsId);
        awaitJournalDrained();
        assertThat(hl().contact(hlId).orElseThrow().path("firstName").asText()).isEqualTo("Ivy");

        HttpResponse<String> replay = adminPost("/api/dead-letters/" + letter.id() + "/replay");
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(202);
        assertThat(JSON.readTree(replay.body()).path("outcome").asText()).isEqualTo("queued");
        await("HighLevel has Ivana", () -> "Ivana".equals(hl().contact(hlId).orElseThrow().path("firstName").asText()));
        await("the letter's replay recorded as done", () ->
                "succeeded".equals(deadLetters.entry(letter.id()).orElseThrow().lastReplayOutcome()));
        awaitJournalDrained();
        assertThat(deadLetters.count()).as("open dead letters").isEqualTo(deadLettersBefore);
        HttpResponse<String> second = adminPost("/api/dead-letters/" + letter.id() + "/replay");
        assertThat(JSON.readTree(second.body()).path("outcome").asText()).isEqualTo("already_replayed");
        assertThat(JSON.readTree(second.body()).path("recordedOutcome").asText()).isEqualTo("succeeded");
    }

    /**
     * The reliability suite's find, made deterministic: a first link's BirdSend write is made and its HighLevel write
     * refused, so the link holds its pending writes; a person then removes in HighLevel a tag the bridge had copied to
     * BirdSend. Retried after the fault (the dead letter replayed), the removal stands on both sides: the pair is not
     * taken for new, whose tags would be united and bring the tag back.
     */
    @Test
    void aTagRemovedAfterAHalfWrittenFirstLinkStaysRemovedWhenTheRestIsWritten() throws Exception {
        String email = run() + "-kim@example.com";
        String hlId = taggedHighLevelContact("Kim", email);
        long bsId = sims.birdSend().seedContact(BirdSendNewContact.of(email, "Kim", "Refused").withTags("bravo")).contactId();
        long deadLettersBefore = deadLetters.count();

        sims.highLevel().server().faults().configure(FaultConfig.builder().operations("add-tags").errorRate(422, 1.0).build());
        DeadLetter letter;
        try {
            birdSendEvent(bsId);
            awaitJournalDrained();
            List<DeadLetter> letters = newDeadLetters(deadLettersBefore);
            assertThat(letters).as("dead letters").hasSize(1);
            letter = letters.get(0);
        } finally {
            sims.highLevel().server().faults().configure(FaultConfig.NONE);
        }
        assertThat(birdSendTags(bsId)).as("BirdSend, written before HighLevel refused").containsExactly("alpha", "bravo", "xray");
        assertThat(highLevelTags(hlId)).containsExactly("alpha", "xray");
        assertThat(links.byBirdSend(props.pair(), Long.toString(bsId)).orElseThrow().settled()).as("link settled").isFalse();

        // Kim takes xray off in HighLevel (its webhook reaches the bridge too), then the dead letter is replayed.
        hl().editContactAsUser(hlId, SimJson.object().set("removeTags", JSON.createArrayNode().add("xray")));
        HttpResponse<String> replay = adminPost("/api/dead-letters/" + letter.id() + "/replay");
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(202);
        await("the letter's replay recorded as done", () ->
                "succeeded".equals(deadLetters.entry(letter.id()).orElseThrow().lastReplayOutcome()));
        awaitJournalDrained();

        assertThat(highLevelTags(hlId)).as("HighLevel").containsExactly("alpha", "bravo");
        assertThat(birdSendTags(bsId)).as("BirdSend").containsExactly("alpha", "bravo");
        ContactLink link = links.byBirdSend(props.pair(), Long.toString(bsId)).orElseThrow();
        assertThat(link.settled()).as("link settled").isTrue();
        assertThat(link.shadow().get("tags")).isEqualTo(List.of("alpha", "bravo"));
    }

    /**
     * A create whose answer is lost (BirdSend makes the contact, the bridge gives up waiting) leaves no link; the next
     * attempt finds the new contact by email. A tag removed meanwhile at the source stays removed: the attempt merges
     * against the create recorded before it, not as a new pair whose tags are united.
     */
    @Test
    void aTagRemovedAfterACreateWhoseAnswerWasLostStaysRemoved() throws Exception {
        String email = run() + "-lou@example.com";
        String hlId = taggedHighLevelContact("Lou", email);
        String bsId = createWithItsAnswerLost(hlId, email);

        // Lou takes xray off in HighLevel; its webhook is the next attempt.
        hl().editContactAsUser(hlId, SimJson.object().set("removeTags", JSON.createArrayNode().add("xray")));
        await("linked", () -> links.byHighLevel(props.pair(), hlId).map(ContactLink::settled).orElse(false));
        awaitJournalDrained();

        assertThat(highLevelTags(hlId)).as("HighLevel").containsExactly("alpha");
        assertThat(birdSendTags(Long.parseLong(bsId))).as("BirdSend").containsExactly("alpha");
        assertThat(links.pendingCreate(props.pair(), hlId, bsId)).as("the create accounted for").isEmpty();
    }

    /**
     * The same lost answer, and the tag taken off the contact the create made (in BirdSend, while the bridge was down,
     * say): it stays removed on both sides. The create carried the tag, so its absence is a person's removal.
     */
    @Test
    void aTagRemovedFromTheContactACreateMadeWhoseAnswerWasLostStaysRemoved() throws Exception {
        String email = run() + "-lee@example.com";
        String hlId = taggedHighLevelContact("Lee", email);
        String bsId = createWithItsAnswerLost(hlId, email);

        sims.birdSend().editContact(Long.parseLong(bsId), BirdSendContactEdit.change().removeTags("xray"));
        birdSendEvent(Long.parseLong(bsId));
        await("linked", () -> links.byBirdSend(props.pair(), bsId).map(ContactLink::settled).orElse(false));
        awaitJournalDrained();

        assertThat(birdSendTags(Long.parseLong(bsId))).as("BirdSend").containsExactly("alpha");
        assertThat(highLevelTags(hlId)).as("HighLevel").containsExactly("alpha");
        assertThat(links.pendingCreate(props.pair(), hlId, bsId)).as("the create accounted for").isEmpty();
    }

    /**
     * Syncs HighLevel contact {@code hlId} while every BirdSend create is made and then answered more slowly than the
     * bridge waits (2 s in tests): the contact exists, no link does, the create is recorded. Returns BirdSend's id.
     */
    private String createWithItsAnswerLost(String hlId, String email) throws InterruptedException {
        sims.birdSend().server().faults().configure(FaultConfig.builder().operations("create-contact")
                .slowDrip(1.0, 1 << 20, 3_000).build());
        try {
            assertThatThrownBy(() -> contactSync.fromHighLevel(hlId, null)).as("the create's answer lost");
        } finally {
            sims.birdSend().server().faults().configure(FaultConfig.NONE);
            // The timeouts opened BirdSend's circuit breaker: the first call it lets through again closes it.
            await("BirdSend's circuit closed", () -> {
                try {
                    return birdSendApi.findByEmail(props.birdsendConnection(), email).isPresent();
                } catch (RuntimeException e) {
                    return false;
                }
            });
        }
        String bsId = birdSendApi.findByEmail(props.birdsendConnection(), email).orElseThrow().path("contact_id").asText();
        assertThat(birdSendTags(Long.parseLong(bsId))).as("BirdSend, created").containsExactly("alpha", "xray");
        assertThat(links.byHighLevel(props.pair(), hlId)).as("link").isEmpty();
        assertThat(links.pendingCreate(props.pair(), hlId, bsId)).as("the create recorded").isPresent();
        return bsId;
    }

    /** A HighLevel contact tagged alpha and xray, added without events. */
    private String taggedHighLevelContact(String firstName, String email) {
        return hl().seedContacts(sims.highLevelLocationId(), List.of(SimJson.object().put("firstName", firstName)
                .put("lastName", "Refused").put("email", email).set("tags", JSON.createArrayNode().add("alpha").add("xray"))))
                .get(0).path("id").asText();
    }

    private List<String> highLevelTags(String hlId) {
        List<String> tags = new java.util.ArrayList<>();
        hl().contact(hlId).orElseThrow().path("tags").forEach(t -> tags.add(t.asText()));
        return tags.stream().sorted().toList();
    }

    @SuppressWarnings("unchecked")
    private List<String> birdSendTags(long bsId) {
        Object tags = contactSync.mapping().readBirdSend(birdSendContact(bsId)).get("tags");
        return tags == null ? List.of() : (List<String>) tags;
    }

    private HttpResponse<String> adminPost(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        ("admin:" + adminPassword).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    // --- helpers -----------------------------------------------------------------------------------

    private static String run() {
        return "refused-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private HighLevelState hl() {
        return sims.highLevel().state();
    }

    /** A HighLevel contact added without events (as pre-existing data): the sync hears nothing of it. */
    private String highLevelContact(String firstName, String email, String phone) {
        return hl().seedContacts(sims.highLevelLocationId(), List.of(SimJson.object().put("firstName", firstName)
                .put("lastName", "Refused").put("email", email).put("phone", phone))).get(0).path("id").asText();
    }

    private JsonNode birdSendContact(long bsId) {
        return birdSendApi.get(props.birdsendConnection(), Long.toString(bsId)).orElseThrow();
    }

    /** What the BirdSend poll journals when it finds the contact changed: the contact as BirdSend lists it. */
    private void birdSendEvent(long bsId) throws Exception {
        journal.append(JournalSources.BIRDSEND_POLL, "ContactChanged", "refused-test-" + UUID.randomUUID(),
                ContactKeys.birdSend(Long.toString(bsId)), JSON.writeValueAsString(birdSendContact(bsId)));
    }

    private long highLevelCalls(String operation, int status) {
        return sims.highLevel().server().calls().count(operation, status);
    }

    /** The dead letters stored since the count was {@code before}, newest first. */
    private List<DeadLetter> newDeadLetters(long before) {
        return deadLetters.list((int) (deadLetters.count() - before), 0);
    }

    private void awaitJournalDrained() throws InterruptedException {
        await("the journal drained", () -> journal.pendingTotal(Instant.now().minus(Duration.ofMinutes(1))) == 0);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        org.awaitility.Awaitility.await(what).atMost(SETTLE).pollInterval(Duration.ofMillis(50))
                .until(condition::getAsBoolean);
    }
}
