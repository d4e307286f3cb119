package io.contactsbridge.sync;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.contactsbridge.ops.BridgeProperties;
import io.contactsbridge.ops.ShutdownSignal;
import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One person at a time: turns that share a key never overlap, in one JVM or across replicas, and never deadlock. */
class ContactTurnsTest {

    private static final Map<Kind, DataSource> DATABASES = new EnumMap<>(Kind.class);
    private static final SyncPair PAIR = new SyncPair("highlevel", "birdsend");

    private final List<ContactTurns> started = new ArrayList<>();

    private JdbcTemplate jdbc(Kind kind) {
        DataSource ds;
        synchronized (DATABASES) {
            ds = DATABASES.computeIfAbsent(kind, k -> TestDatabases.pooled(TestDatabases.migrated(k)));
        }
        return new JdbcTemplate(ds);
    }

    private ContactTurns turns(JdbcTemplate jdbc, String instance, Duration lease, Duration maxWait) {
        ContactTurns turns = new ContactTurns(jdbc, Clock.systemUTC(), new BridgeProperties("live", null,
                new BridgeProperties.Instance(instance)), lease, maxWait, ShutdownSignal.none());
        turns.start();
        started.add(turns);
        return turns;
    }

    @AfterEach
    void stop() {
        started.forEach(ContactTurns::stop);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void turnsSharingAKeyRunOneAfterTheOtherAcrossReplicas(Kind kind) throws Exception {
        JdbcTemplate jdbc = jdbc(kind);
        jdbc.update("DELETE FROM sync_contact_turn");
        // Two replicas on one store, four workers each, all on the same person reached from either side.
        ContactTurns a = turns(jdbc, "replica-a", Duration.ofMinutes(2), Duration.ofSeconds(30));
        ContactTurns b = turns(jdbc, "replica-b", Duration.ofMinutes(2), Duration.ofSeconds(30));
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ContactTurns turns = i % 2 == 0 ? a : b;
            boolean fromHighLevel = i % 4 < 2;
            futures.add(pool.submit(() -> {
                for (int n = 0; n < 15; n++) {
                    // A turn starts from one side and learns the partner as it goes (as the sync does through the link).
                    turns.run(PAIR, List.of(fromHighLevel ? ContactTurns.highLevel("h1") : ContactTurns.birdSend("7")), () -> {
                        turns.include(fromHighLevel ? ContactTurns.birdSend("7") : ContactTurns.highLevel("h1"));
                        if (inside.incrementAndGet() > 1) {
                            overlaps.incrementAndGet();
                        }
                        Thread.onSpinWait();
                        inside.decrementAndGet();
                        return done.incrementAndGet();
                    });
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdownNow();

        assertThat(done.get()).isEqualTo(8 * 15);
        assertThat(overlaps.get()).as("turns of one person that overlapped").isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM sync_contact_turn", Integer.class)).as("keys left held").isZero();
    }

    @Test
    void aKeyFoundTakenMakesTheTurnStartAgainAndWaitForAllItsKeysInOrder() throws Exception {
        JdbcTemplate jdbc = jdbc(Kind.H2);
        jdbc.update("DELETE FROM sync_contact_turn");
        ContactTurns turns = turns(jdbc, "relock", Duration.ofMinutes(2), Duration.ofSeconds(10));
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<?> holder = pool.submit(() -> turns.run(PAIR, List.of(ContactTurns.birdSend("7")), () -> {
            holding.countDown();
            try {
                return release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }));
        assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
        AtomicInteger attempts = new AtomicInteger();
        ExecutorService other = Executors.newSingleThreadExecutor();
        Future<Integer> second = other.submit(() -> turns.run(PAIR, List.of(ContactTurns.highLevel("h1")), () -> {
            int attempt = attempts.incrementAndGet();
            turns.include(ContactTurns.birdSend("7"));
            return attempt;
        }));
        // The holder finishes only once the other turn found its partner taken and gave its own key up.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> turns.relocks() == 1);
        release.countDown();

        assertThat(second.get(10, TimeUnit.SECONDS)).as("the attempt that ran to the end").isEqualTo(2);
        assertThat(turns.relocks()).isEqualTo(1);
        holder.get(5, TimeUnit.SECONDS);
        pool.shutdownNow();
        other.shutdownNow();
    }

    @Test
    void turnsOfDifferentPeopleDoNotWaitForEachOther() throws Exception {
        JdbcTemplate jdbc = jdbc(Kind.H2);
        jdbc.update("DELETE FROM sync_contact_turn");
        ContactTurns turns = turns(jdbc, "solo", Duration.ofMinutes(2), Duration.ofSeconds(5));
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<?> first = pool.submit(() -> turns.run(PAIR, List.of(ContactTurns.highLevel("a")), () -> {
            holding.countDown();
            try {
                return release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }));
        assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();

        assertThat(turns.run(PAIR, List.of(ContactTurns.highLevel("b"), ContactTurns.email("B@Example.com")), () -> "ran"))
                .isEqualTo("ran");
        release.countDown();
        first.get(5, TimeUnit.SECONDS);
        pool.shutdownNow();
    }

    @Test
    void aKeyHeldTooLongMakesTheOtherTurnGiveUpWithoutRunning() throws Exception {
        JdbcTemplate jdbc = jdbc(Kind.H2);
        jdbc.update("DELETE FROM sync_contact_turn");
        ContactTurns holder = turns(jdbc, "holder", Duration.ofMinutes(2), Duration.ofSeconds(5));
        ContactTurns waiter = turns(jdbc, "waiter", Duration.ofMinutes(2), Duration.ofMillis(300));
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        pool.submit(() -> holder.run(PAIR, List.of(ContactTurns.birdSend("9")), () -> {
            holding.countDown();
            try {
                return release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }));
        assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
        AtomicInteger ran = new AtomicInteger();

        assertThatThrownBy(() -> waiter.run(PAIR, List.of(ContactTurns.birdSend("9")), ran::incrementAndGet))
                .isInstanceOf(ContactBusyException.class)
                .hasMessageContaining("b:9");
        assertThat(ran.get()).isZero();
        release.countDown();
        pool.shutdownNow();
    }

    @Test
    void aDeadReplicasKeysAreFreeOnceTheirLeaseEndsAndARestartedInstanceDropsItsOwn() {
        JdbcTemplate jdbc = jdbc(Kind.H2);
        jdbc.update("DELETE FROM sync_contact_turn");
        // Rows left by processes killed mid-turn: one by another replica (lease ended), one by this instance.
        jdbc.update("INSERT INTO sync_contact_turn (turn_key, owner, lease_until) VALUES (?, ?, ?)",
                "highlevel|birdsend|h:dead", "gone-replica/1234abcd/1", java.sql.Timestamp.from(java.time.Instant.now().minusSeconds(1)));
        jdbc.update("INSERT INTO sync_contact_turn (turn_key, owner, lease_until) VALUES (?, ?, ?)",
                "highlevel|birdsend|h:mine", "me/5678abcd/3", java.sql.Timestamp.from(java.time.Instant.now().plusSeconds(600)));
        jdbc.update("INSERT INTO sync_contact_turn (turn_key, owner, lease_until) VALUES (?, ?, ?)",
                "highlevel|birdsend|h:busy", "live-replica/9abcdef0/1", java.sql.Timestamp.from(java.time.Instant.now().plusSeconds(600)));

        ContactTurns turns = turns(jdbc, "me", Duration.ofMinutes(2), Duration.ofMillis(200));

        assertThat(turns.run(PAIR, List.of(ContactTurns.highLevel("dead")), () -> "taken over")).isEqualTo("taken over");
        assertThat(turns.run(PAIR, List.of(ContactTurns.highLevel("mine")), () -> "mine again")).isEqualTo("mine again");
        assertThatThrownBy(() -> turns.run(PAIR, List.of(ContactTurns.highLevel("busy")), () -> "never"))
                .isInstanceOf(ContactBusyException.class);
    }
}
