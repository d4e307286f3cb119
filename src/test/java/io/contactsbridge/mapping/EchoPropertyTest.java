package io.contactsbridge.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.core.io.ClassPathResource;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The property echo suppression rests on: a contact read from one side, written to the other and read back
 * from there gives exactly the same canonical values, so the sync sees no change to carry back. The other
 * side is the project's simulator, which stores values the way the real service does (trimmed strings,
 * lower-cased emails and tags, phone numbers in E.164, typed custom fields).
 */
class EchoPropertyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private static SimulatedStores stores;
    private static HighLevelFieldKeys keys;
    /** The sandbox's mapping: the default one plus phone, company and a custom field (the shipped examples). */
    private final ContactMapping mapping = ContactMapping.load(new ClassPathResource("mapping/contacts-sandbox.yaml"));

    @BeforeAll
    static void startStores() {
        stores = new SimulatedStores();
        keys = stores.keys();
    }

    @AfterAll
    static void stopStores() {
        stores.close();
    }

    @Test
    void aBirdSendContactWrittenToHighLevelReadsBackTheSame() throws Exception {
        JsonNode birdSend = JSON.readTree("""
                {"contact_id": 501, "email": "  Ann.Lee@Example.COM ", "status": "unsubscribed",
                 "fields": {"first_name": "  Ann  Marie ", "last_name": "Lee", "phone": "(415) 555-0100",
                            "company": "Acme   Corp", "favourite_colour": " Blue "},
                 "tags": [{"tag_id": 7, "name": "Leads"}, {"tag_id": 8, "name": " VIP "}, {"tag_id": 9, "name": "leads"}],
                 "updated_at": "2026-01-02 03:04:05"}""");

        CanonicalContact canonical = mapping.readBirdSend(birdSend);

        assertThat(canonical.values()).isEqualTo(Map.of(
                "email", "ann.lee@example.com",
                "firstName", "Ann Marie",
                "lastName", "Lee",
                "phone", "+14155550100",
                "company", "Acme Corp",
                "favouriteColour", "Blue",
                "tags", List.of("leads", "vip"),
                "unsubscribed", true));

        HighLevelWrite create = mapping.writeHighLevel(canonical, CanonicalContact.EMPTY, keys);
        ObjectNode stored = stores.highLevelApplies(create);
        CanonicalContact readBack = mapping.readHighLevel(stored, keys);

        // The one-sided constant arrives too; everything else is exactly what was read from BirdSend.
        assertThat(readBack).isEqualTo(canonical.with("source", "BirdSend"));
        assertThat(stored.get("dnd").asBoolean()).isTrue();
        assertThat(mapping.writeHighLevel(canonical, readBack, keys).isEmpty()).isTrue();
    }

    @Test
    void aHighLevelContactWrittenToBirdSendReadsBackTheSame() throws Exception {
        ObjectNode highLevel = stores.highLevelUserCreates(JSON.readTree("""
                {"email": "Bob.Van@Example.com", "firstName": " bob ", "lastName": "van  der Berg",
                 "phone": "+44 20 7946 0958", "companyName": "Widgets Ltd", "source": "Facebook ad",
                 "tags": ["Customer", " Newsletter "],
                 "customFields": [{"id": "%s", "field_value": "Green"}]}"""
                .formatted(stores.customFieldId("favourite_colour"))));

        CanonicalContact canonical = mapping.readHighLevel(highLevel, keys);

        assertThat(canonical.values()).isEqualTo(Map.of(
                "email", "bob.van@example.com",
                "firstName", "bob",
                "lastName", "van der Berg",
                "phone", "+442079460958",
                "company", "Widgets Ltd",
                "favouriteColour", "Green",
                "tags", List.of("customer", "newsletter"),
                "unsubscribed", false,
                "source", "Facebook ad"));

        BirdSendWrite create = mapping.writeBirdSend(canonical, CanonicalContact.EMPTY);
        CanonicalContact readBack = mapping.readBirdSend(stores.birdSendApplies(create));

        // source lives on HighLevel only: it is neither written to nor read from BirdSend.
        assertThat(readBack).isEqualTo(canonical.with("source", null));
        assertThat(mapping.writeBirdSend(canonical, readBack).isEmpty()).isTrue();
        // And the HighLevel contact needs nothing back: its own source is kept.
        assertThat(mapping.writeHighLevel(readBack, canonical, keys).isEmpty()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"(415) 555-0100", "415.555.0100", "+1 415 555 0100", "1-415-555-0100", "4155550100",
            "+44 20 7946 0958", "0044 20 7946 0958", "+44 (0)20 7946 0958", "011 44 20 7946 0958",
            "+49 30 901820", "555-0100", "call me maybe", "+1 415 555 0100 ext. 12", "0207 946 0958"})
    void phoneNumbersSurviveTheRoundTripInBothDirections(String phone) {
        String email = "phone" + SEQUENCE.incrementAndGet() + "@example.com";

        CanonicalContact fromBirdSend = mapping.readBirdSend(stores.birdSendUserCreates(
                BirdSendNewContact.of(email).withField("phone", phone)));
        ObjectNode inHighLevel = stores.highLevelApplies(mapping.writeHighLevel(fromBirdSend, CanonicalContact.EMPTY, keys));
        assertThat(mapping.readHighLevel(inHighLevel, keys).with("source", null)).isEqualTo(fromBirdSend);

        CanonicalContact fromHighLevel = mapping.readHighLevel(stores.highLevelUserCreates(
                JSON.createObjectNode().put("email", "hl-" + email).put("phone", phone)), keys);
        CanonicalContact inBirdSend = mapping.readBirdSend(
                stores.birdSendApplies(mapping.writeBirdSend(fromHighLevel, CanonicalContact.EMPTY)));
        assertThat(inBirdSend).isEqualTo(fromHighLevel.with("source", null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"(415) 555-0100", "+1 (415) 555-0100", "1 415 555 0100", "+44 20 7946 0958",
            "0044 20 7946 0958", "+44 (0) 20 7946 0958", "011 49 30 901820", "00 33 1 23 45 67 89", "415 555 010",
            "0800 123 456", "+0 123 456 789", "+1234567", "tel: 415 555 0100", " 212-555-0199 ", "212/555/0199"})
    void phoneNumbersAreNormalisedAsHighLevelStoresThem(String phone) {
        ObjectNode stored = stores.highLevelUserCreates(JSON.createObjectNode()
                .put("email", "agree" + SEQUENCE.incrementAndGet() + "@example.com").put("phone", phone));

        assertThat(mapping.normalisePhone(phone)).isEqualTo(stored.get("phone").asText());
    }

    @Test
    void updatesThatClearChangeAndResubscribeReadBackTheSame() throws Exception {
        ObjectNode original = stores.highLevelUserCreates(JSON.readTree("""
                {"email": "carol@example.com", "firstName": "Carol", "lastName": "King", "companyName": "Tapestry",
                 "dnd": true, "tags": ["old", "keep"],
                 "customFields": [{"id": "%s", "field_value": "Red"}]}"""
                .formatted(stores.customFieldId("favourite_colour"))));
        String id = original.get("id").asText();
        CanonicalContact before = mapping.readHighLevel(original, keys);

        // BirdSend's version: company and colour removed, last name changed, tags changed, resubscribed.
        CanonicalContact desired = before.with("company", null).with("favouriteColour", null).with("lastName", "Goffin")
                .with("tags", List.of("keep", "new")).with("unsubscribed", false);
        HighLevelWrite update = mapping.writeHighLevel(desired, before, keys);

        assertThat(update.body().get("companyName").asText()).isEmpty();
        assertThat(update.body().get("customFields").get(0).get("field_value").asText()).isEmpty();
        assertThat(update.body().get("dnd").asBoolean()).isFalse();
        // The contact had no source yet, so the one-sided constant is filled in on the way.
        assertThat(update.body().get("source").asText()).isEqualTo("BirdSend");
        CanonicalContact after = mapping.readHighLevel(stores.highLevelApplies(id, update), keys);
        assertThat(after).isEqualTo(desired.with("source", "BirdSend"));
        assertThat(mapping.writeHighLevel(desired, after, keys).isEmpty()).isTrue();
    }

    @Test
    void birdSendUpdatesReadBackTheSame() {
        ObjectNode original = stores.birdSendUserCreates(BirdSendNewContact.of("dave@example.com", "Dave", "Grohl")
                .withField("company", "Foo Fighters").withField("phone", "+1 206 555 0123").withTags("Drums", "Vip"));
        long id = original.get("contact_id").asLong();
        CanonicalContact before = mapping.readBirdSend(original);

        CanonicalContact desired = before.with("company", null).with("phone", "+12065550199")
                .with("tags", List.of("guitar", "vip")).with("unsubscribed", true).with("email", "dave@foo.example");
        BirdSendWrite update = mapping.writeBirdSend(desired, before);

        assertThat(update.fields()).isEqualTo(Map.of("company", "", "phone", "+12065550199"));
        assertThat(update.addTags()).containsExactly("guitar");
        assertThat(update.removeTags()).containsExactly("drums");
        assertThat(update.unsubscribed()).isTrue();
        assertThat(update.emailChanged()).isTrue();
        CanonicalContact after = mapping.readBirdSend(stores.birdSendApplies(id, update));
        assertThat(after).isEqualTo(desired);
        assertThat(mapping.writeBirdSend(desired, after).isEmpty()).isTrue();
    }

    @Test
    void aFullNameSplitForHighLevelIsJoinedBackTheSame() {
        ContactMapping split = ContactMapping.parse("""
                fields:
                  - name: email
                    birdsend: email
                    highlevel: email
                    transforms: [lowercase]
                  - name: fullName
                    birdsend: fields.full_name
                    highlevel: [firstName, lastName]
                    transforms: [capitalize]
                """, "split.yaml");
        CanonicalContact fromBirdSend = split.readBirdSend(stores.birdSendUserCreates(
                BirdSendNewContact.of("erin@example.com").withField("full_name", " mary  ann   lee-smith ")));
        assertThat(fromBirdSend.get("fullName")).isEqualTo("Mary Ann Lee-Smith");

        HighLevelWrite create = split.writeHighLevel(fromBirdSend, CanonicalContact.EMPTY, null);
        assertThat(create.body().get("firstName").asText()).isEqualTo("Mary");
        assertThat(create.body().get("lastName").asText()).isEqualTo("Ann Lee-Smith");
        ObjectNode stored = stores.highLevelApplies(create);
        CanonicalContact inHighLevel = split.readHighLevel(stored, null);
        assertThat(inHighLevel).isEqualTo(fromBirdSend);

        // A single word fills the first name and clears the last.
        CanonicalContact cher = fromBirdSend.with("fullName", "Cher");
        HighLevelWrite rename = split.writeHighLevel(cher, inHighLevel, null);
        assertThat(rename.body().get("firstName").asText()).isEqualTo("Cher");
        assertThat(rename.body().get("lastName").asText()).isEmpty();
        ObjectNode renamed = stores.highLevelApplies(stored.get("id").asText(), rename);
        assertThat(renamed.has("lastName")).isFalse();
        assertThat(split.readHighLevel(renamed, null)).isEqualTo(cher);

        // A name typed in HighLevel as first + last comes to BirdSend joined, and back unchanged.
        CanonicalContact typed = split.readHighLevel(stores.highLevelUserCreates(JSON.createObjectNode()
                .put("email", "frank@example.com").put("firstName", "frank  lloyd").put("lastName", "wright")), null);
        assertThat(typed.get("fullName")).isEqualTo("Frank Lloyd Wright");
        CanonicalContact inBirdSend = split.readBirdSend(stores.birdSendApplies(split.writeBirdSend(typed, CanonicalContact.EMPTY)));
        assertThat(inBirdSend).isEqualTo(typed);
    }

    @Test
    void typedCustomFieldsReadBackTheSame() throws Exception {
        ContactMapping typed = ContactMapping.parse("""
                fields:
                  - name: email
                    birdsend: email
                    highlevel: email
                    transforms: [lowercase]
                  - name: points
                    birdsend: fields.points
                    highlevel: customFields.contact.loyalty_points
                  - name: interests
                    birdsend: fields.interests
                    highlevel: customFields.interests
                  - name: birthday
                    birdsend: fields.birthday
                    highlevel: dateOfBirth
                    transforms: [date]
                """, "typed.yaml");
        for (String points : List.of("12", "12.5", "0", "-3")) {
            CanonicalContact fromBirdSend = typed.readBirdSend(stores.birdSendUserCreates(
                    BirdSendNewContact.of("points" + SEQUENCE.incrementAndGet() + "@example.com")
                            .withField("points", points).withField("interests", "Chess").withField("birthday", "1990-9-25")));
            ObjectNode stored = stores.highLevelApplies(typed.writeHighLevel(fromBirdSend, CanonicalContact.EMPTY, keys));
            assertThat(stored.toString()).contains("1990-09-25T00:00:00.000Z");
            assertThat(typed.readHighLevel(stored, keys)).isEqualTo(fromBirdSend);
        }

        CanonicalContact fromHighLevel = typed.readHighLevel(stores.highLevelUserCreates(JSON.readTree("""
                {"email": "gina@example.com", "dateOfBirth": "07/04/1985",
                 "customFields": [{"id": "%s", "field_value": 40}, {"id": "%s", "field_value": ["Cycling", "Chess"]}]}"""
                .formatted(stores.customFieldId("loyalty_points"), stores.customFieldId("interests")))), keys);
        assertThat(fromHighLevel.values()).isEqualTo(Map.of("email", "gina@example.com", "points", "40",
                "interests", "Cycling, Chess", "birthday", "1985-07-04"));
        CanonicalContact inBirdSend = typed.readBirdSend(stores.birdSendApplies(typed.writeBirdSend(fromHighLevel, CanonicalContact.EMPTY)));
        assertThat(inBirdSend).isEqualTo(fromHighLevel);
    }

    @Test
    void nationalNumbersOfTheLocationsCountryAgreeWithHighLevel() {
        ContactMapping british = ContactMapping.parse("""
                defaultCountry: GB
                fields:
                  - name: email
                    birdsend: email
                    highlevel: email
                    transforms: [lowercase]
                  - name: phone
                    birdsend: fields.phone
                    highlevel: phone
                    transforms: [e164]
                """, "gb.yaml");
        try (SimulatedStores gb = new SimulatedStores()) {
            gb.highLevelCallingCode("44");
            for (String phone : List.of("020 7946 0958", "07700 900123", "+1 415 555 0100", "7946 0958")) {
                CanonicalContact fromBirdSend = british.readBirdSend(gb.birdSendUserCreates(
                        BirdSendNewContact.of("gb" + SEQUENCE.incrementAndGet() + "@example.com").withField("phone", phone)));
                ObjectNode stored = gb.highLevelApplies(british.writeHighLevel(fromBirdSend, CanonicalContact.EMPTY, null));
                assertThat(british.readHighLevel(stored, null)).isEqualTo(fromBirdSend);
                ObjectNode typedInHighLevel = gb.highLevelUserCreates(JSON.createObjectNode()
                        .put("email", "gb" + SEQUENCE.incrementAndGet() + "@example.com").put("phone", phone));
                assertThat(british.normalisePhone(phone)).isEqualTo(typedInHighLevel.get("phone").asText());
            }
        }
    }
}
