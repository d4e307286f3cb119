package io.contactsbridge.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.SandboxPeople.Seeded;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.birdsend.BirdSendSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelCustomField;
import io.contactsbridge.simulator.highlevel.HighLevelSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.simulator.sim.SimClock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The overlap builder: which people both simulators share, and how their two versions differ. */
class SandboxPeopleTest {

    private static final Instant START = Instant.parse("2025-06-01T09:00:00Z");
    private static final String LOCATION = HighLevelState.DEMO_LOCATION_ID;

    /** The sandbox's default scale: 200 people a side, 40 % overlap, seed 42. */
    private static Sims sims;
    private static Seeded seeded;
    private static List<Pair> pairs;

    /** Both simulators built on a fixed clock and not started: seeding needs no server. */
    private record Sims(HighLevelSimulator highLevel, BirdSendSimulator birdSend) {

        static Sims fresh() {
            SimClock clock = new SimClock(MutableClock.startingAt(START), 1);
            return new Sims(HighLevelSimulator.builder().clock(clock).idSeed(1).build(),
                    BirdSendSimulator.builder().clock(clock).build());
        }

        Seeded seed(int highLevelContacts, int birdSendContacts, double overlap, long randomSeed) {
            return SandboxPeople.seed(highLevel.state(), birdSend, highLevelContacts, birdSendContacts, overlap,
                    randomSeed);
        }

        String colourFieldId() {
            return highLevel.state().customFieldId(LOCATION, SandboxPeople.COLOUR_FIELD_KEY);
        }
    }

    /** One person on both sides. */
    private record Pair(ObjectNode highLevel, BirdSendContactView birdSend) {

        String hl(String field) {
            JsonNode value = highLevel.get(field);
            return value == null ? null : value.asText();
        }
    }

    @BeforeAll
    static void seedDefaultScale() {
        sims = Sims.fresh();
        seeded = sims.seed(200, 200, 0.4, 42);
        pairs = pairs(sims);
    }

    private static List<Pair> pairs(Sims sims) {
        Map<String, ObjectNode> highLevelByEmail = new HashMap<>();
        sims.highLevel().state().contacts(LOCATION).stream().filter(c -> c.hasNonNull("email"))
                .forEach(c -> highLevelByEmail.put(lower(c.get("email").asText()), c));
        return sims.birdSend().contacts().stream()
                .filter(c -> highLevelByEmail.containsKey(lower(c.email())))
                .map(c -> new Pair(highLevelByEmail.get(lower(c.email())), c))
                .toList();
    }

    @Test
    void theConfiguredShareOfBirdSendPeopleAreHighLevelPeopleToo() {
        assertThat(seeded.highLevel()).hasSize(200);
        assertThat(seeded.birdSend()).hasSize(200);
        assertThat(sims.highLevel().state().contactCount()).isEqualTo(200);
        assertThat(sims.birdSend().contacts()).hasSize(200);
        assertThat(seeded.shared()).isEqualTo(80);
        assertThat(pairs).hasSize(80);
        // The shared people come last in BirdSend, after the 120 generated ones.
        assertThat(seeded.birdSend().subList(120, 200))
                .containsExactlyInAnyOrderElementsOf(pairs.stream().map(p -> p.birdSend().contactId()).toList());
    }

    @Test
    void theTestProfileScaleSharesEightPeopleWithANationalPhoneAmongThem() {
        Sims small = Sims.fresh();
        Seeded seededSmall = small.seed(20, 20, 0.4, 42);
        List<Pair> smallPairs = pairs(small);
        assertThat(seededSmall.shared()).isEqualTo(8);
        assertThat(smallPairs).hasSize(8);
        assertThat(smallPairs).filteredOn(SandboxPeopleTest::nationalPhone).hasSize(1);
    }

    @Test
    void noOneIsDuplicatedWithinASide() {
        List<String> birdSendEmails = sims.birdSend().contacts().stream().map(c -> lower(c.email())).toList();
        assertThat(new HashSet<>(birdSendEmails)).hasSize(birdSendEmails.size());

        HighLevelState state = sims.highLevel().state();
        assertThat(state.settings(LOCATION).allowDuplicateContact()).isFalse();
        List<String> highLevelEmails = state.contacts(LOCATION).stream().filter(c -> c.hasNonNull("email"))
                .map(c -> lower(c.get("email").asText())).toList();
        List<String> highLevelPhones = state.contacts(LOCATION).stream().filter(c -> c.hasNonNull("phone"))
                .map(c -> c.get("phone").asText()).toList();
        assertThat(new HashSet<>(highLevelEmails)).hasSize(highLevelEmails.size());
        assertThat(new HashSet<>(highLevelPhones)).hasSize(highLevelPhones.size());
    }

    @Test
    void emailsAreTheSameAddressMostlyInOtherLetterCase() {
        assertThat(pairs).allSatisfy(p -> assertThat(p.birdSend().email()).isEqualToIgnoringCase(p.hl("email")));
        long otherCase = pairs.stream().filter(p -> !p.birdSend().email().equals(p.hl("email"))).count();
        assertThat(otherCase).isGreaterThan(pairs.size() / 2).isLessThan(pairs.size());
    }

    @Test
    void namesAreMostlyTheSameWithSomePeopleWrittenDifferently() {
        long same = pairs.stream().filter(p -> Objects.equals(p.birdSend().firstName(), p.hl("firstName"))
                && Objects.equals(p.birdSend().lastName(), p.hl("lastName"))).count();
        assertThat(same).isGreaterThanOrEqualTo(pairs.size() * 7 / 10).isLessThan(pairs.size());
        assertThat(pairs).anyMatch(p -> p.birdSend().lastName() == null);
    }

    @Test
    void phonesAreTheSameNumberInOtherFormatsOrOnOneSideOnly() {
        assertThat(pairs).anyMatch(p -> p.hl("phone") != null && p.hl("phone").equals(p.birdSend().field("phone")));
        assertThat(pairs).anyMatch(p -> p.hl("phone") != null && p.birdSend().field("phone") != null
                && !p.hl("phone").equals(p.birdSend().field("phone"))
                && sameNumberInternationally(p.birdSend().field("phone"), p.hl("phone")));
        assertThat(pairs).anyMatch(p -> p.hl("phone") != null && p.birdSend().field("phone") == null);
        assertThat(pairs).anyMatch(p -> p.hl("phone") == null && p.birdSend().field("phone") != null);

        // 5 % of 80 in national format, North American numbers first: "(415) 555-0134" for "+14155550134".
        List<Pair> national = pairs.stream().filter(SandboxPeopleTest::nationalPhone).toList();
        assertThat(national).hasSize(4).allSatisfy(p -> {
            assertThat(p.birdSend().field("phone")).matches("\\(\\d{3}\\) \\d{3}-\\d{4}");
            assertThat(p.hl("phone")).isEqualTo("+1" + p.birdSend().field("phone").replaceAll("\\D", ""));
        });

        // A number only BirdSend has belongs to no HighLevel contact.
        Set<String> highLevelDigits = new HashSet<>();
        sims.highLevel().state().contacts(LOCATION).stream().filter(c -> c.hasNonNull("phone"))
                .forEach(c -> highLevelDigits.add(c.get("phone").asText().replaceAll("\\D", "")));
        pairs.stream().filter(p -> p.hl("phone") == null && p.birdSend().field("phone") != null)
                .map(p -> p.birdSend().field("phone").replaceAll("\\D", ""))
                .forEach(digits -> assertThat(highLevelDigits).noneMatch(hl -> hl.endsWith(digits)));
    }

    @Test
    void companiesAgreeDifferOrExistOnOneSideOnly() {
        long highLevelWithCompany = sims.highLevel().state().contacts(LOCATION).stream()
                .filter(c -> c.hasNonNull("companyName")).count();
        assertThat(highLevelWithCompany).isPositive().isLessThan(seeded.highLevel().size());

        assertThat(pairs).anyMatch(p -> p.hl("companyName") != null
                && p.hl("companyName").equals(p.birdSend().field("company")));
        assertThat(pairs).anyMatch(p -> p.hl("companyName") != null && p.birdSend().field("company") != null
                && !p.hl("companyName").equals(p.birdSend().field("company")));
        assertThat(pairs).anyMatch(p -> p.hl("companyName") != null && p.birdSend().field("company") == null);
        assertThat(pairs).anyMatch(p -> p.hl("companyName") == null && p.birdSend().field("company") != null);
    }

    @Test
    void favouriteColoursComeFromOneVocabularyAndDifferSometimes() {
        String fieldId = sims.colourFieldId();
        List<String> options = sims.highLevel().state().customFields(LOCATION).stream()
                .filter(f -> f.id().equals(fieldId)).findFirst().map(HighLevelCustomField::picklistOptions)
                .orElseThrow();
        Predicate<Pair> bothEqual = p -> colour(p, fieldId) != null
                && colour(p, fieldId).equals(p.birdSend().field("favourite_colour"));
        assertThat(pairs).anyMatch(bothEqual);
        assertThat(pairs).anyMatch(p -> colour(p, fieldId) != null && p.birdSend().field("favourite_colour") != null
                && !colour(p, fieldId).equals(p.birdSend().field("favourite_colour")));
        assertThat(pairs).anyMatch(p -> colour(p, fieldId) != null && p.birdSend().field("favourite_colour") == null);
        assertThat(pairs).anyMatch(p -> colour(p, fieldId) == null && p.birdSend().field("favourite_colour") != null);
        assertThat(pairs).map(p -> p.birdSend().field("favourite_colour")).filteredOn(Objects::nonNull)
                .allSatisfy(colour -> assertThat(options).anyMatch(colour::equalsIgnoreCase));
    }

    @Test
    void tagsAreSharedInPartAndHighLevelsAreLowerCase() {
        assertThat(pairs).allSatisfy(p -> tags(p).forEach(tag -> assertThat(tag).isEqualTo(lower(tag))));
        assertThat(pairs).anyMatch(p -> p.birdSend().tagNames().stream().anyMatch(t -> tags(p).contains(lower(t))));
        assertThat(pairs).anyMatch(p -> p.birdSend().tagNames().stream().anyMatch(t -> !tags(p).contains(lower(t))));
        assertThat(pairs).anyMatch(p -> tags(p).stream().anyMatch(t -> !p.birdSend().hasTag(t)));
        // Shared in other letter case: "VIP" or "Lead - Website" in BirdSend, "vip" or "lead - website" in HighLevel.
        assertThat(pairs).anyMatch(p -> p.birdSend().tagNames().stream()
                .anyMatch(t -> !t.equals(lower(t)) && tags(p).contains(lower(t))));
    }

    @Test
    void somePeopleAreUnsubscribedInBirdSend() {
        long unsubscribed = pairs.stream().filter(p -> p.birdSend().isUnsubscribed()).count();
        assertThat(unsubscribed).isPositive().isLessThan(pairs.size() / 2);
    }

    @Test
    void theSameSeedGivesTheSameDataAndAnotherSeedOtherData() {
        Sims again = Sims.fresh();
        again.seed(200, 200, 0.4, 42);
        assertThat(birdSendData(again)).isEqualTo(birdSendData(sims));
        assertThat(highLevelData(again)).isEqualTo(highLevelData(sims));

        Sims other = Sims.fresh();
        other.seed(200, 200, 0.4, 43);
        assertThat(birdSendData(other)).isNotEqualTo(birdSendData(sims));
    }

    @Test
    void noOverlapMeansNoOneSharedAndAllPeopleAreGenerated() {
        Sims separate = Sims.fresh();
        Seeded result = separate.seed(50, 50, 0, 42);
        assertThat(result.shared()).isZero();
        assertThat(pairs(separate)).isEmpty();
        assertThat(separate.birdSend().contacts()).hasSize(50);
    }

    @Test
    void theShareIsCappedByHighLevelPeopleWithAnEmail() {
        Sims fewInHighLevel = Sims.fresh();
        Seeded result = fewInHighLevel.seed(5, 30, 1, 42);
        long withEmail = fewInHighLevel.highLevel().state().contacts(LOCATION).stream()
                .filter(c -> c.hasNonNull("email")).count();
        assertThat(result.shared()).isEqualTo((int) withEmail);
        assertThat(fewInHighLevel.birdSend().contacts()).hasSize(30);

        assertThat(SandboxPeople.sharedCount(0.4, 20, 100)).isEqualTo(8);
        assertThat(SandboxPeople.sharedCount(0.4, 200, 50)).isEqualTo(50);
        assertThat(SandboxPeople.sharedCount(0.25, 10, 100)).isEqualTo(3);
        assertThat(SandboxPeople.sharedCount(0, 200, 200)).isZero();
        assertThatThrownBy(() -> SandboxPeople.sharedCount(1.2, 20, 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 to 1");
    }

    @Test
    void nationalFormatsWriteTheNumberAsAtHome() {
        assertThat(SandboxPeople.nationalFormat("+14155550134")).isEqualTo("(415) 555-0134");
        assertThat(SandboxPeople.nationalFormat("+442079460134")).isEqualTo("020 7946 0134");
        assertThat(SandboxPeople.nationalFormat("+49301234567")).isEqualTo("030 1234567");
        assertThat(SandboxPeople.nationalFormat("+33142123456")).isEqualTo("01 42 12 34 56");
        assertThat(SandboxPeople.nationalFormat("+61298761234")).isEqualTo("(02) 9876 1234");
        assertThat(SandboxPeople.nationalFormat("+35315550134")).isEqualTo("01 555 0134");
        assertThat(SandboxPeople.nationalFormat("+48123456789")).isEqualTo("12 345 67 89");
        assertThat(SandboxPeople.nationalFormat("+8613812345678")).isNull();
        assertThat(SandboxPeople.nationalFormat("not a number")).isNull();
    }

    // --- helpers -----------------------------------------------------------------------------------

    /** BirdSend's phone is HighLevel's number written nationally (no international prefix). */
    private static boolean nationalPhone(Pair p) {
        String written = p.birdSend().field("phone");
        String stored = p.hl("phone");
        if (written == null || stored == null || written.startsWith("+") || written.startsWith("00")) {
            return false;
        }
        String nationalNumber = written.replaceAll("\\D", "").replaceFirst("^0", "");
        return nationalNumber.length() >= 8 && stored.endsWith(nationalNumber);
    }

    /** "+1-415-555-0134", "+44 20 7946 0134" or "0044 20 7946 0134" for "+442079460134". */
    private static boolean sameNumberInternationally(String written, String e164) {
        String digits = written.replaceAll("\\D", "");
        return (written.startsWith("+") ? "+" + digits : "+" + digits.replaceFirst("^00", "")).equals(e164);
    }

    private static String colour(Pair p, String fieldId) {
        return StreamSupport.stream(p.highLevel().path("customFields").spliterator(), false)
                .filter(f -> f.path("id").asText().equals(fieldId)).map(f -> f.path("value").asText())
                .findFirst().orElse(null);
    }

    private static List<String> tags(Pair p) {
        return StreamSupport.stream(p.highLevel().path("tags").spliterator(), false).map(JsonNode::asText).toList();
    }

    /** Everything a BirdSend contact holds except its id. */
    private static List<List<Object>> birdSendData(Sims sims) {
        return sims.birdSend().contacts().stream().map(c -> List.<Object>of(c.email(), c.fields(), c.tagNames(),
                c.status(), c.createdAt(), Objects.toString(c.ipaddress()), c.sequenceIds(),
                Objects.toString(c.formId()))).toList();
    }

    /** Every HighLevel contact without its id (the ids are not part of the generated data). */
    private static List<JsonNode> highLevelData(Sims sims) {
        return sims.highLevel().state().contacts(LOCATION).stream().map(c -> {
            ObjectNode copy = c.deepCopy();
            copy.remove("id");
            return (JsonNode) copy;
        }).toList();
    }

    private static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }
}
