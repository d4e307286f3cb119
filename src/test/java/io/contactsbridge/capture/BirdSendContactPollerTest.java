package io.contactsbridge.capture;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.journal.ContactKeys;
import io.contactsbridge.journal.JournalEvent;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.simulator.birdsend.BirdSendContactEdit;
import io.contactsbridge.simulator.birdsend.BirdSendContactStatus;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import io.contactsbridge.simulator.birdsend.BirdSendSettings;
import io.contactsbridge.simulator.sim.CallRecorder;
import io.contactsbridge.simulator.sim.RecordedRequest;
import org.junit.jupiter.api.Test;

import static io.contactsbridge.capture.BirdSendContactPoller.CONTACT_CHANGED;
import static io.contactsbridge.capture.BirdSendContactPoller.CONTACT_CREATED;
import static io.contactsbridge.capture.BirdSendContactPoller.CONTACT_DELETED;
import static io.contactsbridge.capture.BirdSendContactPoller.CONTACT_RESUBSCRIBED;
import static io.contactsbridge.capture.BirdSendContactPoller.CONTACT_TAGS_CHANGED;
import static io.contactsbridge.capture.BirdSendContactPoller.CONTACT_UNSUBSCRIBED;
import static org.assertj.core.api.Assertions.assertThat;

/** The BirdSend poller against the BirdSend simulator over HTTP, through the outbound layer; one account per test. */
@CaptureAppTest
class BirdSendContactPollerTest extends CaptureTestSupport {

    static final String SOURCE = JournalSources.BIRDSEND_POLL;

    BirdSendContactPoller poller(BirdSendAccount account, int perPage, boolean emitExisting) {
        return poller(account, perPage, emitExisting, Duration.ofSeconds(5));
    }

    /** A poller whose quick scan sorts by contact_id (new contacts only). */
    BirdSendContactPoller poller(BirdSendAccount account, int perPage, boolean emitExisting, Duration leaseWait) {
        return birdSendPoller(birdSendSettings(account, perPage, "contact_id", emitExisting, Duration.ofSeconds(10)), leaseWait);
    }

    BirdSendContactView seed(BirdSendAccount account, BirdSendNewContact contact) {
        return sims.birdSend().seedContact(account.accountId(), contact);
    }

    List<JournalEvent> eventsOf(long contactId) {
        return events(SOURCE, ContactKeys.birdSend(Long.toString(contactId)));
    }

    JsonNode payload(JournalEvent event) throws Exception {
        return json.readTree(event.payload());
    }

    @Test
    void theFirstScanRecordsWhatExistsWithoutReportingIt() {
        BirdSendAccount account = birdSendAccount();
        List<BirdSendContactView> existing = sims.birdSend().seed(account.accountId(), 30, 11);
        BirdSendContactPoller poller = poller(account, 100, false);

        PollOutcome baseline = poller.quickScan();

        assertThat(baseline.status()).isEqualTo(PollOutcome.Status.OK);
        assertThat(baseline.eventsAppended()).isZero();
        assertThat(existing).allSatisfy(c -> assertThat(eventsOf(c.contactId())).isEmpty());
        assertThat(store.countSnapshots(account.connectionId())).isEqualTo(30);
        PollState state = store.find(SOURCE, account.connectionId()).orElseThrow();
        assertThat(state.baselineDone()).isTrue();
        assertThat(state.lastFullScanAt()).isNotNull();

        PollOutcome quick = poller.quickScan();
        assertThat(quick.status()).isEqualTo(PollOutcome.Status.OK);
        assertThat(quick.requests()).as("one page with nothing new ends the quick scan").isEqualTo(1);
        assertThat(quick.eventsAppended()).isZero();
    }

    @Test
    void emitExistingOnFirstScanReportsEveryExistingContactAsCreated() throws Exception {
        BirdSendAccount account = birdSendAccount();
        List<BirdSendContactView> existing = sims.birdSend().seed(account.accountId(), 12, 12);

        PollOutcome baseline = poller(account, 5, true).fullScan();

        assertThat(baseline.appended()).isEqualTo(Map.of(CONTACT_CREATED, 12));
        for (BirdSendContactView c : existing) {
            List<JournalEvent> events = eventsOf(c.contactId());
            assertThat(events).hasSize(1);
            assertThat(payload(events.get(0)).get("email").asText()).isEqualTo(c.email());
            assertThat(events.get(0).eventId()).startsWith(account.connectionId() + "/" + c.contactId() + ":1:ContactCreated:");
        }
    }

    @Test
    void detectsNewChangedUnsubscribedTagChangedResubscribedAndDeletedContacts() throws Exception {
        BirdSendAccount account = birdSendAccount();
        BirdSendContactView renamed = seed(account, BirdSendNewContact.of(uniqueEmail("renamed"), "Ann", "Lee"));
        BirdSendContactView moved = seed(account, BirdSendNewContact.of(uniqueEmail("moved"), "Bo", "Kim"));
        BirdSendContactView leaving = seed(account, BirdSendNewContact.of(uniqueEmail("leaving"), "Cy", "Ode"));
        BirdSendContactView tagged = seed(account, BirdSendNewContact.of(uniqueEmail("tagged"), "Di", "Fox").withTags("Old", "Keep"));
        BirdSendContactView deleted = seed(account, BirdSendNewContact.of(uniqueEmail("deleted"), "Ed", "Gale").withTags("Gone"));
        BirdSendContactView untouched = seed(account, BirdSendNewContact.of(uniqueEmail("untouched"), "Flo", "Hu"));
        BirdSendContactPoller poller = poller(account, 3, false);
        assertThat(poller.fullScan().eventsAppended()).isZero();

        sims.birdSend().editContact(renamed.contactId(), BirdSendContactEdit.change().field("first_name", "Anna"));
        String newEmail = uniqueEmail("moved-to");
        sims.birdSend().editContact(moved.contactId(), BirdSendContactEdit.change().email(newEmail));
        sims.birdSend().unsubscribeContact(leaving.contactId());
        sims.birdSend().editContact(tagged.contactId(), BirdSendContactEdit.change().addTags("New").removeTags("Old"));
        sims.birdSend().deleteContact(deleted.contactId());
        BirdSendContactView added = seed(account, BirdSendNewContact.of(uniqueEmail("added"), "Gil", "Ito"));

        PollOutcome full = poller.fullScan();

        assertThat(full.status()).isEqualTo(PollOutcome.Status.OK);
        assertThat(full.appended()).isEqualTo(Map.of(CONTACT_CREATED, 1, CONTACT_CHANGED, 2, CONTACT_UNSUBSCRIBED, 1,
                CONTACT_TAGS_CHANGED, 1, CONTACT_DELETED, 1));
        assertThat(eventsOf(untouched.contactId())).isEmpty();

        JournalEvent created = single(added.contactId(), CONTACT_CREATED);
        assertThat(payload(created).path("fields").path("first_name").asText()).isEqualTo("Gil");

        JsonNode rename = payload(single(renamed.contactId(), CONTACT_CHANGED));
        assertThat(rename.path("fields").path("first_name").asText()).isEqualTo("Anna");
        assertThat(rename.path("changes").path("fields").asBoolean()).isTrue();
        assertThat(rename.path("changes").has("email")).isFalse();

        JsonNode move = payload(single(moved.contactId(), CONTACT_CHANGED)).path("changes");
        assertThat(move.path("email").path("from").asText()).isEqualTo(moved.email());
        assertThat(move.path("email").path("to").asText()).isEqualTo(newEmail);
        assertThat(move.path("fields").asBoolean()).isFalse();

        JsonNode unsubscribe = payload(single(leaving.contactId(), CONTACT_UNSUBSCRIBED));
        assertThat(unsubscribe.path("status").asText()).isEqualTo("unsubscribed");
        assertThat(unsubscribe.path("changes").path("status").path("from").asText()).isEqualTo("active");

        JsonNode tags = payload(single(tagged.contactId(), CONTACT_TAGS_CHANGED)).path("changes");
        assertThat(json.convertValue(tags.path("added"), List.class)).containsExactly("New");
        assertThat(json.convertValue(tags.path("removed"), List.class)).containsExactly("Old");

        JournalEvent gone = single(deleted.contactId(), CONTACT_DELETED);
        assertThat(gone.contactKey()).isEqualTo("birdsend:" + deleted.contactId());
        JsonNode gonePayload = payload(gone);
        assertThat(gonePayload.path("contact_id").asLong()).isEqualTo(deleted.contactId());
        assertThat(gonePayload.path("email").asText()).isEqualTo(deleted.email());
        assertThat(json.convertValue(gonePayload.path("tags"), List.class)).containsExactly("Gone");
        assertThat(gonePayload.path("changes").path("deleted").asBoolean()).isTrue();
        assertThat(store.snapshot(account.connectionId(), Long.toString(deleted.contactId()))).isEmpty();

        sims.birdSend().editContact(leaving.contactId(), BirdSendContactEdit.change().status(BirdSendContactStatus.ACTIVE));
        assertThat(poller.fullScan().appended()).isEqualTo(Map.of(CONTACT_RESUBSCRIBED, 1));
        sims.birdSend().unsubscribeContact(leaving.contactId());
        assertThat(poller.fullScan().appended()).as("the same state reached again is a new event")
                .isEqualTo(Map.of(CONTACT_UNSUBSCRIBED, 1));
        assertThat(eventsOf(leaving.contactId())).extracting(JournalEvent::eventType)
                .containsExactly(CONTACT_UNSUBSCRIBED, CONTACT_RESUBSCRIBED, CONTACT_UNSUBSCRIBED);
        assertThat(poller.fullScan().eventsAppended()).as("nothing changed since").isZero();
    }

    @Test
    void sequencesJoinedAndLeftAreReportedOnceTheContactsListIsKnown() throws Exception {
        BirdSendAccount account = birdSendAccount();
        long welcome = sims.birdSend().addSequence(account.accountId(), "Welcome – «Série» 1").sequenceId();
        long trial = sims.birdSend().addSequence(account.accountId(), "Trial").sequenceId();
        BirdSendContactView joiner = seed(account, BirdSendNewContact.of(uniqueEmail("joiner"), "Jo", "Ng").withSequence(trial));
        BirdSendSettings settings = sims.birdSend().settings();
        try {
            // An API that lists no sequences: nothing to compare, nothing reported.
            sims.birdSend().settings(settings.toBuilder().listContactSequences(false).build());
            BirdSendContactPoller poller = poller(account, 10, false);
            assertThat(poller.fullScan().eventsAppended()).isZero();
            sims.birdSend().subscribeContact(joiner.contactId(), welcome);
            assertThat(poller.fullScan().eventsAppended()).as("sequences unseen").isZero();

            // The list's first sight (as after an upgrade) is recorded, not reported as joined.
            sims.birdSend().settings(settings.toBuilder().listContactSequences(true).build());
            assertThat(poller.fullScan().eventsAppended()).as("first sight of the list").isZero();
            assertThat(store.snapshot(account.connectionId(), Long.toString(joiner.contactId())).orElseThrow().sequenceIds())
                    .containsExactlyInAnyOrder(Long.toString(trial), Long.toString(welcome));

            long onboarding = sims.birdSend().addSequence(account.accountId(), "Onboarding").sequenceId();
            sims.birdSend().subscribeContact(joiner.contactId(), onboarding);
            assertThat(poller.fullScan().appended()).isEqualTo(Map.of(BirdSendContactPoller.CONTACT_SEQUENCES_CHANGED, 1));
            JsonNode changes = payload(single(joiner.contactId(), BirdSendContactPoller.CONTACT_SEQUENCES_CHANGED)).path("changes");
            assertThat(changes.path("joined").toString()).isEqualTo("[{\"sequence_id\":" + onboarding + ",\"name\":\"Onboarding\"}]");
            assertThat(changes.path("left").size()).isZero();
            assertThat(poller.fullScan().eventsAppended()).as("nothing changed since").isZero();
        } finally {
            sims.birdSend().settings(settings);
        }
    }

    JournalEvent single(long contactId, String type) {
        List<JournalEvent> events = eventsOf(contactId).stream().filter(e -> e.eventType().equals(type)).toList();
        assertThat(events).as("%s events of contact %s", type, contactId).hasSize(1);
        return events.get(0);
    }

    @Test
    void theQuickScanStopsAtTheFirstPageWithNothingNewAndLeavesOldContactsToTheFullScan() {
        BirdSendAccount account = birdSendAccount();
        List<BirdSendContactView> existing = sims.birdSend().seed(account.accountId(), 50, 13);
        BirdSendContactPoller poller = poller(account, 10, false);
        PollOutcome baseline = poller.fullScan();
        assertThat(baseline.requests()).as("5 pages of 10").isEqualTo(5);

        BirdSendContactView oldest = existing.stream().min(Comparator.comparingLong(BirdSendContactView::contactId)).orElseThrow();
        sims.birdSend().editContact(oldest.contactId(), BirdSendContactEdit.change().field("last_name", "Changed"));
        List<BirdSendContactView> added = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            added.add(seed(account, BirdSendNewContact.of(uniqueEmail("quick"), "New" + i, "Contact")));
        }

        PollOutcome quick = poller.quickScan();

        assertThat(quick.status()).isEqualTo(PollOutcome.Status.OK);
        assertThat(quick.requests()).as("page 1 had the new contacts, page 2 nothing new: stop").isEqualTo(2);
        assertThat(quick.appended()).isEqualTo(Map.of(CONTACT_CREATED, 3));
        assertThat(added).allSatisfy(c -> assertThat(eventsOf(c.contactId())).hasSize(1));
        assertThat(eventsOf(oldest.contactId())).as("on the last page, which the quick scan does not read").isEmpty();

        PollOutcome full = poller.fullScan();
        assertThat(full.appended()).isEqualTo(Map.of(CONTACT_CHANGED, 1));
        assertThat(eventsOf(oldest.contactId())).hasSize(1);
    }

    /** Runs the rolling scan until the pass in progress (or the next one) is complete; returns its runs. */
    List<PollOutcome> completeOnePass(BirdSendContactPoller poller, BirdSendAccount account) {
        Instant before = store.find(SOURCE, account.connectionId()).map(PollState::lastFullScanAt).orElse(null);
        List<PollOutcome> runs = new ArrayList<>();
        while (true) {
            PollOutcome run = poller.rollingScan();
            assertThat(run.status()).as("rolling scan run %s: %s", runs.size(), run.error()).isEqualTo(PollOutcome.Status.OK);
            runs.add(run);
            Instant after = store.find(SOURCE, account.connectionId()).orElseThrow().lastFullScanAt();
            if (after != null && !after.equals(before)) {
                return runs;
            }
            assertThat(runs).as("runs of one pass").hasSizeLessThan(100);
        }
    }

    @Test
    void oneRollingPassFindsEditsTagChangesUnsubscribesAndDeletesOfOldContacts() throws Exception {
        BirdSendAccount account = birdSendAccount();
        List<BirdSendContactView> existing = sims.birdSend().seed(account.accountId(), 60, 16).stream()
                .sorted(Comparator.comparingLong(BirdSendContactView::contactId)).toList();
        // One page per run: a pass of 6 pages takes 6 runs, as the route would make it over time.
        BirdSendContactPoller poller = birdSendPoller(birdSendSettings(account, 10, "contact_id", false, Duration.ofMillis(1)),
                Duration.ofSeconds(5));
        List<PollOutcome> baseline = completeOnePass(poller, account);
        assertThat(baseline).hasSize(6);
        assertThat(baseline.stream().mapToInt(PollOutcome::eventsAppended).sum()).as("the baseline reports nothing").isZero();
        assertThat(store.countSnapshots(account.connectionId())).isEqualTo(60);

        // The oldest contacts: on the first pages in id order, the last ones newest first, where a quick scan never looks.
        BirdSendContactView edited = existing.get(0);
        BirdSendContactView tagged = existing.get(3);
        BirdSendContactView leaving = existing.stream().skip(11).filter(c -> !c.isUnsubscribed()).findFirst().orElseThrow();
        BirdSendContactView deleted = existing.get(25);
        sims.birdSend().editContact(edited.contactId(), BirdSendContactEdit.change().field("last_name", "Rolled"));
        sims.birdSend().editContact(tagged.contactId(), BirdSendContactEdit.change().addTags("Rolling Tag"));
        sims.birdSend().unsubscribeContact(leaving.contactId());
        sims.birdSend().deleteContact(deleted.contactId());
        assertThat(poller.quickScan().eventsAppended()).as("the quick scan by contact_id reads only the newest page").isZero();

        List<PollOutcome> pass = completeOnePass(poller, account);

        Map<String, Integer> found = new java.util.TreeMap<>();
        pass.forEach(run -> run.appended().forEach((type, n) -> found.merge(type, n, Integer::sum)));
        assertThat(found).isEqualTo(Map.of(CONTACT_CHANGED, 1, CONTACT_TAGS_CHANGED, 1, CONTACT_UNSUBSCRIBED, 1, CONTACT_DELETED, 1));
        assertThat(pass.stream().mapToInt(PollOutcome::requests).sum()).as("6 pages (the last one short now) and one lookup")
                .isEqualTo(7);
        assertThat(payload(single(edited.contactId(), CONTACT_CHANGED)).path("fields").path("last_name").asText()).isEqualTo("Rolled");
        assertThat(payload(single(tagged.contactId(), CONTACT_TAGS_CHANGED)).path("changes").path("added").get(0).asText())
                .isEqualTo("Rolling Tag");
        assertThat(single(leaving.contactId(), CONTACT_UNSUBSCRIBED)).isNotNull();
        assertThat(single(deleted.contactId(), CONTACT_DELETED)).isNotNull();
        assertThat(store.snapshot(account.connectionId(), Long.toString(deleted.contactId()))).isEmpty();
        PollState state = store.find(SOURCE, account.connectionId()).orElseThrow();
        assertThat(state.pass()).as("no pass in progress after a complete one").isNull();
        assertThat(state.lastPassStartedAt()).isBefore(state.lastFullScanAt());
    }

    @Test
    void aRestartedPollerContinuesThePassWhereItWas() {
        BirdSendAccount account = birdSendAccount();
        List<BirdSendContactView> existing = sims.birdSend().seed(account.accountId(), 50, 17).stream()
                .sorted(Comparator.comparingLong(BirdSendContactView::contactId)).toList();
        CaptureProperties.BirdSend onePagePerRun = birdSendSettings(account, 10, "contact_id", false, Duration.ofMillis(1));
        BirdSendContactPoller first = birdSendPoller(onePagePerRun, Duration.ofSeconds(5));
        completeOnePass(first, account);
        first.rollingScan();
        first.rollingScan();
        PollState.Pass where = store.find(SOURCE, account.connectionId()).orElseThrow().pass();
        assertThat(where.page()).as("two pages read of the second pass").isEqualTo(3);

        // Behind the pass (page 1) and ahead of it (page 4).
        BirdSendContactView behind = existing.get(2);
        BirdSendContactView ahead = existing.get(35);
        sims.birdSend().editContact(behind.contactId(), BirdSendContactEdit.change().field("first_name", "Behind"));
        sims.birdSend().editContact(ahead.contactId(), BirdSendContactEdit.change().field("first_name", "Ahead"));
        CallRecorder calls = sims.birdSend().server().calls();

        BirdSendContactPoller restarted = birdSendPoller(onePagePerRun, Duration.ofSeconds(5));
        PollOutcome resumed = restarted.rollingScan();

        assertThat(calls.last("list-contacts").orElseThrow().rawQuery()).contains("page=3&");
        assertThat(resumed.requests()).isEqualTo(1);
        List<PollOutcome> rest = completeOnePass(restarted, account);
        assertThat(rest).hasSize(2);
        assertThat(store.find(SOURCE, account.connectionId()).orElseThrow().lastPassStartedAt())
                .as("the pass that continued kept its start").isEqualTo(where.startedAt());
        assertThat(eventsOf(ahead.contactId())).extracting(JournalEvent::eventType).containsExactly(CONTACT_CHANGED);
        assertThat(eventsOf(behind.contactId())).as("its page was read before the edit: the next pass finds it").isEmpty();
        completeOnePass(restarted, account);
        assertThat(eventsOf(behind.contactId())).extracting(JournalEvent::eventType).containsExactly(CONTACT_CHANGED);
    }

    @Test
    void aDeletionIsFoundWhenThePassGetsThereAndOneBehindItShiftsNoContactOutOfThePass() throws Exception {
        BirdSendAccount account = birdSendAccount();
        List<BirdSendContactView> existing = sims.birdSend().seed(account.accountId(), 50, 21).stream()
                .sorted(Comparator.comparingLong(BirdSendContactView::contactId)).toList();
        BirdSendContactPoller poller = birdSendPoller(birdSendSettings(account, 10, "contact_id", false, Duration.ofMillis(1)),
                Duration.ofSeconds(5));
        completeOnePass(poller, account);
        poller.rollingScan();
        poller.rollingScan();
        assertThat(store.find(SOURCE, account.connectionId()).orElseThrow().pass().page()).isEqualTo(3);

        BirdSendContactView behind = existing.get(5);
        BirdSendContactView shifted = existing.get(20);
        BirdSendContactView ahead = existing.get(33);
        sims.birdSend().deleteContact(behind.contactId());
        // The first contact of page 3 moves to page 2, which the pass has read.
        sims.birdSend().editContact(shifted.contactId(), BirdSendContactEdit.change().field("first_name", "Shifted"));
        sims.birdSend().deleteContact(ahead.contactId());

        PollOutcome page3 = poller.rollingScan();
        assertThat(page3.appended()).as("the shifted contact, looked up").isEqualTo(Map.of(CONTACT_CHANGED, 1));
        assertThat(page3.requests()).isEqualTo(2);
        assertThat(payload(single(shifted.contactId(), CONTACT_CHANGED)).path("fields").path("first_name").asText())
                .isEqualTo("Shifted");
        PollOutcome page4 = poller.rollingScan();
        assertThat(page4.appended()).as("found on its page, not at the end of the pass").isEqualTo(Map.of(CONTACT_DELETED, 1));
        assertThat(single(ahead.contactId(), CONTACT_DELETED)).isNotNull();

        completeOnePass(poller, account);
        assertThat(eventsOf(behind.contactId())).as("seen by this pass before it went: the next pass finds it").isEmpty();
        completeOnePass(poller, account);
        assertThat(single(behind.contactId(), CONTACT_DELETED)).isNotNull();
        assertThat(eventsOf(shifted.contactId())).hasSize(1);
    }

    @Test
    void whenTheAccountSortsByUpdatedAtTheQuickScanFindsAnOldContactsEditAtOnce() throws Exception {
        BirdSendAccount account = birdSendAccount();
        List<BirdSendContactView> existing = sims.birdSend().seed(account.accountId(), 60, 18);
        BirdSendContactPoller poller = birdSendPoller(birdSendSettings(account, 20, "auto", false, Duration.ofSeconds(10)),
                Duration.ofSeconds(5));
        poller.fullScan();
        BirdSendContactView oldest = existing.stream().min(Comparator.comparing(BirdSendContactView::updatedAt)).orElseThrow();
        BirdSendContactView unsubscribing = existing.stream().filter(c -> !c.isUnsubscribed())
                .min(Comparator.comparing(BirdSendContactView::createdAt)).orElseThrow();
        sims.birdSend().editContact(oldest.contactId(), BirdSendContactEdit.change().field("last_name", "Sorted"));
        sims.birdSend().unsubscribeContact(unsubscribing.contactId());

        PollOutcome quick = poller.quickScan();

        assertThat(quick.appended()).isEqualTo(Map.of(CONTACT_CHANGED, 1, CONTACT_UNSUBSCRIBED, 1));
        assertThat(quick.requests()).as("the probe's page is the first page; the second has nothing new").isEqualTo(2);
        assertThat(sims.birdSend().server().calls().last("list-contacts").orElseThrow().rawQuery()).contains("order_by=updated_at");
        PollState state = store.find(SOURCE, account.connectionId()).orElseThrow();
        assertThat(state.quickOrderBy()).isEqualTo("updated_at");
        assertThat(state.quickOrderProbedAt()).isNotNull();
        assertThat(poller.quickScan().requests()).as("nothing new: one page").isEqualTo(1);
    }

    @Test
    void aProbePageWhoseTimesAreAllEqualTellsNothingAndTheNextQuickScanAsksAgain() throws Exception {
        BirdSendAccount account = birdSendAccount();
        Instant imported = Instant.parse("2025-06-01T08:00:00Z");
        List<BirdSendContactView> contacts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            contacts.add(seed(account, BirdSendNewContact.of(uniqueEmail("import"), "Imported", "No" + i).withCreatedAt(imported)));
        }
        BirdSendContactPoller poller = birdSendPoller(birdSendSettings(account, 20, "auto", false, Duration.ofSeconds(10)),
                Duration.ofSeconds(5));
        poller.fullScan();

        assertThat(poller.quickScan().status()).isEqualTo(PollOutcome.Status.OK);
        PollState undecided = store.find(SOURCE, account.connectionId()).orElseThrow();
        assertThat(undecided.quickOrderBy()).as("one bulk import: every updated_at equal").isNull();
        assertThat(undecided.quickOrderProbedAt()).isNull();

        sims.birdSend().editContact(contacts.get(0).contactId(), BirdSendContactEdit.change().field("last_name", "Edited"));
        PollOutcome quick = poller.quickScan();

        assertThat(store.find(SOURCE, account.connectionId()).orElseThrow().quickOrderBy()).isEqualTo("updated_at");
        assertThat(quick.appended()).isEqualTo(Map.of(CONTACT_CHANGED, 1));
    }

    @Test
    void whenTheAccountIgnoresOrderByUpdatedAtTheQuickScanSortsByIdAndTheRollingScanFindsTheEdit() throws Exception {
        BirdSendAccount account = birdSendAccount();
        List<BirdSendContactView> existing = sims.birdSend().seed(account.accountId(), 60, 19);
        BirdSendContactPoller poller = birdSendPoller(birdSendSettings(account, 20, "auto", false, Duration.ofSeconds(10)),
                Duration.ofSeconds(5));
        poller.fullScan();
        BirdSendContactView oldest = existing.stream().min(Comparator.comparing(BirdSendContactView::updatedAt)).orElseThrow();
        BirdSendSettings settings = sims.birdSend().settings();
        try {
            sims.birdSend().updateSettings(s -> s.orderByUpdatedAt(false));
            sims.birdSend().editContact(oldest.contactId(), BirdSendContactEdit.change().field("last_name", "Unsorted"));

            PollOutcome quick = poller.quickScan();

            assertThat(store.find(SOURCE, account.connectionId()).orElseThrow().quickOrderBy()).isEqualTo("contact_id");
            assertThat(quick.eventsAppended()).as("newest ids first: the old contact is on the last page").isZero();
            assertThat(quick.requests()).as("the probe, then the newest page by id").isEqualTo(2);
            assertThat(sims.birdSend().server().calls().last("list-contacts").orElseThrow().rawQuery()).contains("order_by=contact_id");

            PollOutcome pass = poller.rollingScan();
            assertThat(pass.appended()).isEqualTo(Map.of(CONTACT_CHANGED, 1));
            assertThat(payload(single(oldest.contactId(), CONTACT_CHANGED)).path("fields").path("last_name").asText())
                    .isEqualTo("Unsorted");
        } finally {
            sims.birdSend().settings(settings);
        }
    }

    @Test
    void withoutUpdatedAtInTheAnswersTheQuickScanSortsById() {
        BirdSendAccount account = birdSendAccount();
        sims.birdSend().seed(account.accountId(), 30, 20);
        BirdSendContactPoller poller = birdSendPoller(birdSendSettings(account, 20, "auto", false, Duration.ofSeconds(10)),
                Duration.ofSeconds(5));
        poller.fullScan();
        BirdSendSettings settings = sims.birdSend().settings();
        try {
            sims.birdSend().updateSettings(s -> s.includeAssumedFields(false));
            BirdSendContactView added = seed(account, BirdSendNewContact.of(uniqueEmail("no-times"), "Nia", "Oto"));

            PollOutcome quick = poller.quickScan();

            assertThat(store.find(SOURCE, account.connectionId()).orElseThrow().quickOrderBy()).isEqualTo("contact_id");
            assertThat(quick.appended()).isEqualTo(Map.of(CONTACT_CREATED, 1));
            assertThat(eventsOf(added.contactId())).hasSize(1);
        } finally {
            sims.birdSend().settings(settings);
        }
    }

    @Test
    void aChangeFoundAgainAfterACrashBeforeTheSnapshotWasStoredIsNotReportedTwice() {
        BirdSendAccount account = birdSendAccount();
        BirdSendContactView contact = seed(account, BirdSendNewContact.of(uniqueEmail("crash"), "Ida", "Jung"));
        BirdSendContactPoller poller = poller(account, 100, false);
        poller.fullScan();
        BirdSendSnapshot beforeChange = store.snapshot(account.connectionId(), Long.toString(contact.contactId())).orElseThrow();

        sims.birdSend().editContact(contact.contactId(), BirdSendContactEdit.change().field("first_name", "Iris"));
        assertThat(poller.quickScan().appended()).isEqualTo(Map.of(CONTACT_CHANGED, 1));
        // As if the process died after the journal append and before the snapshot update.
        store.saveSnapshot(beforeChange);

        PollOutcome again = poller.quickScan();

        assertThat(again.eventsAppended()).isZero();
        assertThat(again.duplicates()).isEqualTo(1);
        assertThat(eventsOf(contact.contactId())).hasSize(1);
        assertThat(store.snapshot(account.connectionId(), Long.toString(contact.contactId())).orElseThrow().version())
                .isEqualTo(beforeChange.version() + 1);
    }

    @Test
    void allThePollersRequestsTogetherStayWithinItsShareOfTheRateBudgetEvenlySpaced() throws Exception {
        BirdSendAccount account = birdSendAccount();
        sims.birdSend().seed(account.accountId(), 400, 14);
        // The test profile's BirdSend budget is 10 per 250 ms. A quarter of it, the share the poller names on its calls
        // and the outbound layer keeps it to, is one request every 100 ms, so at most 10 in any second; unpaced, it
        // would make about 40 a second here.
        BirdSendContactPoller poller = birdSendPoller(withShare(birdSendSettings(account, 25, "contact_id", false,
                Duration.ofSeconds(30)), 0.25), Duration.ofSeconds(5));
        assertThat(poller.requestsPerSecond()).isEqualTo(10.0);
        CallRecorder calls = sims.birdSend().server().calls();
        int capacity = calls.capacity();
        calls.setCapacity(10_000);
        ExecutorService quickScans = Executors.newSingleThreadExecutor();
        try {
            // The baseline, by a poller with the test profile's budget; then a pass with nothing to store, measured,
            // while quick scans come in between its pages.
            assertThat(poller(account, 25, false).fullScan().status()).isEqualTo(PollOutcome.Status.OK);
            Instant start = Instant.now();
            Future<List<PollOutcome>> quick = quickScans.submit(() -> {
                List<PollOutcome> outcomes = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    Thread.sleep(300);
                    outcomes.add(poller.quickScan());
                }
                return outcomes;
            });
            List<PollOutcome> slices = new ArrayList<>();
            while (slices.stream().noneMatch(o -> o.pages() > 0) || store.find(SOURCE, account.connectionId()).orElseThrow().pass() != null) {
                slices.add(poller.rollingScan());
            }
            List<PollOutcome> quickOutcomes = quick.get(30, TimeUnit.SECONDS);

            assertThat(quickOutcomes).extracting(PollOutcome::status).containsOnly(PollOutcome.Status.OK);
            assertThat(slices.size()).as("the rolling scan gave way to the quick scans, then continued its pass").isGreaterThan(1);
            assertThat(slices.stream().mapToInt(PollOutcome::pages).sum()).isEqualTo(16);
            List<Instant> sent = calls.recent().stream()
                    .filter(r -> ("Bearer " + account.token()).equals(r.header("Authorization")))
                    .map(RecordedRequest::receivedAt)
                    .filter(at -> !at.isBefore(start))
                    .sorted()
                    .toList();
            assertThat(sent).hasSize(16 + 3);
            int busiestSecond = 0;
            for (int i = 0; i < sent.size(); i++) {
                Instant windowEnd = sent.get(i).plusSeconds(1);
                int inWindow = (int) sent.stream().skip(i).takeWhile(at -> at.isBefore(windowEnd)).count();
                busiestSecond = Math.max(busiestSecond, inWindow);
            }
            long spanMs = Duration.between(sent.get(0), sent.get(sent.size() - 1)).toMillis();
            // 10 slots in any second; one more arrives in it when the first was sent a little after its slot.
            assertThat(busiestSecond).as("requests in the busiest second").isLessThanOrEqualTo(11);
            assertThat(spanMs).as("19 requests, one per 100 ms at most").isGreaterThanOrEqualTo(1_700);
            System.out.printf("BirdSend pass over 400 contacts with 3 quick scans: %d requests in %d ms, at most %d in one second%n",
                    sent.size(), spanMs, busiestSecond);
        } finally {
            quickScans.shutdownNow();
            calls.setCapacity(capacity);
        }
    }

    @Test
    void whileAnotherScanHoldsTheConnectionAQuickScanIsSkippedAndAFullScanWaitsThenGivesUp() {
        BirdSendAccount account = birdSendAccount();
        sims.birdSend().seed(account.accountId(), 3, 15);
        BirdSendContactPoller poller = poller(account, 100, false, Duration.ofMillis(300));
        assertThat(store.claim(SOURCE, account.connectionId(), "other-replica:full", Duration.ofSeconds(30))).isTrue();

        PollOutcome quick = poller.quickScan();
        long start = System.nanoTime();
        PollOutcome full = poller.fullScan();
        long waitedMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(quick.status()).isEqualTo(PollOutcome.Status.SKIPPED);
        assertThat(full.status()).isEqualTo(PollOutcome.Status.SKIPPED);
        assertThat(quick.requests() + full.requests()).isZero();
        assertThat(waitedMs).as("the full scan waited lease-wait").isBetween(250L, 3_000L);
        store.release(SOURCE, account.connectionId(), "other-replica:full");
        assertThat(poller.fullScan().status()).isEqualTo(PollOutcome.Status.OK);
        assertThat(store.countSnapshots(account.connectionId())).isEqualTo(3);
    }
}
