package io.contactsbridge.automation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.JournalHeaders;
import io.contactsbridge.mapping.Side;
import io.contactsbridge.ops.BridgeProperties;
import io.contactsbridge.outbound.contacts.BirdSendContactApi;
import io.contactsbridge.sync.ContactLink;
import io.contactsbridge.sync.ContactSync;
import io.contactsbridge.sync.LinkStore;
import io.contactsbridge.sync.SyncPair;
import io.contactsbridge.sync.SyncPairs;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/** The automation steps on their own: the link look-up, the contact filters and the request bodies. */
class AutomationStepsTest {

    private final LinkStore links = mock(LinkStore.class);
    private final SyncPair pair = new SyncPair("highlevel", "birdsend");
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);
    private final ContactSync contactSync = mock(ContactSync.class);
    private final AutomationSteps steps;

    AutomationStepsTest() {
        steps = steps(SyncPairs.of(pair, null));
    }

    private AutomationSteps steps(SyncPairs pairs) {
        BridgeProperties bridge = new BridgeProperties("sandbox", null, new BridgeProperties.Instance("test"));
        return new AutomationSteps(links, pairs, mock(AutomationEffectStore.class), mock(BirdSendContactApi.class),
                mock(io.contactsbridge.outbound.OutboundClient.class), provider(contactSync),
                new ObjectMapper(), clock, bridge, Duration.ofMinutes(5), mock(io.contactsbridge.reports.ReportCounters.class));
    }

    @SuppressWarnings("unchecked")
    private static ObjectProvider<ContactSync> provider(ContactSync sync) {
        ObjectProvider<ContactSync> provider = mock(ObjectProvider.class);
        when(provider.getObject()).thenReturn(sync);
        return provider;
    }

    /** create: the contact is synced first (which creates its partner and the link), then looked up again. */
    @Test
    void linkedContactCanCreateThePartnerFirst() {
        when(links.byHighLevel(eq(pair), eq("hl-9"))).thenReturn(Optional.empty(),
                Optional.of(new ContactLink(9, "hl-9", "99", "n@example.com", null, 0, null)));
        Exchange exchange = event("highlevel:hl-9", Map.of());
        steps.linkedContact(exchange, "birdsend", true);
        verify(contactSync).fromHighLevel(pair, "hl-9", null);
        assertThat(exchange.getMessage().getHeader("contactId")).isEqualTo("99");
        assertThat(exchange.isRouteStop()).isFalse();
    }

    private Exchange event(String contactKey, Object body) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setHeader(JournalHeaders.CONTACT_KEY, contactKey);
        exchange.getMessage().setHeader(JournalHeaders.EVENT_TYPE, "TaskComplete");
        exchange.getMessage().setBody(body);
        return exchange;
    }

    @Test
    void linkedContactSetsTheOtherSidesIdOrEndsTheRoute() {
        when(links.byHighLevel(eq(pair), eq("hl-1"))).thenReturn(Optional.of(
                new ContactLink(1, "hl-1", "42", "a@example.com", null, 0, null)));
        when(links.byHighLevel(eq(pair), eq("hl-gone"))).thenReturn(Optional.of(
                new ContactLink(2, "hl-gone", "43", "b@example.com", null, 0, Side.HIGHLEVEL)));
        when(links.byHighLevel(eq(pair), eq("hl-new"))).thenReturn(Optional.empty());

        Exchange linked = event("highlevel:hl-1", Map.of("title", "x"));
        steps.linkedContact(linked, "birdsend");
        assertThat(linked.getMessage().getHeader("contactId")).isEqualTo("42");
        assertThat(linked.isRouteStop()).isFalse();
        assertThat(linked.getProperty(AutomationSteps.EVENT)).isEqualTo(Map.of("title", "x"));

        Exchange same = event("highlevel:hl-1", Map.of());
        steps.linkedContact(same, "highlevel");
        assertThat(same.getMessage().getHeader("contactId")).as("its own side needs no link").isEqualTo("hl-1");

        for (String key : List.of("highlevel:hl-gone", "highlevel:hl-new", "email:c@example.com")) {
            Exchange none = event(key, Map.of());
            steps.linkedContact(none, "birdsend");
            assertThat(none.isRouteStop()).as(key).isTrue();
            assertThat(none.getMessage().getHeader("contactId")).as(key).isNull();
        }
        assertThatThrownBy(() -> steps.linkedContact(event("highlevel:hl-1", Map.of()), "mailchimp"))
                .hasMessageContaining("side must be birdsend or highlevel");
    }

    private static final SyncPair PAIR_A = new SyncPair("hl-a", "bs-a");
    private static final SyncPair PAIR_B = new SyncPair("hl-b", "bs-b");

    /** Pairs a and b, each with its own BirdSend contact 7 linked (to hl-of-a, hl-of-b). */
    private AutomationSteps twoPairsBothLinkingBirdSend7() {
        when(links.byBirdSend(eq(PAIR_A), eq("7"))).thenReturn(Optional.of(
                new ContactLink(1, "hl-of-a", "7", "a@example.com", null, 0, null)));
        when(links.byBirdSend(eq(PAIR_B), eq("7"))).thenReturn(Optional.of(
                new ContactLink(2, "hl-of-b", "7", "b@example.com", null, 0, null)));
        return steps(SyncPairs.of(Map.of("a", PAIR_A, "b", PAIR_B), null));
    }

    /** With several pairs, the link is looked up in the event's own pair; an event of no known pair is left alone. */
    @Test
    void linkedContactLooksInTheEventsOwnPair() {
        AutomationSteps twoPairs = twoPairsBothLinkingBirdSend7();

        Exchange ofB = event("birdsend:7", Map.of("contact_id", 7));
        ofB.getMessage().setHeader(JournalHeaders.CONNECTION_ID, "bs-b");
        twoPairs.linkedContact(ofB, "highlevel");
        assertThat(ofB.getMessage().getHeader("contactId")).isEqualTo("hl-of-b");
        assertThat(ofB.getProperty(AutomationSteps.PAIR)).isEqualTo(PAIR_B);

        Exchange unknown = event("birdsend:7", Map.of("contact_id", 7));
        unknown.getMessage().setHeader(JournalHeaders.EVENT_SOURCE, "birdsend-poll");
        unknown.getMessage().setHeader(JournalHeaders.EVENT_ID, "7:1:ContactCreated:x");
        unknown.getExchangeExtension().setFromRouteId("automation-activity-notes");
        twoPairs.linkedContact(unknown, "highlevel");
        assertThat(unknown.isRouteStop()).as("names no connection: no pair").isTrue();
        assertThat(unknown.getMessage().getHeader("contactId")).isNull();
        assertThat(twoPairs.once(unknown, "add-note")).isFalse();
        assertThat(twoPairs.notCreatedByBridge(unknown)).isFalse();
    }

    /** bridge.automations.<name>.pairs limits an automation to the pairs it lists. */
    @Test
    void anAutomationListingItsPairsLeavesTheOthersEventsAlone() {
        AutomationSteps twoPairs = twoPairsBothLinkingBirdSend7();
        java.util.Properties settings = new java.util.Properties();
        settings.setProperty("bridge.automations.activity-notes.pairs", " b ,c");
        for (String connection : List.of("bs-a", "bs-b")) {
            Exchange e = event("birdsend:7", Map.of("contact_id", 7));
            e.getContext().getPropertiesComponent().setInitialProperties(settings);
            e.getMessage().setHeader(JournalHeaders.CONNECTION_ID, connection);
            e.getExchangeExtension().setFromRouteId("automation-activity-notes");
            twoPairs.linkedContact(e, "highlevel");
            if (connection.equals("bs-a")) {
                assertThat(e.isRouteStop()).as("pair a is not listed").isTrue();
                assertThat(e.getMessage().getHeader("contactId")).isNull();
            } else {
                assertThat(e.isRouteStop()).as("pair b is listed").isFalse();
                assertThat(e.getMessage().getHeader("contactId")).isEqualTo("hl-of-b");
            }
        }
        Exchange other = event("birdsend:7", Map.of("contact_id", 7));
        other.getMessage().setHeader(JournalHeaders.CONNECTION_ID, "bs-a");
        other.getExchangeExtension().setFromRouteId("automation-booked-call");
        other.getContext().getPropertiesComponent().setInitialProperties(settings);
        twoPairs.linkedContact(other, "highlevel");
        assertThat(other.getMessage().getHeader("contactId")).as("another automation, no list: every pair").isEqualTo("hl-of-a");
    }

    @Test
    void contactFiltersReadTheEvent() {
        Map<String, Object> tagged = Map.of("tags", List.of("lead", "Customer"));
        assertThat(steps.hasAnyTag(event("highlevel:1", tagged), "vip, customer")).isTrue();
        assertThat(steps.hasAnyTag(event("highlevel:1", tagged), "vip")).isFalse();
        assertThat(steps.hasAnyTag(event("highlevel:1", Map.of()), "customer")).isFalse();
        assertThat(steps.hasAnyTag(event("birdsend:1", Map.of("tags", List.of(Map.of("tag_id", 3, "name", "customer")))),
                "customer")).as("BirdSend's tags").isTrue();

        Map<String, Object> emailDnd = Map.of("dnd", false, "dndSettings", Map.of("Email", Map.of("status", "active")));
        Map<String, Object> smsDnd = Map.of("dnd", false, "dndSettings", Map.of("SMS", Map.of("status", "active"),
                "Email", Map.of("status", "inactive")));
        assertThat(steps.dndOn(event("highlevel:1", emailDnd), "Email")).isTrue();
        assertThat(steps.dndOn(event("highlevel:1", smsDnd), "Email")).isFalse();
        assertThat(steps.dndOn(event("highlevel:1", Map.of("dnd", true)), "Email")).as("DND on every channel").isTrue();
    }

    @Test
    void requestBodiesAndTemplates() {
        Exchange exchange = event("highlevel:1", Map.of("title", "Send the quote", "contactId", "1"));
        assertThat(steps.note(exchange, "Done: $[title] ($[event.type])")).isEqualTo(Map.of("body", "Done: Send the quote (TaskComplete)"));
        assertThat(steps.task(exchange, "Call $[title]", "Body", "P2D", "user-7")).containsEntry("title", "Call Send the quote")
                .containsEntry("dueDate", "2026-12-05T10:00:00Z").containsEntry("assignedTo", "user-7")
                .containsEntry("completed", false);
        assertThat(steps.task(exchange, "t", "b", "PT4H", " ")).doesNotContainKey("assignedTo")
                .containsEntry("dueDate", "2026-12-03T14:00:00Z");
        assertThat(steps.tags(" booked-call , vip ")).isEqualTo(Map.of("tags", List.of("booked-call", "vip")));
        assertThat(steps.sequence(" 12 ")).isEqualTo(Map.of("sequence_id", 12L));
        assertThatThrownBy(() -> steps.sequence("")).hasMessageContaining("no BirdSend sequence configured");
        assertThatThrownBy(() -> steps.tags(" , ")).hasMessageContaining("at least one tag");
    }
}
