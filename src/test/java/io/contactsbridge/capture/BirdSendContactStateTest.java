package io.contactsbridge.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What counts as a change of a BirdSend contact, and what does not. */
class BirdSendContactStateTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static BirdSendContactState state(String json) throws Exception {
        return BirdSendContactState.of(JSON.readTree(json));
    }

    static final String ANN = """
            {"contact_id": 7, "email": "ann@example.com", "fields": {"first_name": "Ann", "last_name": "Lee"},
             "tags": [{"tag_id": 1, "name": "VIP"}, {"tag_id": 2, "name": "Leads"}], "status": "active",
             "ipaddress": "10.0.0.1", "created_at": "2026-01-01 10:00:00", "updated_at": "2026-01-02 10:00:00"}""";

    @Test
    void orderOfFieldsAndTagsAndBookkeepingFieldsDoNotCount() throws Exception {
        BirdSendContactState ann = state(ANN);
        BirdSendContactState reordered = state("""
                {"contact_id": 7, "email": "ann@example.com", "fields": {"last_name": "Lee", "first_name": "Ann", "city": null},
                 "tags": [{"tag_id": 2, "name": "Leads"}, {"tag_id": 1, "name": "VIP"}], "status": "Active",
                 "ipaddress": "10.9.9.9", "updated_at": "2026-03-03 10:00:00"}""");

        assertThat(reordered.contactId()).isEqualTo("7");
        assertThat(reordered.contentHash()).isEqualTo(ann.contentHash());
        assertThat(reordered.tagsHash()).isEqualTo(ann.tagsHash());
        assertThat(reordered.status()).isEqualTo("active");
        assertThat(reordered.stateHash()).isEqualTo(ann.stateHash());
        assertThat(ann.tags()).containsExactly("Leads", "VIP");
        assertThat(ann.contentHash()).hasSize(BirdSendContactState.HASH_LENGTH);
    }

    @Test
    void emailFieldsTagsAndStatusEachChangeTheirPart() throws Exception {
        BirdSendContactState ann = state(ANN);
        BirdSendContactState newEmail = state(ANN.replace("ann@example.com", "ann@new.example.com"));
        BirdSendContactState newField = state(ANN.replace("\"Lee\"", "\"Lee-Smith\""));
        BirdSendContactState newTag = state(ANN.replace("\"Leads\"", "\"Customers\""));
        BirdSendContactState unsubscribed = state(ANN.replace("\"active\"", "\"unsubscribed\""));

        assertThat(newEmail.contentHash()).isNotEqualTo(ann.contentHash());
        assertThat(newEmail.fieldsHash()).isEqualTo(ann.fieldsHash());
        assertThat(newField.contentHash()).isNotEqualTo(ann.contentHash());
        assertThat(newField.fieldsHash()).isNotEqualTo(ann.fieldsHash());
        assertThat(newTag.contentHash()).isEqualTo(ann.contentHash());
        assertThat(newTag.tagsHash()).isNotEqualTo(ann.tagsHash());
        assertThat(unsubscribed.contentHash()).isEqualTo(ann.contentHash());
        assertThat(unsubscribed.stateHash()).isNotEqualTo(ann.stateHash());
    }

    @Test
    void missingOptionalPartsAreToleratedAndAMissingIdIsNot() throws Exception {
        BirdSendContactState bare = state("{\"contact_id\": \"abc\", \"email\": \"x@example.com\"}");
        assertThat(bare.status()).isNull();
        assertThat(bare.tags()).isEmpty();
        assertThat(BirdSendContactState.tagNames(JSON.readTree("[\"Plain\", {\"name\": \"Object\"}, {\"tag_id\": 3}]")))
                .containsExactly("Object", "Plain");

        JsonNode noId = JSON.readTree("{\"email\": \"x@example.com\"}");
        assertThatThrownBy(() -> BirdSendContactState.of(noId)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("contact_id");
    }

    @Test
    void eventIdsNameConnectionContactVersionTypeAndState() {
        assertThat(BirdSendContactPoller.eventId("bs-north", "42", 3, "ContactChanged", "0123456789abcdef0123456789abcdef"))
                .isEqualTo("bs-north/42:3:ContactChanged:0123456789abcdef");
    }
}
