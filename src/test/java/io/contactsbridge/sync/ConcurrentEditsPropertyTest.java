package io.contactsbridge.sync;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * No lost updates (issue 10): randomised people edit both sides (names, tags added and removed, unsubscribes,
 * deletes) before, during and after the start-up backfill, HighLevel delivers its webhooks late, twice and out of
 * order, the bridge is restarted once in the middle, and afterwards each side must hold what the people did: the last
 * edit of every field (or a conflicting edit of the other side within the conflict window), the union of tag adds
 * minus the removes, no duplicate, no link marked deleted unless its contact was. See {@link ConcurrentEditsScenario}
 * for the run and {@link ConcurrentEditsModel} for the rules; a failure lists every violation with the person, the
 * field, what each side holds and the person's history.
 *
 * <p>In {@code ./mvnw verify}: two populations in one run, the fixed seed {@value #FIXED_SEED} and a random seed,
 * printed at the start (in CI, with {@code CI=true}, the fixed seed alone). Replay with {@code -Dproptest.seeds=<a>,<b>}. The long run (more people and edits, {@code
 * -Dproptest.factor}, default 4):
 * <pre>./mvnw -B test -Dbuild.dir=/tmp/proptest-target -Dtest=ConcurrentEditsPropertyTest -Dbenchmark=true -Dsurefire.failIfNoSpecifiedTests=false</pre>
 *
 * <p>The bridge runs with a mapping of the fields every account has (email, names, tags, unsubscribe), so the test
 * does not depend on which custom fields the default mapping names; {@link LiveJarConcurrentEditsIT} runs the default
 * mapping against the packaged jar.
 */
class ConcurrentEditsPropertyTest {

    static final long FIXED_SEED = 20251010L;

    /**
     * The run in {@code ./mvnw verify}, per seed: 24 people (10 on both sides, 7 in HighLevel only, 7 in BirdSend
     * only), 12 edits before the start, 40 during the backfill, 40 after it, 4 while the bridge restarts; 1 delete
     * before the start and 2 after the backfill. Simulators at time scale 2 and answering in 40-80 ms, so the backfill
     * lasts long enough to edit during it; webhooks late, reordered and duplicated a fifth of the time each, by up to
     * 1.5 s. About a minute and a half on 2 cores.
     */
    static ConcurrentEditsScenario.Settings scaled(List<Long> seeds) {
        return new ConcurrentEditsScenario.Settings("concurrent-edits", seeds,
                10, 7, 7,
                12, 40, 30, 4, 1, 2,
                Duration.ofMillis(25), 4,
                0.2, 0.2, 0.2, Duration.ofMillis(1500), 10,
                true, "mapping/concurrent-edits.yaml", false, false, ConcurrentEditsScenario.Chaos.NONE);
    }

    @Test
    void concurrentEditsEndAsThePeopleLeftThem() throws Exception {
        run(scaled(seeds()));
    }

    @Test
    @Tag("benchmark")
    @EnabledIfSystemProperty(named = "benchmark", matches = "true")
    void aLongerRunWithMorePeopleAndEdits() throws Exception {
        run(scaled(seeds()).times(Integer.getInteger("proptest.factor", 4)));
    }

    /**
     * The harness's control: the same people, model and checks without concurrency (no edit before or during the
     * backfill, no webhook chaos, no restart, no deletes). It passes on a sync that has the concurrency bugs, which
     * shows the failures of the real run are the sync's, not the harness's. {@code -Dproptest.calm=true}.
     */
    @Test
    @EnabledIfSystemProperty(named = "proptest.calm", matches = "true")
    void theControlRunWithoutConcurrencyPasses() throws Exception {
        ConcurrentEditsScenario.Settings s = scaled(seeds());
        run(new ConcurrentEditsScenario.Settings("concurrent-edits-calm", s.seeds(), s.bothSides(), s.highLevelOnly(),
                s.birdSendOnly(), 0, 0, s.editsAfter(), 0, 0, 0, Duration.ofMillis(150), s.timeScale(), 0, 0, 0,
                Duration.ZERO, s.latencyMs(), false, s.mappingResource(), false, false, ConcurrentEditsScenario.Chaos.NONE));
    }

    /** The fixed seed and a random one, or {@code -Dproptest.seeds}. */
    static List<Long> seeds() {
        return seeds(List.of(FIXED_SEED));
    }

    /** {@code fixed} and a random seed, or the seeds {@code -Dproptest.seeds} gives (comma-separated). */
    static List<Long> seeds(List<Long> fixed) {
        String given = System.getProperty("proptest.seeds");
        if (given != null && !given.isBlank()) {
            return Arrays.stream(given.split(",")).map(String::trim).map(Long::parseLong).toList();
        }
        List<Long> seeds = new java.util.ArrayList<>(fixed);
        if (!"true".equals(System.getenv("CI"))) {
            // Outside CI a random population joins the fixed one each run, to find what the fixed one does not. CI
            // (.ci/run sets CI=true) stays reproducible: a random failure there would block everything else from
            // landing; what a random seed finds is replayed and fixed with -Dproptest.seeds instead.
            seeds.add(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE));
        }
        return seeds;
    }

    static void run(ConcurrentEditsScenario.Settings settings) throws Exception {
        String replay = "-Dproptest.seeds=" + String.join(",", settings.seeds().stream().map(String::valueOf).toList());
        System.out.println(settings.name() + ": seeds " + settings.seeds() + " (replay with " + replay + ")");
        try (ConcurrentEditsScenario scenario = new ConcurrentEditsScenario(settings)) {
            ConcurrentEditsScenario.Result result;
            try {
                result = scenario.run();
            } catch (Exception | AssertionError e) {
                throw new AssertionError("the run failed (" + replay + "): " + e + "\n" + scenario.logTail(60), e);
            }
            System.out.println(result.report());
            System.out.println(result.reliability());
            if (!result.violations().isEmpty()) {
                throw new AssertionError(result.report() + "\nreplay with " + replay + "\n" + scenario.logTail(40));
            }
        }
    }
}
