package io.contactsbridge.capture;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.support.Waits;
import io.contactsbridge.auth.ConnectionDefinition;
import io.contactsbridge.auth.CredentialKind;
import io.contactsbridge.journal.ContactKeys;
import io.contactsbridge.journal.JournalEvent;
import io.contactsbridge.journal.JournalSources;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The HighLevel poll against the HighLevel simulator over HTTP, through the outbound layer. */
@CaptureAppTest
class HighLevelContactPollerTest extends CaptureTestSupport {

    static final String SOURCE = JournalSources.HIGHLEVEL_POLL;

    HighLevelContactPoller poller(String connectionId, Duration overlap, int pageLimit, int maxPages, Duration lookback) {
        CaptureProperties props = new CaptureProperties(new CaptureProperties.HighLevel(true, 60_000L, connectionId, overlap,
                pageLimit, maxPages, lookback, 0.5), null, Duration.ofSeconds(5), Duration.ofSeconds(5));
        return new HighLevelContactPoller(client, registry, journal, store, props, metrics, json, clock, "test");
    }

    /** Adds contacts as pre-existing data (no webhooks), all with the given dateUpdated. */
    List<ObjectNode> seed(int count, Instant dateUpdated) {
        List<ObjectNode> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ObjectNode c = json.createObjectNode().put("firstName", "Poll" + i).put("email", uniqueEmail("hl"));
            if (dateUpdated != null) {
                String at = dateUpdated.truncatedTo(ChronoUnit.MILLIS).toString();
                c.put("dateAdded", at).put("dateUpdated", at);
            }
            entries.add(c);
        }
        return sims.highLevel().state().seedContacts(sims.highLevelLocationId(), entries);
    }

    List<JournalEvent> eventsOf(JsonNode contact) {
        return events(SOURCE, ContactKeys.highLevel(contact.get("id").asText()));
    }

    @Test
    void aContactEditedAsAUserIsJournaledWithItsNewVersion() throws Exception {
        HighLevelContactPoller poller = poller(highLevelConnection(), Duration.ofMinutes(2), 100, 100, Duration.ZERO);
        ObjectNode contact = seed(1, Instant.now().minus(Duration.ofHours(3))).get(0);

        PollOutcome first = poller.poll();
        assertThat(first.status()).isEqualTo(PollOutcome.Status.OK);
        assertThat(eventsOf(contact)).as("changed before polling started").isEmpty();

        clockMovesOn();
        ObjectNode edited = sims.highLevel().state().editContactAsUser(contact.get("id").asText(),
                json.createObjectNode().put("firstName", "Edited"));
        PollOutcome second = poller.poll();

        assertThat(second.status()).isEqualTo(PollOutcome.Status.OK);
        assertThat(second.appended(HighLevelContactPoller.EVENT_TYPE)).isGreaterThanOrEqualTo(1);
        List<JournalEvent> events = eventsOf(contact);
        assertThat(events).hasSize(1);
        JournalEvent event = events.get(0);
        Instant dateUpdated = Instant.parse(edited.get("dateUpdated").asText());
        assertThat(event.eventType()).isEqualTo("ContactChanged");
        assertThat(event.eventId()).isEqualTo(contact.get("id").asText() + ":" + dateUpdated);
        JsonNode payload = json.readTree(event.payload());
        assertThat(payload.get("firstName").asText()).isEqualTo("Edited");
        assertThat(payload.get("email").asText()).isEqualTo(contact.get("email").asText());
        assertThat(payload.has("searchAfter")).as("the search's paging values are not part of the contact").isFalse();
        PollState state = store.find(SOURCE, first.connectionId()).orElseThrow();
        assertThat(Instant.parse(state.cursorValue())).isAfterOrEqualTo(dateUpdated);
        assertThat(state.lastPollStatus()).isEqualTo("ok");
        assertThat(state.lastPollEvents()).contains("ContactChanged");
    }

    @Test
    void contactsSharingOneDateUpdatedAreNeverSkippedAcrossPageBoundaries() {
        Instant sameMoment = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.MILLIS);
        List<ObjectNode> contacts = seed(23, sameMoment);
        HighLevelContactPoller poller = poller(highLevelConnection(), Duration.ZERO, 4, 100, Duration.ofMinutes(11));

        PollOutcome outcome = poller.poll();

        assertThat(outcome.status()).isEqualTo(PollOutcome.Status.OK);
        assertThat(outcome.pages()).as("23 contacts at 4 per page").isGreaterThanOrEqualTo(6);
        for (ObjectNode contact : contacts) {
            assertThat(eventsOf(contact)).as("contact %s", contact.get("id")).hasSize(1);
        }
        String lastId = contacts.stream().map(c -> c.get("id").asText()).max(String::compareTo).orElseThrow();
        HighLevelCursor cursor = HighLevelCursor.from(store.find(SOURCE, outcome.connectionId()).orElseThrow());
        assertThat(cursor.isBefore(sameMoment, lastId)).as("the cursor passed every contact of that moment").isFalse();
    }

    @Test
    void aBacklogLargerThanOnePollContinuesAtTheCursorInsteadOfReReadingTheOverlap() {
        Instant sameMoment = Instant.now().minus(Duration.ofMinutes(1)).truncatedTo(ChronoUnit.MILLIS);
        List<ObjectNode> contacts = seed(10, sameMoment);
        // All ten sit inside the 5-minute overlap: a poll that always restarted at "cursor - overlap" would read
        // the same two pages forever.
        HighLevelContactPoller poller = poller(highLevelConnection(), Duration.ofMinutes(5), 3, 2, Duration.ofMinutes(2));

        List<PollOutcome.Status> statuses = new ArrayList<>();
        PollOutcome outcome;
        do {
            outcome = poller.poll();
            statuses.add(outcome.status());
        } while (outcome.status() == PollOutcome.Status.PARTIAL && statuses.size() < 20);

        assertThat(statuses.get(0)).isEqualTo(PollOutcome.Status.PARTIAL);
        assertThat(statuses.get(statuses.size() - 1)).isEqualTo(PollOutcome.Status.OK);
        assertThat(statuses.size()).as("polls until caught up: %s", statuses).isLessThanOrEqualTo(6);
        for (ObjectNode contact : contacts) {
            assertThat(eventsOf(contact)).as("contact %s", contact.get("id")).hasSize(1);
        }
        assertThat(store.find(SOURCE, outcome.connectionId()).orElseThrow().catchingUp()).isFalse();

        PollOutcome again = poller.poll();
        assertThat(again.duplicates()).as("once caught up, the overlap is re-read").isPositive();
        assertThat(again.eventsAppended()).isZero();
    }

    @Test
    void aNewPollerOverTheSameStoreContinuesFromTheStoredCursor() throws Exception {
        String connection = highLevelConnection();
        ObjectNode before = seed(1, Instant.now().minus(Duration.ofMinutes(90))).get(0);
        PollOutcome first = poller(connection, Duration.ZERO, 100, 100, Duration.ofHours(2)).poll();
        assertThat(first.status()).isEqualTo(PollOutcome.Status.OK);
        assertThat(eventsOf(before)).hasSize(1);

        // Changed while "the bridge was down": no poller ran. A fresh poller starting from its own now would miss it.
        clockMovesOn();
        ObjectNode whileDown = seed(1, null).get(0);
        clockMovesOn();
        PollOutcome afterRestart = poller(connection, Duration.ZERO, 100, 100, Duration.ZERO).poll();

        assertThat(afterRestart.status()).isEqualTo(PollOutcome.Status.OK);
        assertThat(eventsOf(whileDown)).hasSize(1);
        assertThat(eventsOf(before)).as("not journaled again").hasSize(1);
    }

    @Test
    void theSameVersionIsJournaledOnceHoweverOftenTheOverlapReturnsIt() {
        HighLevelContactPoller poller = poller(highLevelConnection(), Duration.ofMinutes(2), 100, 100, Duration.ofMinutes(1));
        ObjectNode contact = seed(1, null).get(0);
        double duplicatesBefore = metrics.events(SOURCE, HighLevelContactPoller.EVENT_TYPE, false);

        PollOutcome first = poller.poll();
        PollOutcome second = poller.poll();
        PollOutcome third = poller.poll();

        assertThat(first.appended(HighLevelContactPoller.EVENT_TYPE)).isGreaterThanOrEqualTo(1);
        assertThat(second.eventsAppended()).isZero();
        assertThat(third.eventsAppended()).isZero();
        assertThat(second.duplicates()).isGreaterThanOrEqualTo(1);
        assertThat(eventsOf(contact)).hasSize(1);
        assertThat(metrics.events(SOURCE, HighLevelContactPoller.EVENT_TYPE, false) - duplicatesBefore)
                .isEqualTo(first.duplicates() + second.duplicates() + third.duplicates());

        sims.highLevel().state().editContactAsUser(contact.get("id").asText(), json.createObjectNode().put("lastName", "Later"));
        PollOutcome afterEdit = poller.poll();
        assertThat(afterEdit.eventsAppended()).isEqualTo(1);
        List<JournalEvent> events = eventsOf(contact);
        assertThat(events).hasSize(2);
        assertThat(events.get(0).eventId()).isNotEqualTo(events.get(1).eventId());
    }

    @Test
    void aConnectionWithoutLocationFailsWithAClearMessageAndIsRecorded() {
        String connection = "hl-capture-no-location";
        registry.register(ConnectionDefinition.builder(connection, CredentialKind.PRIVATE_INTEGRATION)
                .baseUrl(sims.highLevel().baseUrl()).token(sims.highLevelToken()).build());

        PollOutcome outcome = poller(connection, Duration.ZERO, 100, 100, Duration.ZERO).poll();

        assertThat(outcome.status()).isEqualTo(PollOutcome.Status.FAILED);
        assertThat(outcome.error()).contains("no HighLevel location id").contains("bridge.connections." + connection + ".location-id");
        PollState state = store.find(SOURCE, connection).orElseThrow();
        assertThat(state.lastPollStatus()).isEqualTo("failed");
        assertThat(state.leaseOwner()).as("the lease is released after a failure").isNull();
    }

    @Test
    void aPollIsSkippedWhileAnotherReplicaHoldsTheConnection() {
        String connection = highLevelConnection();
        HighLevelContactPoller poller = poller(connection, Duration.ZERO, 100, 100, Duration.ZERO);
        assertThat(store.claim(SOURCE, connection, "other-replica", Duration.ofSeconds(30))).isTrue();

        PollOutcome skipped = poller.poll();

        assertThat(skipped.status()).isEqualTo(PollOutcome.Status.SKIPPED);
        assertThat(skipped.requests()).isZero();
        assertThat(store.find(SOURCE, connection).orElseThrow().lastPollStatus()).isEqualTo("skipped");
        store.release(SOURCE, connection, "other-replica");
        assertThat(poller.poll().status()).isEqualTo(PollOutcome.Status.OK);
    }

    @Test
    void moreChangesInTheOverlapBeforeTheFirstCursorThanOnePollReadsDoNotHoldPollingBack() {
        seed(5, Instant.now().minus(Duration.ofMinutes(1)));
        HighLevelContactPoller poller = poller(highLevelConnection(), Duration.ofMinutes(5), 3, 1, Duration.ZERO);

        PollOutcome first = poller.poll();
        PollOutcome second = poller.poll();

        assertThat(first.status()).as("one page of the overlap, and more to read").isEqualTo(PollOutcome.Status.PARTIAL);
        assertThat(second.status()).as("continues right at the first cursor").isEqualTo(PollOutcome.Status.OK);
        assertThat(second.requests()).isEqualTo(1);
        assertThat(second.contacts()).isZero();
    }

    /** Waits until the wall clock has moved on by a few milliseconds, so what follows has later timestamps. */
    private static void clockMovesOn() {
        long start = System.currentTimeMillis();
        Waits.until("the clock moved on", Duration.ofSeconds(1), () -> System.currentTimeMillis() >= start + 5,
                Duration.ofMillis(1));
    }
}
