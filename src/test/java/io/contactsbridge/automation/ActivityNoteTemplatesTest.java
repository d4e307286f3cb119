package io.contactsbridge.automation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.JournalHeaders;
import io.contactsbridge.ops.BridgeProperties;
import io.contactsbridge.outbound.OutboundClient;
import io.contactsbridge.outbound.contacts.BirdSendContactApi;
import io.contactsbridge.reports.ReportCounters;
import io.contactsbridge.sync.ContactLink;
import io.contactsbridge.sync.LinkStore;
import io.contactsbridge.sync.SyncPair;
import io.contactsbridge.sync.SyncPairs;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * The activity notes' templates (bridge.automations.activity-notes.*) as automation.noteFromSetting renders them from
 * BirdSend poll events: placeholders, lists, the derived name and time, what is missing, and characters that a
 * template written into a route could not hold.
 */
class ActivityNoteTemplatesTest {

    private final Properties settings = new Properties();
    private final CamelContext camel = new DefaultCamelContext();
    private final LinkStore links = mock(LinkStore.class);
    private final AutomationSteps steps;

    @SuppressWarnings("unchecked")
    ActivityNoteTemplatesTest() {
        camel.getPropertiesComponent().setInitialProperties(settings);
        steps = new AutomationSteps(links, SyncPairs.of(new SyncPair("highlevel", "birdsend"), null),
                mock(AutomationEffectStore.class), mock(BirdSendContactApi.class), mock(OutboundClient.class),
                mock(ObjectProvider.class), new ObjectMapper(),
                Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC),
                new BridgeProperties("sandbox", null, new BridgeProperties.Instance("test")), Duration.ofMinutes(5),
                mock(ReportCounters.class));
    }

    /** A BirdSend poll event as the journal hands it over: the contact, its changes, and the headers. */
    private Exchange event(String type, Map<String, Object> contact) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setHeader(JournalHeaders.EVENT_SOURCE, "birdsend-poll");
        exchange.getMessage().setHeader(JournalHeaders.EVENT_TYPE, type);
        exchange.getMessage().setHeader(JournalHeaders.EVENT_ID, "7:2:" + type + ":abc");
        exchange.getMessage().setHeader(JournalHeaders.CONTACT_KEY, "birdsend:7");
        exchange.getMessage().setHeader(JournalHeaders.RECEIVED_AT, "2026-12-03T09:41:27.123456Z");
        exchange.getMessage().setBody(contact);
        return exchange;
    }

    private static Map<String, Object> renee(Map<String, Object> changes) {
        Map<String, Object> contact = new LinkedHashMap<>();
        contact.put("contact_id", 7);
        contact.put("email", "renee.o'hara+news@example.com");
        contact.put("fields", Map.of("first_name", "Renée", "last_name", "O'Hara"));
        contact.put("tags", List.of(Map.of("tag_id", 1, "name", "Leads"), Map.of("tag_id", 2, "name", "VIP, gold")));
        contact.put("sequences", List.of(Map.of("sequence_id", 201, "name", "Welcome Series")));
        contact.put("status", "active");
        contact.put("changes", changes);
        return contact;
    }

    private String note(Exchange exchange, String template) {
        settings.setProperty("bridge.automations.activity-notes.test", template);
        assertThat(steps.configured(exchange, "bridge.automations.activity-notes.test")).as("a note to write").isTrue();
        return (String) steps.noteFromSetting(exchange, "bridge.automations.activity-notes.test").get("body");
    }

    @Test
    void theShippedPlaceholdersReadTheBirdSendEvent() {
        Exchange tags = event("ContactTagsChanged", renee(Map.of("added", List.of("VIP, gold", "Leads"), "removed", List.of())));
        assertThat(note(tags, "BirdSend tags added: $[changes.added]. $[event.time]"))
                .isEqualTo("BirdSend tags added: VIP, gold, Leads. 2026-12-03 09:41 UTC");
        assertThat(steps.has(tags, "changes.added")).isTrue();
        assertThat(steps.has(tags, "changes.removed")).as("an empty list is nothing").isFalse();

        Exchange joined = event("ContactSequencesChanged", renee(Map.of(
                "joined", List.of(Map.of("sequence_id", 201, "name", "Welcome Series")),
                "left", List.of(mapWithNullName(202)))));
        assertThat(note(joined, "Joined $[changes.joined]; left $[changes.left]; now in $[sequences]"))
                .as("a sequence without a name reads as its id")
                .isEqualTo("Joined Welcome Series; left 202; now in Welcome Series");

        Exchange subscribed = event("ContactCreated", renee(Map.of()));
        assertThat(note(subscribed, "$[name] ($[email]) subscribed: $[status], tags $[tags], $[event.type] #$[contact_id]"))
                .isEqualTo("Renée O'Hara (renee.o'hara+news@example.com) subscribed: active, tags Leads, VIP, gold,"
                        + " ContactCreated #7");
    }

    private static Map<String, Object> mapWithNullName(long id) {
        Map<String, Object> sequence = new LinkedHashMap<>();
        sequence.put("sequence_id", id);
        sequence.put("name", null);
        return sequence;
    }

    @Test
    void aMissingPlaceholderBecomesEmptyAndTheNameFallsBackToTheEmail() {
        Map<String, Object> nameless = new LinkedHashMap<>(Map.of("contact_id", 8, "email", "x@example.com",
                "fields", Map.of(), "changes", Map.of()));
        Exchange exchange = event("ContactUnsubscribed", nameless);
        assertThat(note(exchange, "[$[name]] [$[fields.company]] [$[no.such.path]] [$[changes.added]] [$[tags]]"))
                .isEqualTo("[x@example.com] [] [] [] []");

        Exchange noTime = event("ContactUnsubscribed", nameless);
        noTime.getMessage().removeHeader(JournalHeaders.RECEIVED_AT);
        assertThat(note(noTime, "at $[event.time].")).isEqualTo("at .");
    }

    @Test
    void specialCharactersInTheTemplateAndTheValuesAreKeptAsTheyAre() {
        Map<String, Object> contact = renee(Map.of("added", List.of("$1 \\ back\\slash", "{{camel}}", "${spring}", "a'b\"c")));
        Exchange exchange = event("ContactTagsChanged", contact);
        // Commas, quotes, a new line, $ and backslashes, an unclosed $[ and non-ASCII text: none of them fits a template
        // written into a route's method call, all of them fit the setting. Values are never read as placeholders.
        String template = "Tags, 'added' \"now\":\n$[changes.added] ¤ $[name] costs $5 \\o/ $[ $[unclosed";
        assertThat(note(exchange, template)).isEqualTo("Tags, 'added' \"now\":\n$1 \\ back\\slash, {{camel}}, ${spring},"
                + " a'b\"c ¤ Renée O'Hara costs $5 \\o/ $[ $[unclosed");
    }

    @Test
    void aBlankTemplateSwitchesTheNoteOffAndAMissingSettingIsAnError() {
        Exchange exchange = event("ContactUnsubscribed", renee(Map.of()));
        settings.setProperty("bridge.automations.activity-notes.unsubscribed", "  ");
        assertThat(steps.configured(exchange, "bridge.automations.activity-notes.unsubscribed")).isFalse();
        assertThatThrownBy(() -> steps.noteFromSetting(exchange, "bridge.automations.activity-notes.unsubscribed"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("setting 'bridge.automations.activity-notes.unsubscribed' is blank");

        for (String typo : List.of("configured", "noteFromSetting")) {
            assertThatThrownBy(() -> {
                if (typo.equals("configured")) {
                    steps.configured(exchange, "bridge.automations.activity-notes.unsubscibed");
                } else {
                    steps.noteFromSetting(exchange, "bridge.automations.activity-notes.unsubscibed");
                }
            }).as(typo).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("there is no setting 'bridge.automations.activity-notes.unsubscibed'");
        }
    }

    /** The poll finding a BirdSend contact the sync had made (linked before the event) is no subscriber of BirdSend's. */
    @Test
    void aContactTheBridgeCreatedAndLinkedBeforeThePollFoundItIsNotANewSubscriber() {
        ContactLink link = new ContactLink(1, "hl-7", "7", "r@example.com", null, 0, null);
        when(links.byBirdSend(any(), eq("7")))
                .thenReturn(Optional.of(link));
        when(links.createdAt(link)).thenReturn(Optional.of(Instant.parse("2026-12-03T09:41:20Z")));
        assertThat(steps.notCreatedByBridge(event("ContactCreated", renee(Map.of())))).as("linked 7 s before the poll").isFalse();
        assertThat(steps.notCreatedByBridge(event("ContactResubscribed", renee(Map.of())))).as("not a creation").isTrue();

        when(links.createdAt(link)).thenReturn(Optional.of(Instant.parse("2026-12-03T09:41:30Z")));
        assertThat(steps.notCreatedByBridge(event("ContactCreated", renee(Map.of())))).as("linked after the poll found it").isTrue();
        when(links.byBirdSend(any(), eq("7")))
                .thenReturn(Optional.empty());
        assertThat(steps.notCreatedByBridge(event("ContactCreated", renee(Map.of())))).as("not linked yet").isTrue();
    }
}
