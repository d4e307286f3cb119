package io.contactsbridge.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.mapping.PhoneCountry;
import io.contactsbridge.mapping.PhoneNumberNormaliser;
import io.contactsbridge.simulator.SandboxPeople.Seeded;
import io.contactsbridge.simulator.SandboxPeople;
import io.contactsbridge.simulator.birdsend.BirdSendContactView;
import io.contactsbridge.simulator.birdsend.BirdSendSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.simulator.sim.SimClock;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeding at the size of a large account, as the large-backfill benchmark seeds it: every email and every phone once per
 * side, and no BirdSend-only person with a HighLevel person's phone (HighLevel's duplicate rule would refuse them).
 * Seeding hands numbers out by index, so it cannot loop looking for a free one; the timeouts only stop a regression
 * from hanging the build, they do not measure (100,000 a side takes seconds; the time is printed).
 */
class SandboxSeedingScaleTest {

    private static final String LOCATION = HighLevelState.DEMO_LOCATION_ID;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void oneHundredThousandPeopleASideAreSeededEachOnce() {
        seedAndCheck(100_000);
    }

    /** {@code ./mvnw -B test -Dtest=SandboxSeedingScaleTest -Dbenchmark=true}: 500,000 a side (needs a few GB of heap). */
    @Test
    @Tag("benchmark")
    @EnabledIfSystemProperty(named = "benchmark", matches = "true")
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void fiveHundredThousandPeopleASideAreSeededEachOnce() {
        seedAndCheck(500_000);
    }

    private static void seedAndCheck(int perSide) {
        SimClock clock = new SimClock(MutableClock.startingAt(Instant.parse("2025-06-01T09:00:00Z")), 1);
        HighLevelSimulator highLevel = HighLevelSimulator.builder().clock(clock).idSeed(1).build();
        BirdSendSimulator birdSend = BirdSendSimulator.builder().clock(clock).build();

        long start = System.nanoTime();
        Seeded seeded = SandboxPeople.seed(highLevel.state(), birdSend, perSide, perSide, 0.4, 42);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("Seeded %,d people a side (%,d on both) in %.1f s%n", perSide, seeded.shared(),
                took.toMillis() / 1000.0);

        List<JsonNode> highLevelContacts = List.copyOf(highLevel.state().contacts(LOCATION));
        List<BirdSendContactView> birdSendContacts = birdSend.contacts();
        assertThat(highLevelContacts).hasSize(perSide);
        assertThat(birdSendContacts).hasSize(perSide);
        assertThat(seeded.shared()).isEqualTo(perSide * 2 / 5);

        // Plain loops and sets: AssertJ's collection checks are linear per call, far too slow 100,000 times over.
        List<String> problems = new ArrayList<>();
        Set<String> highLevelEmails = new HashSet<>();
        Set<String> highLevelPhones = new HashSet<>();
        for (JsonNode contact : highLevelContacts) {
            if (contact.hasNonNull("email") && !highLevelEmails.add(lower(contact.get("email").asText()))) {
                problems.add("HighLevel email twice: " + contact.get("email"));
            }
            if (contact.hasNonNull("phone")) {
                String phone = contact.get("phone").asText();
                if (!phone.matches("\\+[1-9][0-9]{7,14}")) {
                    problems.add("HighLevel phone not in E.164: " + phone);
                }
                if (!highLevelPhones.add(phone)) {
                    problems.add("HighLevel phone twice: " + phone);
                }
            }
        }

        Set<String> birdSendEmails = new HashSet<>();
        Set<String> birdSendOnlyPhoneDigits = new HashSet<>();
        for (BirdSendContactView contact : birdSendContacts) {
            if (!birdSendEmails.add(lower(contact.email()))) {
                problems.add("BirdSend email twice: " + contact.email());
            }
            String phone = contact.field("phone");
            if (phone == null || highLevelEmails.contains(lower(contact.email()))) {
                continue;
            }
            if (!birdSendOnlyPhoneDigits.add(phone.replaceAll("\\D", ""))) {
                problems.add("BirdSend phone twice: " + phone);
            }
            // However the bridge's mapping reads the number (its default country is configurable), it is nobody's in HighLevel.
            for (PhoneCountry country : PhoneCountry.values()) {
                if (highLevelPhones.contains(PhoneNumberNormaliser.normalise(phone, country))) {
                    problems.add("BirdSend-only " + phone + " (read as in " + country + ") is a HighLevel phone");
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(highLevelPhones.size()).isGreaterThan(perSide * 3 / 4);
        assertThat(birdSendOnlyPhoneDigits.size()).isGreaterThan(perSide * 3 / 5 * 2 / 3);
    }

    private static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }
}
