package io.contactsbridge.automation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.JournalEvent;
import io.contactsbridge.journal.JournalHeaders;
import io.contactsbridge.journal.JournalStore;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/**
 * The contact-filter steps on their own: what an event changed, from the event itself (BirdSend's changes) or from the
 * contact's previous event in the journal (a mocked store here; the look-up's SQL runs in the end-to-end tests).
 */
class ContactFilterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "highlevel:c1";
    private final JournalStore journal = mock(JournalStore.class);
    private final ContactFilter filter = new ContactFilter(journal, JSON);
    private final List<JournalEvent> history = new ArrayList<>();

    ContactFilterTest() {
        when(journal.previous(eq(KEY), eq("highlevel-webhook"), isNull(), anyLong(), anyInt())).thenAnswer(i -> {
            List<JournalEvent> newestFirst = new ArrayList<>(history);
            java.util.Collections.reverse(newestFirst);
            return newestFirst;
        });
    }

    private void before(String type, String payload) {
        history.add(new JournalEvent(history.size() + 1, "highlevel-webhook", type, "e" + history.size(), KEY, payload,
                Instant.EPOCH));
    }

    private Exchange event(String type, String payload) throws Exception {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setHeader(JournalHeaders.CONTACT_KEY, KEY);
        exchange.getMessage().setHeader(JournalHeaders.EVENT_SOURCE, "highlevel-webhook");
        exchange.getMessage().setHeader(JournalHeaders.EVENT_TYPE, type);
        exchange.getMessage().setHeader(JournalHeaders.EVENT_SEQ, "99");
        exchange.getMessage().setBody(JSON.readValue(payload, Object.class));
        return exchange;
    }

    @Test
    void aTagIsAddedOrRemovedAgainstTheContactsPreviousEventWithTags() throws Exception {
        before("ContactCreate", "{\"id\":\"c1\",\"tags\":[\"lead\",\"Webinar\"]}");
        before("NoteCreate", "{\"id\":\"n1\",\"body\":\"no tags here\"}");
        Exchange update = event("ContactTagUpdate", "{\"id\":\"c1\",\"tags\":[\"lead\",\"Customer\"]}");

        assertThat(filter.tagAdded(update, "customer, vip")).isTrue();
        assertThat(filter.tagAdded(update, "lead")).as("had it before").isFalse();
        assertThat(filter.tagRemoved(update, "webinar")).isTrue();
        assertThat(filter.tagRemoved(update, "lead,customer")).isFalse();
        verify(journal, times(1)).previous(eq(KEY), eq("highlevel-webhook"), isNull(), eq(99L), anyInt());
    }

    @Test
    void withoutAPreviousEventTheContactCountsAsNew() throws Exception {
        Exchange first = event("ContactCreate", "{\"id\":\"c1\",\"tags\":[\"customer\"],\"email\":\"a@example.com\"}");
        assertThat(filter.tagAdded(first, "Customer")).isTrue();
        assertThat(filter.tagRemoved(first, "customer")).isFalse();
        assertThat(filter.fieldChanged(first, "email", "", "a@example.com")).isTrue();
    }

    @Test
    void birdSendSaysWhichTagsItsEventChanged() throws Exception {
        before("ContactCreate", "{\"tags\":[\"customer\"]}");
        Exchange changed = event("ContactTagsChanged",
                "{\"tags\":[{\"name\":\"customer\"}],\"changes\":{\"added\":[],\"removed\":[\"Webinar\"]}}");
        assertThat(filter.tagAdded(changed, "customer")).as("the event's own changes count, not the history").isFalse();
        assertThat(filter.tagRemoved(changed, "webinar")).isTrue();
    }

    @Test
    void aFieldChangedFromAndToIncludingHighLevelCustomFieldsById() throws Exception {
        before("ContactUpdate", "{\"firstName\":\"Ann\",\"customFields\":[{\"id\":\"cf1\",\"value\":\"Lead\"}]}");
        Exchange update = event("ContactUpdate",
                "{\"firstName\":\"Ann\",\"customFields\":[{\"id\":\"cf1\",\"value\":\"Customer\"}]}");

        assertThat(filter.fieldChanged(update, "customFields.cf1")).isTrue();
        assertThat(filter.fieldChanged(update, "customFields.cf1", "lead", "customer")).as("any case").isTrue();
        assertThat(filter.fieldChanged(update, "customFields.cf1", "*", "Customer")).isTrue();
        assertThat(filter.fieldChanged(update, "customFields.cf1", "Prospect", "*")).isFalse();
        assertThat(filter.fieldChanged(update, "firstName")).as("unchanged").isFalse();
        assertThat(filter.fieldChanged(update, "customFields.cf2")).as("absent before and now").isFalse();
    }

    @Test
    void dndIsSwitchedOnOnlyWhenItWasNotOnBefore() throws Exception {
        before("ContactDndUpdate", "{\"dndSettings\":{\"SMS\":{\"status\":\"active\"}}}");
        // A ContactUpdate about the same change, sent before the DND webhook: not what "before" means for DND.
        before("ContactUpdate", "{\"dndSettings\":{\"SMS\":{\"status\":\"active\"},\"Email\":{\"status\":\"active\"}}}");
        Exchange emailOn = event("ContactDndUpdate",
                "{\"dndSettings\":{\"SMS\":{\"status\":\"active\"},\"Email\":{\"status\":\"active\"}}}");
        assertThat(filter.dndSwitchedOn(emailOn, "Email")).isTrue();
        assertThat(filter.dndSwitchedOn(emailOn, "SMS")).as("it was on already").isFalse();
        assertThat(filter.dndSwitchedOn(emailOn, "Call")).as("off").isFalse();
        assertThat(filter.eventType(emailOn, "ContactCreate, contactdndupdate")).isTrue();
        assertThat(filter.eventType(emailOn, "ContactCreate")).isFalse();
    }
}
