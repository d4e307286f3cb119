package io.contactsbridge.automation;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.sandbox.SandboxSimulators;
import io.contactsbridge.simulator.birdsend.BirdSendContactStatus;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.sync.Backfill;
import io.contactsbridge.sync.ContactLink;
import io.contactsbridge.sync.LinkStore;
import io.contactsbridge.sync.SyncProperties;
import io.contactsbridge.support.Waits;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped automations end to end, over real HTTP: a person books an appointment or completes a task in the
 * simulated HighLevel, the simulator posts the signed webhook, and the automation's effect shows in the simulators
 * exactly once, also after every event is delivered to the automation again (its journal position dropped, as a
 * replay or a restart before the commit would) and after the route is stopped and started.
 */
@CamelSpringBootTest
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        // A store of its own: the links and journal consumers of other test contexts live in the shared test database.
        "spring.datasource.url=jdbc:h2:mem:automation-e2e;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;"
                + "DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE",
})
@ActiveProfiles({"test", "sandbox"})
@TestPropertySource(locations = "classpath:live-sync-test.properties", properties = "bridge.admin.password=test-admin-password")
@AutoConfigureObservability(tracing = false) // Spring Boot's tests leave the Prometheus registry out unless asked
class AutomationEndToEndTest {

    private static final Duration ARRIVAL = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @org.springframework.boot.test.web.server.LocalServerPort
    int port;
    @Autowired
    SandboxSimulators sims;
    @Autowired
    Backfill backfill;
    @Autowired
    LinkStore links;
    @Autowired
    SyncProperties syncProps;
    @Autowired
    JournalStore journal;
    @Autowired
    CamelContext camel;
    @Autowired
    AutomationEffectStore effects;
    @Autowired
    io.contactsbridge.reports.ReportCounters reports;
    @Autowired
    org.springframework.jdbc.core.JdbcTemplate jdbc;

    private static final Set<String> USED = new TreeSet<>();

    @BeforeEach
    void backfillDone() {
        Waits.until("backfill done", Duration.ofSeconds(60), () -> "done".equals(backfill.snapshot().state()));
    }

    @Test
    void anAppointmentBookedTagsTheBirdSendContactOnceAndItsDeletionRemovesTheTag() throws Exception {
        ContactLink link = aLinkedPerson();
        JsonNode appointment = hlAdmin("POST", "/__admin/contacts/" + link.highlevelId() + "/appointments",
                "{\"title\":\"Intro call\",\"calendarId\":\"cal-e2e\",\"startTime\":\"2026-12-10T10:00:00Z\","
                        + "\"endTime\":\"2026-12-10T10:30:00Z\"}");
        Waits.until("BirdSend contact tagged booked-call", ARRIVAL, () -> bsTags(link).contains("booked-call"));
        Waits.until("the effect recorded", ARRIVAL, () -> effects.doneCount("automation-booked-call") >= 1);
        assertThat(bsRequests("add-contact-tags", link, "booked-call")).as("tag calls").isEqualTo(1);

        redeliverEverything("automation-booked-call");
        assertThat(bsRequests("add-contact-tags", link, "booked-call")).as("tag calls after the replay").isEqualTo(1);

        String appointmentId = appointment.path("id").asText(appointment.path("appointment").path("id").asText());
        hlAdmin("DELETE", "/__admin/contacts/" + link.highlevelId() + "/appointments/" + appointmentId, null);
        Waits.until("booked-call removed", ARRIVAL, () -> !bsTags(link).contains("booked-call"));
        assertThat(bsRequests("remove-contact-tag", link, null)).as("untag calls").isEqualTo(1);

        redeliverEverything("automation-booked-call");
        assertThat(bsTags(link)).as("the replayed AppointmentCreate does not tag again").doesNotContain("booked-call");
        assertThat(bsRequests("add-contact-tags", link, "booked-call")).as("tag calls after both replays").isEqualTo(1);
        assertThat(bsRequests("remove-contact-tag", link, null)).as("untag calls after the replay").isEqualTo(1);
    }

    @Test
    void anAppointmentCancelledRemovesTheTagAndOtherUpdatesDoNothing() throws Exception {
        ContactLink link = aLinkedPerson();
        JsonNode appointment = hlAdmin("POST", "/__admin/contacts/" + link.highlevelId() + "/appointments",
                "{\"title\":\"Demo\",\"appointmentStatus\":\"confirmed\",\"startTime\":\"2026-12-11T10:00:00Z\","
                        + "\"endTime\":\"2026-12-11T10:30:00Z\"}");
        String path = "/__admin/contacts/" + link.highlevelId() + "/appointments/"
                + appointment.path("id").asText(appointment.path("appointment").path("id").asText());
        Waits.until("BirdSend contact tagged booked-call", ARRIVAL, () -> bsTags(link).contains("booked-call"));

        long journalHead = journal.head();
        hlAdmin("PUT", path, "{\"title\":\"Demo (moved)\"}");
        Waits.until("the update journaled", ARRIVAL, () -> journal.head() > journalHead);
        Waits.until("automation-booked-call caught up", ARRIVAL, () -> !journal.behind("automation-booked-call"));
        assertThat(bsTags(link)).as("a moved appointment keeps the tag").contains("booked-call");

        hlAdmin("PUT", path, "{\"appointmentStatus\":\"cancelled\"}");
        Waits.until("booked-call removed", ARRIVAL, () -> !bsTags(link).contains("booked-call"));
        redeliverEverything("automation-booked-call");
        assertThat(bsTags(link)).as("after the replay").doesNotContain("booked-call");
        assertThat(bsRequests("add-contact-tags", link, "booked-call")).as("tag calls").isEqualTo(1);
        assertThat(bsRequests("remove-contact-tag", link, null)).as("untag calls").isEqualTo(1);
    }

    @Test
    void aTaskCompletedTagsTheBirdSendContactAndAddsOneHighLevelNote() throws Exception {
        ContactLink link = aLinkedPerson();
        JsonNode created = hlApi("POST", "/contacts/" + link.highlevelId() + "/tasks",
                "{\"title\":\"Send the quote\",\"body\":\"by Friday\",\"dueDate\":\"2026-12-11T10:00:00Z\",\"completed\":false}");
        String taskId = created.path("task").path("id").asText(created.path("id").asText());
        hlAdmin("POST", "/__admin/contacts/" + link.highlevelId() + "/tasks/" + taskId + "/complete", null);

        Waits.until("BirdSend contact tagged task-done", ARRIVAL, () -> bsTags(link).contains("task-done"));
        Waits.until("one note added", ARRIVAL, () -> notes(link, "Task completed: Send the quote") == 1);
        Waits.until("both effects recorded", ARRIVAL, () -> effects.doneCount("automation-task-done") >= 2);

        redeliverEverything("automation-task-done");
        assertThat(notes(link, "Task completed: Send the quote")).as("notes after the replay").isEqualTo(1);
        assertThat(bsRequests("add-contact-tags", link, "task-done")).as("tag calls after the replay").isEqualTo(1);
        // The reports count a firing per effect done, the replay's skipped effects not again.
        reports.flush();
        Long fired = jdbc.queryForObject("SELECT COALESCE(SUM(n), 0) FROM report_bucket WHERE metric = ? AND dimension = ?",
                Long.class, io.contactsbridge.reports.ReportCounters.AUTOMATION_FIRED, "automation-task-done");
        assertThat(fired).as("automation-task-done firings in the reports").isEqualTo(effects.doneCount("automation-task-done"));
    }

    @Test
    void aBirdSendUnsubscribeAddsOneHighLevelNoteAndOneFollowUpTask() throws Exception {
        // Someone subscribed: unsubscribing a person who already is changes nothing, so no event and no note.
        ContactLink link = aLinkedPerson(c -> c.status() == BirdSendContactStatus.ACTIVE);
        sims.birdSend().unsubscribeContact(Long.parseLong(link.birdsendId()));

        Waits.until("one note added", ARRIVAL, () -> count(link, "notes", "body", "Unsubscribed from BirdSend emails") == 1);
        Waits.until("one follow-up task added", ARRIVAL, () -> followUpTasks(link) == 1);
        Waits.until("the note recorded", ARRIVAL, () -> effects.doneCount("automation-unsubscribe-follow-up") >= 1);
        // The sync turns the unsubscribe into email DND in HighLevel, whose webhook reaches the DND automation too:
        // the follow-up is shared, so the person still gets one task.
        Waits.until("the DND automation has read its events", ARRIVAL, () -> !journal.behind("automation-dnd-email-follow-up"));

        redeliverEverything("automation-unsubscribe-follow-up");
        redeliverEverything("automation-dnd-email-follow-up");
        assertThat(count(link, "notes", "body", "Unsubscribed from BirdSend emails")).as("notes after the replay").isEqualTo(1);
        assertThat(followUpTasks(link)).as("follow-up tasks after the replays").isEqualTo(1);
    }

    /** Follow-up tasks of either automation that asks for one when a person stops getting emails. */
    private long followUpTasks(ContactLink link) {
        return count(link, "tasks", "title", "unsubscribed from emails") + count(link, "tasks", "title", "turned off emails (DND)");
    }

    /**
     * Prometheus (issue 14): {@code /actuator/prometheus}, behind the admin's login, serves every metric the Grafana
     * dashboard in {@code k8s/} queries, each tagged with the connection pair. An automation fires first, so that its
     * counter exists (counters appear with their first count).
     */
    @Test
    void prometheusServesEveryMetricTheGrafanaDashboardQueriesTaggedByPair() throws Exception {
        emailDndSwitchedOnGivesAFollowUpTask();

        HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).as("without the login").isEqualTo(401);
        HttpResponse<String> scrape = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                        + "/actuator/prometheus")).header("Authorization", "Basic " + java.util.Base64.getEncoder()
                        .encodeToString("admin:test-admin-password".getBytes(java.nio.charset.StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        Set<String> served = new TreeSet<>();
        List<String> untagged = new ArrayList<>();
        for (String line : scrape.body().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = line.indexOf('{') > 0 ? line.indexOf('{') : line.indexOf(' ');
            String name = line.substring(0, end);
            served.add(name);
            if (!line.contains("pair=\"default\"")) {
                untagged.add(name);
            }
        }
        assertThat(untagged).as("series without the pair tag").isEmpty();

        JsonNode dashboard = JSON.readTree(java.nio.file.Path.of("k8s", "grafana-dashboard.json").toFile());
        Set<String> queried = new TreeSet<>();
        java.util.regex.Pattern metric = java.util.regex.Pattern.compile("\\b((?:bridge|camel|resilience4j)_[a-z0-9_]+)\\b");
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                java.util.regex.Matcher m = metric.matcher(target.path("expr").asText());
                while (m.find()) {
                    queried.add(m.group(1));
                }
            }
        }
        assertThat(queried).as("metrics the dashboard queries").hasSizeGreaterThan(15);
        assertThat(served).as("metrics served (of " + served.size() + ")").containsAll(queried);
    }

    @Test
    void emailDndSwitchedOnInHighLevelCreatesOneFollowUpTask() throws Exception {
        ContactLink link = emailDndSwitchedOnGivesAFollowUpTask();
        redeliverEverything("automation-dnd-email-follow-up");
        assertThat(followUpTasks(link)).as("follow-up tasks after the replay").isEqualTo(1);
    }

    /** A linked person switches email DND on in HighLevel; waits for the one follow-up task the automation adds. */
    private ContactLink emailDndSwitchedOnGivesAFollowUpTask() throws Exception {
        ContactLink link = aLinkedPerson(c -> c.status() == BirdSendContactStatus.ACTIVE);
        hlAdmin("POST", "/__admin/contacts/" + link.highlevelId() + "/edit",
                "{\"dndSettings\":{\"Email\":{\"status\":\"active\",\"message\":\"\",\"code\":\"\"}}}");
        Waits.until("one task added", ARRIVAL, () -> count(link, "tasks", "title", "turned off emails (DND)") == 1);
        return link;
    }

    @Test
    void aCustomerTagSubscribesTheBirdSendContactToTheSequenceOncePerContact() throws Exception {
        long welcome = sims.birdSend().sequences(sims.birdSend().defaultAccountId()).stream()
                .filter(s -> s.name().equals("Welcome Series")).findFirst().orElseThrow().sequenceId();
        // Not tagged customer in HighLevel already (the seeding tags some so): adding the tag would change nothing.
        ContactLink link = aLinkedPersonWhere(l -> bs(l).status() == BirdSendContactStatus.ACTIVE
                && !bs(l).sequenceIds().contains(welcome) && !hlTags(l).contains("customer"));
        hlAdmin("POST", "/__admin/contacts/" + link.highlevelId() + "/edit", "{\"addTags\":[\"Customer\"]}");
        Waits.until("subscribed to the Welcome Series", ARRIVAL, () -> bs(link).sequenceIds().contains(welcome));
        assertThat(bsRequests("subscribe-contact", link, null)).as("subscribe calls").isEqualTo(1);

        // A later tag change that still shows the tag is no new reason to subscribe.
        long journalHead = journal.head();
        hlAdmin("POST", "/__admin/contacts/" + link.highlevelId() + "/edit", "{\"addTags\":[\"e2e later\"]}");
        Waits.until("the later webhook journaled", ARRIVAL, () -> journal.head() > journalHead);
        redeliverEverything("automation-customer-sequence");
        assertThat(bsRequests("subscribe-contact", link, null)).as("subscribe calls after a later event and a replay")
                .isEqualTo(1);
    }

    /**
     * A permanent fault (HighLevel refuses every note) leaves the task-done automation's note as a dead letter under
     * the automation's route; the tag, done before the note failed, is not repeated by the replay. Replayed while the
     * fault is there it fails again and stays open; after the fault is removed it adds the one note, and a second
     * replay runs nothing.
     */
    @Test
    void anAutomationThatFailsForGoodLeavesADeadLetterThatAReplayFinishesOnce() throws Exception {
        ContactLink link = aLinkedPerson();
        hlAdmin("PUT", "/__admin/faults", "{\"operations\":[\"create-note\"],\"errorRates\":{\"422\":1.0}}");
        long letter;
        try {
            JsonNode created = hlApi("POST", "/contacts/" + link.highlevelId() + "/tasks",
                    "{\"title\":\"Call back\",\"body\":\"about the invoice\",\"dueDate\":\"2026-12-11T10:00:00Z\",\"completed\":false}");
            String taskId = created.path("task").path("id").asText(created.path("id").asText());
            hlAdmin("POST", "/__admin/contacts/" + link.highlevelId() + "/tasks/" + taskId + "/complete", null);
            Waits.until("a dead letter of automation-task-done", ARRIVAL,
                    () -> admin("GET", "/api/dead-letters?route=automation-task-done", null).path("deadLetters").size() == 1);
            JsonNode listed = admin("GET", "/api/dead-letters?route=automation-task-done", null).path("deadLetters").get(0);
            letter = listed.path("id").asLong();
            assertThat(listed.path("errorMessage").asText()).contains("422");
            assertThat(listed.path("operation").asText()).isEqualTo("create-note");
            JsonNode shown = admin("GET", "/api/dead-letters/" + letter, null);
            assertThat(shown.path("payload").asText()).as("the event, not the note's request").contains("\"title\":\"Call back\"");
            assertThat(shown.path("headers").path("BridgeEventType").asText()).isEqualTo("TaskComplete");
            assertThat(bsTags(link)).as("the tag, done before the note failed").contains("task-done");
            assertThat(notes(link, "Task completed: Call back")).isZero();

            JsonNode again = admin("POST", "/api/dead-letters/" + letter + "/replay", "");
            assertThat(again.path("outcome").asText()).as(again.toString()).isEqualTo("failed");
            assertThat(admin("GET", "/api/dead-letters/" + letter, null).path("state").asText()).isEqualTo("open");
            assertThat(admin("GET", "/api/dead-letters?route=automation-task-done", null).path("deadLetters"))
                    .as("no second letter for the failed replay").hasSize(1);
        } finally {
            hlAdmin("DELETE", "/__admin/faults", null);
        }
        JsonNode replayed = admin("POST", "/api/dead-letters/" + letter + "/replay", "");
        assertThat(replayed.path("outcome").asText()).as(replayed.toString()).isEqualTo("succeeded");
        assertThat(notes(link, "Task completed: Call back")).as("the note, once, among %s",
                hlApi("GET", "/contacts/" + link.highlevelId() + "/notes", null)).isEqualTo(1);
        assertThat(bsRequests("add-contact-tags", link, "task-done")).as("tag calls: the replay did not tag again").isEqualTo(1);

        JsonNode second = admin("POST", "/api/dead-letters/" + letter + "/replay", "");
        assertThat(second.path("outcome").asText()).isEqualTo("already_replayed");
        redeliverEverything("automation-task-done");
        assertThat(notes(link, "Task completed: Call back")).as("notes after a replay and a redelivery").isEqualTo(1);
    }

    // --- activity notes: BirdSend events as notes on the HighLevel contact --------------------------------

    /** The shipped templates' time: when the bridge took the event in. */
    private static final String TIME = "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC";

    @Test
    void aNewBirdSendSubscriberGetsOneActivityNoteOnItsNewHighLevelContact() throws Exception {
        JsonNode created = send("POST", sims.birdSend().baseUrl() + "/__admin/contacts",
                "{\"email\":\"activity.e2e+new@example.com\",\"fields\":{\"first_name\":\"Zoë\",\"last_name\":\"D'Arcy\"}}", null);
        String bsId = created.path("contact_id").asText();
        Waits.until("the new subscriber linked", ARRIVAL, () -> links.byBirdSend(syncProps.pair(), bsId).isPresent());
        String hlId = links.byBirdSend(syncProps.pair(), bsId).orElseThrow().highlevelId();
        String expected = "BirdSend: Zoë D'Arcy \\(activity\\.e2e\\+new@example\\.com\\) subscribed to emails\\. " + TIME;
        Waits.until("one subscribed note", ARRIVAL, () -> notesMatching(hlId, expected) == 1);

        redeliverEverything("automation-activity-notes");
        assertThat(notesMatching(hlId, expected)).as("subscribed notes after the replay").isEqualTo(1);

        // A contact made in HighLevel: the sync creates its BirdSend copy, which the poll finds as new. Nobody subscribed
        // in BirdSend, so no note.
        JsonNode madeInHighLevel = hlApi("POST", "/contacts/", "{\"locationId\":\"" + sims.highLevelLocationId()
                + "\",\"email\":\"activity.e2e+fromhl@example.com\",\"firstName\":\"Hélène\"}");
        String hlMade = madeInHighLevel.path("contact").path("id").asText();
        Waits.until("linked to its BirdSend copy", ARRIVAL, () -> links.byHighLevel(syncProps.pair(), hlMade).isPresent());
        String bsCopy = links.byHighLevel(syncProps.pair(), hlMade).orElseThrow().birdsendId();
        Waits.until("the poll found the copy", ARRIVAL, () -> journal.events(List.of("birdsend-poll"), 0, 1_000_000).stream()
                .anyMatch(e -> e.contactKey().equals("birdsend:" + bsCopy) && e.eventType().equals("ContactCreated")));
        Waits.until("activity notes caught up", ARRIVAL, () -> !journal.behind("automation-activity-notes"));
        assertThat(notesMatching(hlMade, "BirdSend: .*")).as("notes on a contact made in HighLevel").isZero();
    }

    @Test
    void birdSendTagsAddedAndRemovedGiveOneActivityNoteEach() throws Exception {
        ContactLink link = aLinkedPerson(c -> !c.tagNames().isEmpty());
        String removed = bs(link).tagNames().get(0);
        send("POST", sims.birdSend().baseUrl() + "/__admin/contacts/" + link.birdsendId() + "/edit",
                "{\"add_tags\":[\"e2e VIP, gold\",\"e2e-näher\"],\"remove_tags\":[" + JSON.writeValueAsString(removed) + "]}", null);

        String added = "BirdSend tags added: (e2e VIP, gold, e2e-näher|e2e-näher, e2e VIP, gold)\\. " + TIME;
        String gone = "BirdSend tags removed: " + java.util.regex.Pattern.quote(removed) + "\\. " + TIME;
        Waits.until("one tags-added note", ARRIVAL, () -> notesMatching(link.highlevelId(), added) == 1);
        Waits.until("one tags-removed note", ARRIVAL, () -> notesMatching(link.highlevelId(), gone) == 1);

        redeliverEverything("automation-activity-notes");
        assertThat(notesMatching(link.highlevelId(), added)).as("tags-added notes after the replay").isEqualTo(1);
        assertThat(notesMatching(link.highlevelId(), gone)).as("tags-removed notes after the replay").isEqualTo(1);
    }

    @Test
    void aBirdSendUnsubscribeGivesOneActivityNote() throws Exception {
        ContactLink link = aLinkedPerson(c -> c.status() == BirdSendContactStatus.ACTIVE);
        sims.birdSend().unsubscribeContact(Long.parseLong(link.birdsendId()));
        String expected = "BirdSend: " + java.util.regex.Pattern.quote(displayName(bs(link))) + " \\("
                + java.util.regex.Pattern.quote(bs(link).email()) + "\\) unsubscribed from emails\\. " + TIME;
        Waits.until("one unsubscribed note", ARRIVAL, () -> notesMatching(link.highlevelId(), expected) == 1);

        redeliverEverything("automation-activity-notes");
        assertThat(notesMatching(link.highlevelId(), expected)).as("unsubscribed notes after the replay").isEqualTo(1);
    }

    @Test
    void anUnsubscribedContactJoiningASequenceGivesOneSubscribedAndOneSequenceNote() throws Exception {
        long onboarding = sims.birdSend().sequences(sims.birdSend().defaultAccountId()).stream()
                .filter(s -> s.name().startsWith("Onboarding")).findFirst().orElseThrow().sequenceId();
        ContactLink link;
        try {
            link = aLinkedPerson(c -> c.status() == BirdSendContactStatus.UNSUBSCRIBED && !c.sequenceIds().contains(onboarding));
        } catch (java.util.NoSuchElementException noneSeeded) {
            // The seeding linked nobody unsubscribed: someone unsubscribes first, and the poll sees it.
            link = aLinkedPerson(c -> c.status() == BirdSendContactStatus.ACTIVE && !c.sequenceIds().contains(onboarding));
            String hlId = link.highlevelId();
            sims.birdSend().unsubscribeContact(Long.parseLong(link.birdsendId()));
            Waits.until("the unsubscribe noted", ARRIVAL,
                    () -> notesMatching(hlId, "BirdSend: .* unsubscribed from emails\\. " + TIME) == 1);
        }
        // As a BirdSend form would: subscribed again, to the sequence (one change, two events).
        send("POST", sims.birdSend().baseUrl() + "/__admin/contacts/" + link.birdsendId() + "/subscribe",
                "{\"sequence_id\":" + onboarding + "}", null);

        String joined = "BirdSend: joined the sequence Onboarding – Trial Users\\. " + TIME;
        String subscribed = "BirdSend: .* subscribed to emails\\. " + TIME;
        String hlId = link.highlevelId();
        Waits.until("one sequence note", ARRIVAL, () -> notesMatching(hlId, joined) == 1);
        Waits.until("one subscribed note", ARRIVAL, () -> notesMatching(hlId, subscribed) == 1);

        redeliverEverything("automation-activity-notes");
        assertThat(notesMatching(hlId, joined)).as("sequence notes after the replay").isEqualTo(1);
        assertThat(notesMatching(hlId, subscribed)).as("subscribed notes after the replay").isEqualTo(1);
        assertThat(effects.doneCount("automation-activity-notes")).as("notes recorded").isGreaterThanOrEqualTo(2);
    }

    /** What $[name] gives for a BirdSend contact: first and last name, else the email. */
    private static String displayName(BirdSendContactView c) {
        String name = ((c.firstName() == null ? "" : c.firstName().trim()) + " " + (c.lastName() == null ? "" : c.lastName().trim())).trim();
        return name.isEmpty() ? c.email() : name;
    }

    /** The HighLevel contact's notes whose whole body matches the regular expression. */
    private long notesMatching(String highLevelId, String regex) {
        try {
            java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(regex);
            long n = 0;
            for (JsonNode note : hlApi("GET", "/contacts/" + highLevelId + "/notes", null).path("notes")) {
                if (pattern.matcher(note.path("body").asText()).matches()) {
                    n++;
                }
            }
            return n;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------

    /**
     * Drops the automation's journal position and restarts its route: every event still in the journal is delivered
     * again, as after a crash before the commit, a replay or a new replica's start. Waits until it has caught up.
     */
    private void redeliverEverything(String routeId) throws Exception {
        Waits.until(routeId + " caught up", ARRIVAL, () -> !journal.behind(routeId));
        // The journal consumer runs in the trigger Kamelet's route: restarted with it, it registers again at once (a
        // consumer left running would re-create its deleted position only at its next heartbeat, a third of a lease).
        String trigger = routeId + "-source";
        camel.getRouteController().stopRoute(routeId);
        camel.getRouteController().stopRoute(trigger);
        assertThat(journal.deleteConsumer(routeId)).as("the consumer's position dropped").isTrue();
        // The events before the drop are delivered again: without the dedupe their effects would repeat.
        NotifyBuilder redelivered = new NotifyBuilder(camel).fromRoute(routeId).whenDone(1).create();
        camel.getRouteController().startRoute(routeId);
        camel.getRouteController().startRoute(trigger);
        assertThat(redelivered.matches(ARRIVAL.toMillis(), TimeUnit.MILLISECONDS)).as("events delivered again").isTrue();
        Waits.until(routeId + " caught up again", ARRIVAL, () -> !journal.behind(routeId));
    }

    private ContactLink aLinkedPerson() {
        return aLinkedPerson(c -> true);
    }

    /** A person the backfill linked, not used by another test of this class, whose BirdSend contact is so. */
    private synchronized ContactLink aLinkedPerson(java.util.function.Predicate<BirdSendContactView> birdSendContact) {
        return aLinkedPersonWhere(l -> birdSendContact.test(bs(l)));
    }

    /** A person the backfill linked, not used by another test of this class, whose link is so. */
    private synchronized ContactLink aLinkedPersonWhere(java.util.function.Predicate<ContactLink> wanted) {
        ContactLink link = links.all(syncProps.pair()).values().stream()
                .filter(ContactLink::isLive).filter(l -> !USED.contains(l.highlevelId()))
                .filter(wanted).findFirst().orElseThrow();
        USED.add(link.highlevelId());
        return link;
    }

    /** The HighLevel contact's tags, in lower case. */
    private Set<String> hlTags(ContactLink link) {
        try {
            Set<String> tags = new TreeSet<>();
            hlApi("GET", "/contacts/" + link.highlevelId(), null).path("contact").path("tags")
                    .forEach(t -> tags.add(t.asText().toLowerCase()));
            return tags;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private BirdSendContactView bs(ContactLink link) {
        return sims.birdSend().contact(Long.parseLong(link.birdsendId())).orElseThrow();
    }

    private Set<String> bsTags(ContactLink link) {
        Set<String> tags = new TreeSet<>();
        sims.birdSend().contact(Long.parseLong(link.birdsendId())).orElseThrow().tagNames().forEach(t -> tags.add(t.toLowerCase()));
        return tags;
    }

    /** BirdSend requests of an operation on the contact (whose body names {@code bodyHas}, when given). */
    private long bsRequests(String operation, ContactLink link, String bodyHas) throws Exception {
        JsonNode requests = get(sims.birdSend().baseUrl() + "/__admin/requests?operation=" + operation, null).path("requests");
        List<JsonNode> hits = new ArrayList<>();
        for (JsonNode r : requests) {
            if (r.path("path").asText().contains("/contacts/" + link.birdsendId() + "/")
                    && (bodyHas == null || r.toString().contains(bodyHas))) {
                hits.add(r);
            }
        }
        return hits.size();
    }

    /** The HighLevel contact's notes or tasks whose field contains the text. */
    private long count(ContactLink link, String what, String field, String text) {
        try {
            long n = 0;
            for (JsonNode item : hlApi("GET", "/contacts/" + link.highlevelId() + "/" + what, null).path(what)) {
                if (item.path(field).asText().contains(text)) {
                    n++;
                }
            }
            return n;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private long notes(ContactLink link, String text) {
        try {
            JsonNode notes = hlApi("GET", "/contacts/" + link.highlevelId() + "/notes", null).path("notes");
            long n = 0;
            for (JsonNode note : notes) {
                if (text.equals(note.path("body").asText())) {
                    n++;
                }
            }
            return n;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bridge's admin API with the test admin's Basic credentials. */
    private JsonNode admin(String method, String path, String body) {
        try {
            return send(method, "http://localhost:" + port + path, body, "Basic " + java.util.Base64.getEncoder()
                    .encodeToString("admin:test-admin-password".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode hlApi(String method, String path, String body) throws Exception {
        return send(method, sims.highLevel().baseUrl() + path, body, "Bearer " + sims.highLevelToken());
    }

    private JsonNode hlAdmin(String method, String path, String body) throws Exception {
        return send(method, sims.highLevel().baseUrl() + path, body, null);
    }

    private JsonNode get(String url, String auth) throws Exception {
        return send("GET", url, null, auth);
    }

    private JsonNode send(String method, String url, String body, String auth) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).header("Version", "2021-07-28")
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            req.header("Authorization", auth);
        }
        HttpResponse<String> res = HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(method + " " + url + ": " + res.body()).isLessThan(300);
        return res.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(res.body());
    }
}
