package io.contactsbridge.sync;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The packaged application as an operator runs it ({@code java -jar target/contacts-bridge-*.jar}, live mode, the
 * default mapping) against simulators set up as unlike the sandbox as they go: HighLevel without the
 * {@code favourite_colour} custom field and matching duplicates by phone first, BirdSend with only its built-in fields
 * (no phone, company or custom fields), oldest-first lists, whole-email search, unset fields listed, tag changes not
 * moving {@code updated_at}, 200 answers to creates and deletes and a sliding rate window; other people than the
 * sandbox's (none of them with a phone or company). People edit both sides before, during and after the start-up
 * backfill, and afterwards both sides must be equal and hold what the people did ({@link ConcurrentEditsModel}).
 *
 * <p>A failsafe integration test: the jar exists only after {@code package}, so {@code ./mvnw verify} runs it after
 * packaging. Alone: {@code ./mvnw -B verify -Dbuild.dir=/tmp/it-target -Dtest=None
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=LiveJarConcurrentEditsIT}. The seeds are printed (a fixed
 * one, and outside CI a random one too); {@code -Dproptest.seeds=<seed>} replays one.
 */
class LiveJarConcurrentEditsIT {

    /** The population CI runs (CI=true runs it alone, so a red run can be replayed); outside CI a random one joins. */
    static final long FIXED_SEED = 20261203L;

    @Test
    void thePackagedJarWithTheDefaultMappingEndsWithBothSidesEqual() throws Exception {
        ConcurrentEditsScenario.Settings settings = new ConcurrentEditsScenario.Settings("live-jar",
                ConcurrentEditsPropertyTest.seeds(List.of(FIXED_SEED)),
                12, 5, 9,
                10, 40, 20, 0, 1, 1,
                Duration.ofMillis(25), 4,
                0.1, 0.1, 0.1, Duration.ofMillis(1000), 10,
                false, null, true, true, ConcurrentEditsScenario.Chaos.NONE);
        ConcurrentEditsPropertyTest.run(settings);
    }
}
