package io.contactsbridge.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading and writing semantics, one rule at a time. */
class ContactMappingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final ContactMapping MAPPING = ContactMapping.parse("""
            defaultCountry: GB
            fields:
              - name: email
                birdsend: email
                highlevel: email
                transforms: [trim, lowercase]
              - name: city
                birdsend: fields.city
                highlevel: city
                transforms: [capitalize]
                default: London
              - name: colour
                birdsend: fields.colour
                highlevel: customFields.contact.colour
              - name: score
                birdsend: fields.score
                highlevel: customFields.score
                direction: to-birdsend
                owner: highlevel
              - name: website
                birdsend: fields.website
                highlevel: website
                direction: to-highlevel
              - name: tags
                birdsend: tags
                highlevel: tags
                transforms: [collapse-spaces]
              - name: unsubscribed
                birdsend: unsubscribed
                highlevel: dnd
              - name: origin
                birdsend: fields.origin
                default: highlevel sync
              - name: source
                highlevel: source
                default: BirdSend
            """, "unit.yaml");

    /** Custom fields colour (id cf1) and score (id cf2). */
    private static final HighLevelFieldKeys KEYS = new HighLevelFieldKeys() {
        private final Map<String, String> ids = Map.of("contact.colour", "cf1", "contact.score", "cf2");

        @Override
        public Optional<String> idOf(String fieldKey) {
            String key = fieldKey.startsWith("contact.") ? fieldKey : "contact." + fieldKey;
            return Optional.ofNullable(ids.get(key));
        }

        @Override
        public Optional<String> keyOf(String fieldId) {
            return ids.entrySet().stream().filter(e -> e.getValue().equals(fieldId)).map(Map.Entry::getKey).findFirst();
        }
    };

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    private static CanonicalContact contact(Object... namesAndValues) {
        CanonicalContact contact = CanonicalContact.EMPTY;
        for (int i = 0; i < namesAndValues.length; i += 2) {
            contact = contact.with((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return contact;
    }

    // --- reading ---------------------------------------------------------------------------------

    @Test
    void readsBirdSend() {
        CanonicalContact read = MAPPING.readBirdSend(json("""
                {"contact_id": 1, "email": "A@B.com", "fields": {"city": "new york", "colour": null, "score": 7,
                 "website": "  ", "origin": "import"}, "tags": ["Big  Fish", {"name": "vip"}, {"name": " "}]}"""));

        // No status: subscribed. One-sided HighLevel fields are not read from BirdSend.
        assertThat(read.values()).isEqualTo(Map.of("email", "a@b.com", "city", "New York", "score", "7",
                "tags", List.of("big fish", "vip"), "unsubscribed", false, "origin", "import"));
        assertThat(MAPPING.readBirdSend(json("{\"email\": \"a@b.com\", \"status\": \"unsubscribed\"}"))
                .get("unsubscribed")).isEqualTo(true);
    }

    @Test
    void readsHighLevelCustomFieldsInEveryShape() {
        CanonicalContact read = MAPPING.readHighLevel(json("""
                {"id": "c1", "email": "a@b.com", "city": "paris", "source": "Zapier", "dnd": true,
                 "tags": ["b", "a"],
                 "customFields": [{"id": "cf1", "value": ["red", " blue "]}, {"id": "cf2", "value": 12.0},
                                  {"id": "unknown", "value": "ignored"}]}"""), KEYS);

        assertThat(read.values()).isEqualTo(Map.of("email", "a@b.com", "city", "Paris", "colour", "red, blue",
                "score", "12", "tags", List.of("a", "b"), "unsubscribed", true, "source", "Zapier"));

        CanonicalContact byKey = MAPPING.readHighLevel(json("""
                {"contact": {"email": "a@b.com",
                 "customFields": [{"key": "contact.colour", "field_value": "green"}, {"key": "score", "field_value": 12.50}]}}"""),
                null);
        assertThat(byKey.values()).isEqualTo(Map.of("email", "a@b.com", "colour", "green", "score", "12.5",
                "unsubscribed", false));
    }

    // --- writing ---------------------------------------------------------------------------------

    @Test
    void createsCarryEveryWrittenFieldAndTheConstants() {
        CanonicalContact desired = contact("email", "a@b.com", "city", "Paris", "colour", "red", "score", "3",
                "website", "https://a.example", "tags", List.of("a", "b"), "unsubscribed", true, "origin", "import",
                "source", "Zapier");

        HighLevelWrite toHighLevel = MAPPING.writeHighLevel(desired, CanonicalContact.EMPTY, KEYS);
        // score flows to BirdSend only; source is a constant, so it is written from the default, not the desired value.
        assertThat(toHighLevel.createBody()).isEqualTo(json("""
                {"email": "a@b.com", "city": "Paris", "website": "https://a.example", "tags": ["a", "b"], "dnd": true,
                 "source": "BirdSend", "customFields": [{"id": "cf1", "field_value": "red"}]}"""));

        BirdSendWrite toBirdSend = MAPPING.writeBirdSend(desired, CanonicalContact.EMPTY);
        // website flows to HighLevel only.
        assertThat(toBirdSend).isEqualTo(new BirdSendWrite("a@b.com", true,
                Map.of("city", "Paris", "colour", "red", "score", "3", "origin", "highlevel sync"),
                List.of("a", "b"), List.of(), true));
    }

    @Test
    void onlyDifferencesAreWritten() {
        CanonicalContact current = contact("email", "a@b.com", "city", "Paris", "colour", "red", "tags", List.of("a"),
                "unsubscribed", false, "origin", "import", "source", "Zapier");

        assertThat(MAPPING.writeHighLevel(current, current, KEYS).isEmpty()).isTrue();
        assertThat(MAPPING.writeBirdSend(current, current).isEmpty()).isTrue();
        assertThat(MAPPING.writeBirdSend(current, current).email()).isEqualTo("a@b.com");

        HighLevelWrite colour = MAPPING.writeHighLevel(current.with("colour", "blue"), current, KEYS);
        assertThat(colour.body()).isEqualTo(json("{\"customFields\": [{\"id\": \"cf1\", \"field_value\": \"blue\"}]}"));
    }

    @Test
    void directionDecidesWhichSideIsWritten() {
        CanonicalContact current = contact("email", "a@b.com", "city", "Paris", "origin", "x", "source", "y");
        CanonicalContact changed = current.with("score", "9").with("website", "https://w.example");

        assertThat(MAPPING.writeHighLevel(changed, current, KEYS).body()).isEqualTo(json(
                "{\"website\": \"https://w.example\"}"));
        assertThat(MAPPING.writeBirdSend(changed, current).fields()).isEqualTo(Map.of("score", "9"));
        assertThat(MAPPING.field("score").orElseThrow().owner()).isEqualTo(Side.HIGHLEVEL);
        assertThat(MAPPING.field("score").orElseThrow().direction().readsFrom(Side.HIGHLEVEL)).isTrue();
    }

    @Test
    void tagDifferences() {
        CanonicalContact current = contact("email", "a@b.com", "tags", List.of("a", "b", "c"));
        CanonicalContact desired = current.with("tags", List.of("b", "d", "e"));

        BirdSendWrite birdSend = MAPPING.writeBirdSend(desired, current);
        assertThat(birdSend.addTags()).containsExactly("d", "e");
        assertThat(birdSend.removeTags()).containsExactly("a", "c");
        // HighLevel too by difference (POST / DELETE /contacts/{id}/tags), never a whole list in the update body.
        HighLevelWrite highLevel = MAPPING.writeHighLevel(desired, current, KEYS);
        assertThat(highLevel.addTags()).containsExactly("d", "e");
        assertThat(highLevel.removeTags()).containsExactly("a", "c");
        assertThat(highLevel.body().has("tags")).isFalse();

        CanonicalContact untagged = current.with("tags", null);
        assertThat(MAPPING.writeBirdSend(untagged, current).removeTags()).containsExactly("a", "b", "c");
        assertThat(MAPPING.writeHighLevel(untagged, current, KEYS).removeTags()).containsExactly("a", "b", "c");
        // A contact the bridge creates gets its tags in the create body.
        assertThat(MAPPING.writeHighLevel(desired, CanonicalContact.EMPTY, KEYS).createBody().get("tags"))
                .isEqualTo(json("[\"b\", \"d\", \"e\"]"));
    }

    @Test
    void clearsAndTheEmailThatIsNeverCleared() {
        CanonicalContact current = contact("email", "a@b.com", "colour", "red", "score", "3", "website", "https://w",
                "origin", "x", "source", "y");
        CanonicalContact desired = contact("origin", "x", "source", "y");

        assertThat(MAPPING.writeHighLevel(desired, current, KEYS).body()).isEqualTo(json("""
                {"city": "London", "website": "", "customFields": [{"id": "cf1", "field_value": ""}]}"""));
        BirdSendWrite birdSend = MAPPING.writeBirdSend(desired, current);
        assertThat(birdSend.fields()).isEqualTo(Map.of("city", "London", "colour", "", "score", ""));
        assertThat(birdSend.email()).isEqualTo("a@b.com");
        assertThat(birdSend.emailChanged()).isFalse();
    }

    @Test
    void theUnsubscribeFlagTreatsAbsentAsSubscribed() {
        CanonicalContact absent = contact("email", "a@b.com", "city", "Oslo", "origin", "x", "source", "y");

        assertThat(MAPPING.writeBirdSend(absent.with("unsubscribed", false), absent).unsubscribed()).isNull();
        assertThat(MAPPING.writeBirdSend(absent.with("unsubscribed", true), absent).unsubscribed()).isTrue();
        assertThat(MAPPING.writeBirdSend(absent.with("unsubscribed", false), absent.with("unsubscribed", true))
                .unsubscribed()).isFalse();
        assertThat(MAPPING.writeHighLevel(absent.with("unsubscribed", false), absent.with("unsubscribed", true), KEYS)
                .body()).isEqualTo(json("{\"dnd\": false}"));
    }

    @Test
    void constantsAreWrittenOnlyWhereMissing() {
        CanonicalContact desired = contact("email", "a@b.com", "city", "Rome");

        assertThat(MAPPING.writeHighLevel(desired, contact("email", "a@b.com", "city", "Rome"), KEYS).body())
                .isEqualTo(json("{\"source\": \"BirdSend\"}"));
        assertThat(MAPPING.writeHighLevel(desired, contact("email", "a@b.com", "city", "Rome", "source", "Typeform"),
                KEYS).isEmpty()).isTrue();
        assertThat(MAPPING.writeBirdSend(desired, contact("email", "a@b.com", "city", "Rome")).fields())
                .isEqualTo(Map.of("origin", "highlevel sync"));
    }

    @Test
    void aCustomFieldTheLocationLacksIsAnError() {
        HighLevelFieldKeys none = new HighLevelFieldKeys() {
            @Override
            public Optional<String> idOf(String fieldKey) {
                return Optional.empty();
            }

            @Override
            public Optional<String> keyOf(String fieldId) {
                return Optional.empty();
            }
        };
        CanonicalContact desired = contact("email", "a@b.com", "colour", "red", "source", "y");

        assertThatThrownBy(() -> MAPPING.writeHighLevel(desired, CanonicalContact.EMPTY, none))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("HighLevel custom field 'contact.colour' (mapping field 'colour' in unit.yaml) is not "
                        + "defined in the location");
        assertThat(MAPPING.highLevelCustomFieldKeys()).containsExactly("contact.colour", "contact.score");
        assertThat(MAPPING.birdSendFieldKeys()).containsExactly("city", "colour", "origin", "score", "website");
    }

    @Test
    void rulesDescribeTheirSides() {
        FieldRule origin = MAPPING.field("origin").orElseThrow();
        assertThat(origin.isMapped(Side.BIRDSEND)).isTrue();
        assertThat(origin.isMapped(Side.HIGHLEVEL)).isFalse();
        assertThat(origin.direction()).isEqualTo(FieldDirection.TO_BIRDSEND);
        assertThat(origin.line()).isEqualTo(31);
        assertThat(MAPPING.field("colour").orElseThrow().highlevelPaths()).containsExactly("customFields.colour");
        assertThat(MAPPING.phoneField()).isEmpty();
        assertThat(MAPPING.field("nope")).isEmpty();
        assertThat(ContactMapping.splitName("Mary Ann Lee")).containsExactly("Mary", "Ann Lee");
        assertThat(ContactMapping.splitName("Cher")).containsExactly("Cher", "");
    }
}
