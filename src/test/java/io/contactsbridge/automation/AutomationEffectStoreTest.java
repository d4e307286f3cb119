package io.contactsbridge.automation;

import io.contactsbridge.support.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import io.contactsbridge.automation.AutomationEffectStore.Claim;
import io.contactsbridge.automation.AutomationEffectStore.Key;
import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** The dedupe record of the automations' effects, on both stores the bridge runs on. */
class AutomationEffectStoreTest {

    private static final Key KEY = new Key("automation-booked-call", "highlevel-webhook", "wh-1", "add-tag");
    private static final Duration STALE = Duration.ofMinutes(5);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));

    private AutomationEffectStore store(Kind kind) {
        DataSource ds = TestDatabases.pooled(TestDatabases.migrated(kind));
        return new AutomationEffectStore(new JdbcTemplate(ds), clock);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void anEffectDoneOnceIsSkippedOnEveryLaterDelivery(Kind kind) {
        AutomationEffectStore store = store(kind);
        assertThat(store.claim(KEY, "a", STALE)).isEqualTo(Claim.CLAIMED);
        store.done(KEY, "{\"ok\":true}");
        assertThat(store.claim(KEY, "a", STALE)).isEqualTo(Claim.DONE);
        assertThat(store.claim(KEY, "b", STALE)).isEqualTo(Claim.DONE);
        assertThat(store.find(KEY)).get().extracting(AutomationEffectStore.Row::result).isEqualTo("{\"ok\":true}");
        // Another effect, automation or event is a key of its own.
        assertThat(store.claim(new Key("automation-booked-call", "highlevel-webhook", "wh-1", "remove-tag"), "a", STALE))
                .isEqualTo(Claim.CLAIMED);
        assertThat(store.claim(new Key("automation-booked-call", "highlevel-webhook", "wh-2", "add-tag"), "a", STALE))
                .isEqualTo(Claim.CLAIMED);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aFreshClaimOfAnotherHolderIsBusyAStaleOneIsTakenOverAndTheHolderRestartedTakesItsOwn(Kind kind) {
        AutomationEffectStore store = store(kind);
        assertThat(store.claim(KEY, "replica-1/p1", STALE)).isEqualTo(Claim.CLAIMED);
        assertThat(store.claim(KEY, "replica-2/p1", STALE)).as("in flight elsewhere").isEqualTo(Claim.BUSY);
        // Its own claim (a delivery that failed): AutomationSteps keeps those still in flight from asking.
        assertThat(store.claim(KEY, "replica-1/p1", STALE)).as("its own claim, again").isEqualTo(Claim.CLAIMED);
        assertThat(store.claim(KEY, "replica-1/p2", STALE)).as("its own claim, after a restart").isEqualTo(Claim.CLAIMED);

        clock.advance(STALE.plusSeconds(1));
        assertThat(store.claim(KEY, "replica-2/p1", STALE)).as("the holder stopped mid-call").isEqualTo(Claim.CLAIMED);
        assertThat(store.claim(KEY, "replica-1/p2", STALE)).as("taken over").isEqualTo(Claim.BUSY);
        store.done(KEY, null);
        assertThat(store.claim(KEY, "replica-1/p2", STALE)).isEqualTo(Claim.DONE);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aReleasedClaimCanBeClaimedAgain(Kind kind) {
        AutomationEffectStore store = store(kind);
        assertThat(store.claim(KEY, "a", STALE)).isEqualTo(Claim.CLAIMED);
        store.release(KEY, "a");
        assertThat(store.claim(KEY, "b", STALE)).isEqualTo(Claim.CLAIMED);
    }

    /** Eight deliveries of one event at once (replicas, a redelivery racing the first): exactly one claims it. */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void ofConcurrentClaimsExactlyOneWins(Kind kind) throws Exception {
        AutomationEffectStore store = store(kind);
        for (int round = 0; round < 10; round++) {
            Key key = new Key("automation-task-done", "highlevel-webhook", "wh-" + round, "add-note");
            int n = 8;
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(n);
            try {
                List<Future<Claim>> claims = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String owner = "replica-" + i;
                    Callable<Claim> claim = () -> {
                        start.await();
                        return store.claim(key, owner, STALE);
                    };
                    claims.add(pool.submit(claim));
                }
                start.countDown();
                List<Claim> results = new ArrayList<>();
                for (Future<Claim> f : claims) {
                    results.add(f.get());
                }
                assertThat(results).as("round " + round).filteredOn(c -> c == Claim.CLAIMED).hasSize(1);
                assertThat(results).as("round " + round).filteredOn(c -> c == Claim.BUSY).hasSize(n - 1);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @org.junit.jupiter.api.Test
    void aKeyNeedsEveryPart() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Key("a", "s", " ", "e"))
                .hasMessageContaining("event id");
    }

}
