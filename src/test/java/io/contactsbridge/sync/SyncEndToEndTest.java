package io.contactsbridge.sync;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.journal.ContactKeys;
import io.contactsbridge.journal.JournalHeaders;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.mapping.Side;
import io.contactsbridge.outbound.DeadLetterStore;
import io.contactsbridge.sandbox.SandboxSimulators;
import io.contactsbridge.simulator.birdsend.BirdSendContactEdit;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import io.contactsbridge.simulator.highlevel.HighLevelWebhookPublisher;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.support.Waits;
import org.apache.camel.CamelContext;
import org.apache.camel.api.management.ManagedCamelContext;
import org.apache.camel.test.spring.junit5.DisableJmx;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The incremental two-way sync end to end, over real HTTP: people edit contacts in the simulated apps (the HighLevel
 * simulator then posts signed webhooks to the bridge, the BirdSend poller finds BirdSend's changes), and each change
 * must arrive on the other side with exactly the writes it needs and nothing coming back.
 *
 * <p>The sandbox's seeded contacts and the other tests' contacts live in the same simulators: every test works on
 * contacts it creates (unique emails) and counts writes as deltas.
 */
@CamelSpringBootTest
@DisableJmx(false) // Camel's management, as Hawtio reads it: the sync's steps have counts of their own
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS) // its pollers and sync stop with it
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        // A store of its own: the connections, links and journal consumers of other test contexts live in the
        // shared test database, and a sync running in a cached context would act on them (and vice versa).
        "spring.datasource.url=jdbc:h2:mem:sync-e2e" + SyncBenchmark.H2_OPTIONS,
})
@ActiveProfiles({"test", "sandbox"})
@TestPropertySource(locations = "classpath:live-sync-test.properties")
class SyncEndToEndTest {

    /** How long a change may take to reach the other side (webhook or poll, then the sync's calls). */
    private static final Duration ARRIVAL = Duration.ofSeconds(15);
    /** Long enough for an echo to come back: BirdSend quick scans every 300 ms, HighLevel polls every 500 ms. */
    private static final Duration NO_ECHO_WINDOW = Duration.ofMillis(1500);
    private static final String COLOUR_KEY = "contact.favourite_colour";
    private static final String RUN = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    SandboxSimulators sims;
    @Autowired
    Backfill backfill;
    @Autowired
    LinkStore links;
    @Autowired
    SyncProperties props;
    @Autowired
    SyncMetrics metrics;
    @Autowired
    JournalStore journal;
    @Autowired
    CamelContext camel;
    @Autowired
    DeadLetterStore deadLetters;
    @Autowired
    ContactSync contactSync;
    @LocalServerPort
    int port;

    /** A linked pair made by a test: the HighLevel id, the BirdSend id and the (lower-case) email. */
    record Pair(String hlId, long bsId, String email) {
    }

    @BeforeEach
    void backfillDoneAndJournalDrained() throws InterruptedException {
        Waits.until("backfill done", Duration.ofSeconds(60), () -> "done".equals(backfill.snapshot().state()));
        awaitJournalDrained();
    }

    // --- fields ----------------------------------------------------------------------------------

    @Test
    void aCustomFieldFlowsBothWays() throws InterruptedException {
        Pair p = newPair("Cora");
        String colourId = hl().customFieldId(sims.highLevelLocationId(), COLOUR_KEY);

        Writes writes = new Writes();
        sims.birdSend().editContact(p.bsId(), BirdSendContactEdit.change().field("favourite_colour", "Ultramarine"));
        Waits.until("HighLevel has BirdSend's colour", ARRIVAL, () -> "Ultramarine".equals(hlCustomValue(p, colourId)));
        writes.expect(0, 1);

        writes = new Writes();
        hl().editContactAsUser(p.hlId(), SimJson.object().set("customFields",
                SimJson.array().add(SimJson.object().put("id", colourId).put("field_value", "Green"))));
        Waits.until("BirdSend has HighLevel's colour", ARRIVAL, () -> "Green".equals(bs(p).field("favourite_colour")));
        writes.expect(1, 0);
        assertThat(hlCustomValue(p, colourId)).isEqualTo("Green");
    }

    /**
     * The sync's steps are route steps Hawtio draws and counts (it reads Camel's management): route
     * contact-reconcile holds them in order, and a change from one side passes every step and writes on the other.
     */
    @Test
    void theSyncsStepsAreRouteStepsWithTheirOwnCounts() throws InterruptedException {
        ManagedCamelContext managed = camel.getCamelContextExtension().getContextPlugin(ManagedCamelContext.class);
        assertThat(camel.getRoute("contact-reconcile").filter("sync-*").stream()
                .map(p -> ((org.apache.camel.spi.IdAware) p).getId()).filter(id -> !"sync-pass".equals(id)).toList())
                .containsExactlyElementsOf(ContactSync.STEPS.stream().map(ContactSync.Step::id).toList());
        Map<String, Long> before = new java.util.HashMap<>();
        for (ContactSync.Step step : ContactSync.STEPS) {
            before.put(step.id(), managed.getManagedProcessor(step.id()).getExchangesCompleted());
        }
        long reconciled = managed.getManagedRoute("contact-reconcile").getExchangesCompleted();

        Pair p = newPair("Stefa");
        sims.birdSend().editContact(p.bsId(), BirdSendContactEdit.change().field("first_name", "Stefania"));
        Waits.until("HighLevel has BirdSend's first name", ARRIVAL,
                () -> "Stefania".equals(hlContact(p).path("firstName").asText()));

        assertThat(managed.getManagedRoute("contact-reconcile").getExchangesCompleted()).isGreaterThan(reconciled);
        for (ContactSync.Step step : ContactSync.STEPS) {
            assertThat(managed.getManagedProcessor(step.id()).getExchangesCompleted()).as(step.id())
                    .isGreaterThan(before.get(step.id()));
        }
    }

    /** A route written for the earlier one-call sync ({@code method: apply}) still syncs, through the same steps. */
    @Test
    @SuppressWarnings("removal")
    void theDeprecatedOneCallSyncStillWorks() throws InterruptedException {
        Pair p = newPair("Oskar");
        sims.birdSend().editContact(p.bsId(), BirdSendContactEdit.change().field("first_name", "Oskarina"));
        JsonNode contact = JSON.createObjectNode().put("contact_id", p.bsId());
        Waits.until("HighLevel has BirdSend's first name", ARRIVAL, () -> "Oskarina".equals(hlContact(p).path("firstName").asText()));

        // The same event once more, by the old route step: both sides agree, so nothing is written, and the turn ends.
        Object outcome = camel.createProducerTemplate().send("bean:contactSync?method=apply", e -> {
            e.getMessage().setHeader(JournalHeaders.EVENT_SOURCE, JournalSources.BIRDSEND_POLL);
            e.getMessage().setHeader(JournalHeaders.EVENT_TYPE, "ContactChanged");
            e.getMessage().setHeader(JournalHeaders.CONTACT_KEY, "birdsend:" + p.bsId());
            e.getMessage().setBody(contact);
        }).getMessage().getBody();
        assertThat(outcome).isInstanceOf(SyncOutcome.class);
        assertThat(((SyncOutcome) outcome).action()).isEqualTo(SyncOutcome.Action.UNCHANGED);
        assertThat(contactSync.fromBirdSend(Long.toString(p.bsId()), null).action()).as("its turn was released")
                .isEqualTo(SyncOutcome.Action.UNCHANGED);
    }

    @Test
    void tagsAddedAndRemovedFlowBothWays() throws InterruptedException {
        Pair p = newPair("Tess", "e2e start");
        Waits.until("BirdSend has the first tag", ARRIVAL, () -> bsTags(p).equals(Set.of("e2e start")));

        Writes writes = new Writes();
        sims.birdSend().editContact(p.bsId(), BirdSendContactEdit.change().addTags("E2E Gold").removeTags("e2e start"));
        Waits.until("HighLevel has BirdSend's tags", ARRIVAL, () -> hlTags(p).equals(Set.of("e2e gold")));
        writes.expect(0, 1);

        writes = new Writes();
        hl().editContactAsUser(p.hlId(), SimJson.object()
                .<ObjectNode>set("addTags", SimJson.array().add("E2E Silver"))
                .set("removeTags", SimJson.array().add("e2e gold")));
        // HighLevel stores tags in lower case; BirdSend gets them so (its own "E2E Gold" is removed by name).
        Waits.until("BirdSend has HighLevel's tags", ARRIVAL, () -> bsTags(p).equals(Set.of("e2e silver")));
        writes.expect(1, 0);
        assertThat(hlTags(p)).containsExactly("e2e silver");
    }

    @Test
    void unsubscribeAndDoNotDisturbFlowBothWays() throws InterruptedException {
        Pair fromBirdSend = newPair("Una");
        Pair fromHighLevel = newPair("Dana");

        Writes writes = new Writes();
        sims.birdSend().unsubscribeContact(fromBirdSend.bsId());
        Waits.until("HighLevel has DND on", ARRIVAL, () -> hlContact(fromBirdSend).path("dnd").asBoolean(false));
        writes.expect(0, 1);

        writes = new Writes();
        hl().editContactAsUser(fromHighLevel.hlId(), SimJson.object().put("dnd", true));
        Waits.until("BirdSend has the contact unsubscribed", ARRIVAL, () -> bs(fromHighLevel).isUnsubscribed());
        writes.expect(1, 0);
    }

    @Test
    void aNationalBirdSendPhoneReachesHighLevelAsE164AndDoesNotComeBack() throws InterruptedException {
        Pair p = newPair("Phil");
        String[] phone = freePhone();

        Writes writes = new Writes();
        sims.birdSend().editContact(p.bsId(), BirdSendContactEdit.change().field("phone", phone[0]));
        Waits.until("HighLevel has the phone", ARRIVAL, () -> phone[1].equals(hlContact(p).path("phone").asText(null)));
        writes.expect(0, 1);
        // The national format is BirdSend's own way of writing the same number: left as the person typed it.
        assertThat(bs(p).field("phone")).isEqualTo(phone[0]);
    }

    // --- new contacts ----------------------------------------------------------------------------

    @Test
    void aNewHighLevelContactAppearsInBirdSendOnceAndLinked() throws InterruptedException {
        String email = uniqueEmail("hana");
        Writes writes = new Writes();
        String hlId = hl().createContactAsUser(sims.highLevelLocationId(), SimJson.object()
                .put("email", email).put("firstName", "Hana").put("lastName", "Newcombe")
                .set("tags", SimJson.array().add("E2E Signup"))).get("id").asText();

        ContactLink link = Waits.value("a link for the new HighLevel contact", ARRIVAL, () -> links.byHighLevel(props.pair(), hlId));
        List<BirdSendContactView> inBirdSend = sims.birdSend().findContactsByEmail(sims.birdSend().defaultAccountId(), email);
        assertThat(inBirdSend).hasSize(1);
        BirdSendContactView created = inBirdSend.get(0);
        assertThat(link.birdsendId()).isEqualTo(Long.toString(created.contactId()));
        assertThat(created.firstName()).isEqualTo("Hana");
        assertThat(created.lastName()).isEqualTo("Newcombe");
        assertThat(created.tagNames()).containsExactly("e2e signup");
        writes.expect(1, 0);
        // The mapping fills HighLevel's source for contacts the bridge creates there; this one a person created.
        assertThat(hl().contact(hlId).orElseThrow().path("source").asText(null))
                .as("source of a contact a person created in HighLevel").isNull();
        assertThat(sims.birdSend().findContactsByEmail(sims.birdSend().defaultAccountId(), email)).hasSize(1);
    }

    @Test
    void aNewBirdSendContactAppearsInHighLevelOnceAndLinked() throws InterruptedException {
        String email = uniqueEmail("bea");
        Writes writes = new Writes();
        long bsId = sims.birdSend().seedContact(BirdSendNewContact.of(email, "Bea", "Newland")
                .withField("company", "Newland Books").withTags("E2E Import")).contactId();

        ContactLink link = Waits.value("a link for the new BirdSend contact", ARRIVAL,
                () -> links.byBirdSend(props.pair(), Long.toString(bsId)));
        List<ObjectNode> inHighLevel = hl().contacts().stream()
                .filter(c -> email.equalsIgnoreCase(c.path("email").asText(""))).toList();
        assertThat(inHighLevel).hasSize(1);
        ObjectNode created = inHighLevel.get(0);
        assertThat(link.highlevelId()).isEqualTo(created.path("id").asText());
        assertThat(created.path("firstName").asText()).isEqualTo("Bea");
        assertThat(created.path("lastName").asText()).isEqualTo("Newland");
        assertThat(created.path("companyName").asText()).isEqualTo("Newland Books");
        assertThat(created.path("source").asText()).isEqualTo("BirdSend");
        assertThat(strings(created.path("tags"))).containsExactly("e2e import");
        writes.expect(0, 1);
        assertThat(hl().contacts().stream().filter(c -> email.equalsIgnoreCase(c.path("email").asText("")))).hasSize(1);
    }

    /**
     * Yara is in HighLevel and BirdSend with one email; Xavier, in BirdSend with another email, has Yara's phone.
     * HighLevel's duplicate search finds Yara for Xavier by phone, but she is someone else's partner: linking them
     * would write one email over the other (BirdSend refuses a taken email). Xavier's change is handled first
     * (with the sync route stopped, so the order is certain), then the route catches up with all three: Yara's two
     * contacts are linked and Xavier is left alone.
     */
    @Test
    void aBirdSendContactSharingOnlyAPhoneWithAnotherPersonIsNotMergedIntoThem() throws Exception {
        String[] phone = freePhone();
        String yara = uniqueEmail("yara");
        String xavier = uniqueEmail("xavier");
        long deadLettersBefore = deadLetters.count();
        long journalHead = journal.head();
        String hlId;
        long yaraBs;
        long xavierBs;
        camel.getRouteController().stopRoute("contact-sync");
        try {
            hl().seedContacts(sims.highLevelLocationId(), List.of(SimJson.object().put("firstName", "Yara")
                    .put("lastName", "Phoneshare").put("email", yara).put("phone", phone[1])));
            hlId = hlContactsWithEmail(yara).get(0).path("id").asText();
            yaraBs = sims.birdSend().seedContact(BirdSendNewContact.of(yara, "Yara", "Phoneshare")).contactId();
            xavierBs = sims.birdSend().seedContact(BirdSendNewContact.of(xavier, "Xavier", "Phoneshare")
                    .withField("phone", phone[0])).contactId();

            SyncOutcome first = contactSync.fromBirdSend(Long.toString(xavierBs), null);
            assertThat(first.action()).as(first.toString()).isEqualTo(SyncOutcome.Action.SKIPPED);
            assertThat(first.detail()).contains("shares its phone with HighLevel contact " + hlId)
                    .contains("BirdSend contact " + yaraBs);
        } finally {
            camel.getRouteController().startRoute("contact-sync");
        }

        ContactLink link = Waits.value("Yara's contacts linked", ARRIVAL, () -> links.byHighLevel(props.pair(), hlId));
        assertThat(link.birdsendId()).isEqualTo(Long.toString(yaraBs));
        awaitJournalEvent("the BirdSend poll's event for Xavier", journalHead, JournalSources.BIRDSEND_POLL,
                ContactKeys.birdSend(Long.toString(xavierBs)));
        awaitJournalDrained();

        assertThat(links.byBirdSend(props.pair(), Long.toString(xavierBs))).as("Xavier linked").isEmpty();
        assertThat(hl().contact(hlId).orElseThrow().path("email").asText()).isEqualToIgnoringCase(yara);
        assertThat(sims.birdSend().contact(xavierBs).orElseThrow().email()).isEqualToIgnoringCase(xavier);
        assertThat(sims.birdSend().contact(yaraBs).orElseThrow().email()).isEqualToIgnoringCase(yara);
        assertThat(hlContactsWithEmail(xavier)).as("Xavier in HighLevel").isEmpty();
        assertThat(deadLetters.count()).as("dead letters (a refused write)").isEqualTo(deadLettersBefore);
    }

    // --- conflicts and lost events ---------------------------------------------------------------

    @Test
    void concurrentEditsOfOneFieldConvergeOnTheLaterOne() throws Exception {
        Pair highLevelLast = newPair("Ada");
        Pair birdSendLast = newPair("Hedy");
        awaitJournalDrained();
        Writes writes = new Writes();
        camel.getRouteController().stopRoute("contact-sync");
        try {
            sims.birdSend().editContact(highLevelLast.bsId(), BirdSendContactEdit.change().field("first_name", "Augusta"));
            hl().editContactAsUser(birdSendLast.hlId(), SimJson.object().put("firstName", "Hedwig"));
            // BirdSend's updated_at has whole seconds: once its clock shows the next second, the later edit is later
            // on both clocks.
            long second = sims.birdSend().clock().now().getEpochSecond();
            Waits.until("BirdSend's clock in the next second", Duration.ofSeconds(3),
                    () -> sims.birdSend().clock().now().getEpochSecond() > second);
            hl().editContactAsUser(highLevelLast.hlId(), SimJson.object().put("firstName", "Grace"));
            sims.birdSend().editContact(birdSendLast.bsId(), BirdSendContactEdit.change().field("first_name", "Katherine"));
        } finally {
            camel.getRouteController().startRoute("contact-sync");
        }

        Waits.until("both sides have HighLevel's later edit", ARRIVAL, () -> "Grace".equals(bs(highLevelLast).firstName())
                && "Grace".equals(hlContact(highLevelLast).path("firstName").asText()));
        // BirdSend's later edit wins although HighLevel is the priority side: the times decide.
        Waits.until("both sides have BirdSend's later edit", ARRIVAL, () -> "Katherine".equals(bs(birdSendLast).firstName())
                && "Katherine".equals(hlContact(birdSendLast).path("firstName").asText()));
        writes.expect(1, 1);
        assertThat(links.byHighLevel(props.pair(), highLevelLast.hlId()).orElseThrow().shadow().get("firstName")).isEqualTo("Grace");
        assertThat(links.byHighLevel(props.pair(), birdSendLast.hlId()).orElseThrow().shadow().get("firstName")).isEqualTo("Katherine");
    }

    @Test
    void aHighLevelWebhookTheBridgeMissedIsRecoveredByThePoll() throws Exception {
        Pair p = newPair("Lena");
        awaitJournalDrained();
        HighLevelWebhookPublisher publisher = sims.highLevelWebhooks();
        Instant before = Instant.now();
        long journalHead = journal.head();
        Writes writes = new Writes();
        camel.getRouteController().stopRoute("highlevel-webhook-ingress");
        try {
            hl().editContactAsUser(p.hlId(), SimJson.object().put("lastName", "Lovelace"));
            HighLevelWebhookPublisher.Delivery missed = Waits.value("the webhook delivery to fail", ARRIVAL, () ->
                    publisher.deliveries("ContactUpdate").stream()
                            .filter(d -> d.orderingKey().equals("contact:" + p.hlId()) && !d.createdAt().isBefore(before)
                                    && d.state().isFinal())
                            .findFirst());
            // Anything but a 429 is final for HighLevel: the event is lost for good unless the poll finds the change.
            assertThat(missed.state()).isEqualTo(HighLevelWebhookPublisher.State.FAILED);
            assertThat(missed.status()).isNotEqualTo(429);
        } finally {
            camel.getRouteController().startRoute("highlevel-webhook-ingress");
        }

        Waits.until("BirdSend has the edit the webhook missed", ARRIVAL, () -> "Lovelace".equals(bs(p).lastName()));
        writes.expect(1, 0);
        String key = ContactKeys.highLevel(p.hlId());
        assertThat(journal.events(List.of(JournalSources.HIGHLEVEL_WEBHOOK), journalHead, 1000))
                .noneMatch(e -> key.equals(e.contactKey()));
        assertThat(journal.events(List.of(JournalSources.HIGHLEVEL_POLL), journalHead, 1000))
                .anyMatch(e -> key.equals(e.contactKey()));
    }

    // --- deletes ---------------------------------------------------------------------------------

    @Test
    void aContactDeletedInHighLevelIsUnlinkedAndKeptInBirdSend() throws InterruptedException {
        Pair p = newPair("Dora");
        awaitJournalDrained();
        Writes writes = new Writes();
        try {
            hl().deleteContactAsUser(p.hlId());
            // The link is kept, marked as unlinked: it remembers that the BirdSend contact is to be left alone.
            Waits.until("the link is marked unlinked", ARRIVAL, () -> links.byHighLevel(props.pair(), p.hlId())
                    .map(l -> l.unlinkedSide() == io.contactsbridge.mapping.Side.HIGHLEVEL).orElse(false));
            assertThat(links.byBirdSend(props.pair(), Long.toString(p.bsId()))).get()
                    .extracting(ContactLink::isLive).isEqualTo(false);

            // The BirdSend contact lives on and changes (or the poller sees it for the first time only now): the person
            // deleted in HighLevel must not come back there.
            long journalHead = journal.head();
            sims.birdSend().editContact(p.bsId(), BirdSendContactEdit.change().addTags("E2E After Delete"));
            awaitJournalEvent("the BirdSend poll's event for the kept contact", journalHead, JournalSources.BIRDSEND_POLL,
                    ContactKeys.birdSend(Long.toString(p.bsId())));
            awaitJournalDrained();
            writes.expect(0, 0);
            assertThat(hlContactsWithEmail(p.email())).as("HighLevel contacts with the deleted contact's email").isEmpty();
            assertThat(links.byBirdSend(props.pair(), Long.toString(p.bsId()))).get()
                    .extracting(ContactLink::isLive).isEqualTo(false);
            assertThat(sims.birdSend().contact(p.bsId())).isPresent();
        } finally {
            // Leave the simulators as other tests of this context expect them: the same people on both sides.
            hlContactsWithEmail(p.email()).forEach(c -> hl().deleteContactAsUser(c.path("id").asText()));
            sims.birdSend().deleteContact(p.bsId());
        }
    }

    // --- status ----------------------------------------------------------------------------------

    @Test
    void theStatusShowsLinksJournalPollersSandboxBackfillAndWrites() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/status"))
                .timeout(Duration.ofSeconds(10)).GET().build();
        JsonNode status = Waits.value("a status with both pollers' last polls", ARRIVAL, () -> {
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                JsonNode body = JSON.readTree(response.body());
                return body.path("capture").path("highlevel-poll").path("lastPoll").isTextual()
                        && body.path("capture").path("birdsend-poll").path("lastPoll").isTextual()
                        ? Optional.of(body) : Optional.empty();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        assertThat(status.path("links").asLong()).isEqualTo(links.count(props.pair())).isPositive();
        assertThat(status.path("journal").path("pending").isIntegralNumber()).isTrue();
        assertThat(status.path("deadLetters").isIntegralNumber()).isTrue();
        assertThat(Instant.parse(status.path("capture").path("highlevel-poll").path("lastPoll").asText())).isBefore(Instant.now());
        assertThat(status.path("capture").path("highlevel-poll").path("cursor").path("dateUpdated").isTextual()).isTrue();
        assertThat(Instant.parse(status.path("capture").path("birdsend-poll").path("lastPoll").asText())).isBefore(Instant.now());
        assertThat(status.path("sandbox").path("birdsend").path("contacts").asInt()).isPositive();
        assertThat(status.path("sandbox").path("highlevel").path("contacts").asInt()).isPositive();
        assertThat(status.path("backfill").path("state").asText()).isEqualTo("done");
        JsonNode writes = status.path("sync").path("writes");
        assertThat(writes.path("highlevel").isIntegralNumber()).isTrue();
        assertThat(writes.path("birdsend").isIntegralNumber()).isTrue();
        assertThat(writes.path("highlevel").asLong()).isBetween(0L, metrics.writes(Side.HIGHLEVEL));
        assertThat(writes.path("birdsend").asLong()).isBetween(0L, metrics.writes(Side.BIRDSEND));
    }

    // --- helpers ---------------------------------------------------------------------------------

    /** Writes the sync makes from now on, per side. */
    private final class Writes {
        private final long birdsendAtStart = metrics.writes(Side.BIRDSEND);
        private final long highlevelAtStart = metrics.writes(Side.HIGHLEVEL);

        long birdsend() {
            return metrics.writes(Side.BIRDSEND) - birdsendAtStart;
        }

        long highlevel() {
            return metrics.writes(Side.HIGHLEVEL) - highlevelAtStart;
        }

        /**
         * Waits until the writes made since the start are as expected and stay so for the time an echo would take to
         * come back (if it were going to), then checks them (for the message).
         */
        void expect(long toBirdSend, long toHighLevel) {
            try {
                Waits.holds(toBirdSend + " write(s) to BirdSend and " + toHighLevel + " to HighLevel, and no echo",
                        NO_ECHO_WINDOW, ARRIVAL, () -> birdsend() == toBirdSend && highlevel() == toHighLevel);
            } finally {
                check(toBirdSend, toHighLevel);
            }
        }

        void check(long toBirdSend, long toHighLevel) {
            assertThat(birdsend()).as("writes to BirdSend").isEqualTo(toBirdSend);
            assertThat(highlevel()).as("writes to HighLevel").isEqualTo(toHighLevel);
        }
    }

    private HighLevelState hl() {
        return sims.highLevel().state();
    }

    /**
     * A person in HighLevel creates a contact (with a source, so the bridge has nothing to fill in); the bridge creates
     * and links its BirdSend twin.
     */
    private Pair newPair(String firstName, String... tags) throws InterruptedException {
        String email = uniqueEmail(firstName);
        ObjectNode fields = SimJson.object().put("email", email).put("firstName", firstName).put("lastName", "Endtoend")
                .put("source", "end-to-end test");
        var tagArray = fields.putArray("tags");
        for (String tag : tags) {
            tagArray.add(tag);
        }
        String hlId = hl().createContactAsUser(sims.highLevelLocationId(), fields).get("id").asText();
        ContactLink link = Waits.value("a link for " + email, ARRIVAL, () -> links.byHighLevel(props.pair(), hlId));
        return new Pair(hlId, Long.parseLong(link.birdsendId()), email);
    }

    private static String uniqueEmail(String name) {
        return ("e2e." + name + "." + RUN + "." + SEQUENCE.incrementAndGet() + "@example.org").toLowerCase(Locale.ROOT);
    }

    private BirdSendContactView bs(Pair p) {
        return sims.birdSend().contact(p.bsId()).orElseThrow(() -> new AssertionError("BirdSend contact " + p.bsId() + " is gone"));
    }

    private Set<String> bsTags(Pair p) {
        Set<String> tags = new TreeSet<>();
        bs(p).tagNames().forEach(t -> tags.add(t.toLowerCase(Locale.ROOT)));
        return tags;
    }

    private ObjectNode hlContact(Pair p) {
        return hl().contact(p.hlId()).orElseThrow(() -> new AssertionError("HighLevel contact " + p.hlId() + " is gone"));
    }

    private Set<String> hlTags(Pair p) {
        return new TreeSet<>(strings(hlContact(p).path("tags")));
    }

    private String hlCustomValue(Pair p, String fieldId) {
        for (JsonNode field : hlContact(p).path("customFields")) {
            if (fieldId.equals(field.path("id").asText())) {
                return field.path("value").asText(null);
            }
        }
        return null;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(item -> out.add(item.asText()));
        return out;
    }

    /**
     * A US number neither simulator holds: {@code [national format, E.164]}. Taken numbers would make HighLevel's
     * duplicate rules match someone else.
     */
    private String[] freePhone() {
        Set<String> taken = new HashSet<>();
        hl().contacts().forEach(c -> taken.add(lastTenDigits(c.path("phone").asText(""))));
        sims.birdSend().contacts().forEach(c -> taken.add(lastTenDigits(String.valueOf(c.field("phone")))));
        for (int n = 199; n >= 100; n--) {
            String digits = "4155550" + n;
            if (!taken.contains(digits)) {
                return new String[] {"(415) 555-0" + n, "+1" + digits};
            }
        }
        throw new IllegalStateException("every (415) 555-01xx number is taken");
    }

    private static String lastTenDigits(String phone) {
        String digits = phone.replaceAll("\\D", "");
        return digits.length() > 10 ? digits.substring(digits.length() - 10) : digits;
    }

    private List<ObjectNode> hlContactsWithEmail(String email) {
        return hl().contacts().stream().filter(c -> email.equalsIgnoreCase(c.path("email").asText(""))).toList();
    }

    private void awaitJournalEvent(String what, long afterSeq, String source, String contactKey) throws InterruptedException {
        Waits.until(what, ARRIVAL, () -> journal.events(List.of(source), afterSeq, 1000).stream()
                .anyMatch(e -> contactKey.equals(e.contactKey())));
    }

    /** Waits until the sync has handled every event journaled so far. */
    private void awaitJournalDrained() throws InterruptedException {
        Waits.until("the journal drained", ARRIVAL, () -> journal.pendingTotal(Instant.now().minus(Duration.ofMinutes(1))) == 0);
    }


}
