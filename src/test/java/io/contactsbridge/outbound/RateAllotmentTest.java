package io.contactsbridge.outbound;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;

import javax.sql.DataSource;

import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.store.ReplicaProperties;
import io.contactsbridge.store.ReplicaMembers;
import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replicas over one store (H2 and PostgreSQL) dividing the rate limits: a joining replica waits, then each gets its
 * share; one that leaves or is killed gives its share back only after the windows have drained; together they never
 * get more than the whole.
 */
class RateAllotmentTest {

    private static final Duration INTERVAL = Duration.ofSeconds(2);
    private static final Duration LEASE = Duration.ofSeconds(10);
    /** HighLevel's burst window: 10 s plus its 200 ms margin (the longest window up to a minute). */
    private static final Duration DRAIN = Duration.ofMillis(10_200);

    /** Wall clock (the store's leases) and budget clock moving together; time passes only when the test says. */
    static final class Time extends Clock implements RateBudget.Clock {
        long nanos = 1_000_000_000L;
        final Instant origin = Instant.parse("2026-12-04T06:00:00Z");

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public void sleepNanos(long n) {
            nanos += n;
        }

        void advance(Duration d) {
            nanos += d.toNanos();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return origin.plusNanos(nanos);
        }
    }

    private final Time time = new Time();

    private final class Replica {
        final RateBudgets budgets = new RateBudgets(properties(), time);
        final RateAllotment allotment;

        Replica(DataSource store, String id) {
            allotment = new RateAllotment(new ReplicaMembers(new JdbcTemplate(store), time), budgets,
                    new ReplicaProperties(true, INTERVAL, LEASE), DRAIN, id, () -> time.nanos);
        }

        RateBudget highLevel() {
            return budgets.forConnection(ServiceType.HIGHLEVEL, "highlevel");
        }
    }

    private static OutboundProperties properties() {
        Duration s = Duration.ofSeconds(1);
        OutboundProperties.Rate highLevel = new OutboundProperties.Rate(Map.of(
                "burst", new OutboundProperties.Window(100, Duration.ofSeconds(10), null, null, null),
                "daily", new OutboundProperties.Window(200_000, Duration.ofDays(1), null, null, null)),
                Duration.ofSeconds(30), Duration.ofMillis(200));
        OutboundProperties.Rate birdSend = new OutboundProperties.Rate(Map.of(
                "second", new OutboundProperties.Window(5, Duration.ofSeconds(1), null, null, null)),
                Duration.ofSeconds(30), Duration.ofMillis(30));
        return new OutboundProperties(
                new OutboundProperties.Service("http://hl", "2021-07-28", s, s, s, 1, highLevel),
                new OutboundProperties.Service("http://bs", null, s, s, s, 1, birdSend),
                new OutboundProperties.Retry(0, s, 2, s));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aJoiningReplicaWaitsForTheOthersToMakeRoomThenEachHasItsShare(Kind kind) {
        DataSource store = TestDatabases.migrated(kind);
        Replica a = new Replica(store, "a");
        a.allotment.refresh();
        assertThat(a.allotment.alive()).isEqualTo(1);
        assertThat(a.highLevel().limit("burst")).as("alone: the whole limit").isEqualTo(100);

        time.advance(Duration.ofMillis(500));
        Replica b = new Replica(store, "b");
        b.allotment.refresh();
        assertThat(b.allotment.alive()).isEqualTo(2);
        assertThat(b.highLevel().limit("burst")).isEqualTo(50);
        assertThat(b.highLevel().limit("daily")).isEqualTo(100_000);
        assertThat(b.highLevel().nextSlotIn()).as("b waits one interval for a to see it, then a burst window for "
                + "a's requests under its old share to drain").isEqualTo(INTERVAL.plus(DRAIN));

        time.advance(Duration.ofMillis(1500));
        a.allotment.refresh();
        assertThat(a.highLevel().limit("burst")).as("a shrinks as soon as it sees b").isEqualTo(50);
        assertThat(a.highLevel().nextSlotIn()).isZero();
    }

    /** One interval passes: each replica still running renews, as its route does every interval. */
    private void step(Replica... running) {
        time.advance(INTERVAL);
        for (Replica r : running) {
            r.allotment.refresh();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aReplicaThatLeavesOrIsKilledGivesItsShareBackOnlyAfterTheOthersCouldSeeItAndTheWindowsDrained(Kind kind) {
        DataSource store = TestDatabases.migrated(kind);
        Replica a = new Replica(store, "a");
        Replica b = new Replica(store, "b");
        Replica c = new Replica(store, "c");
        a.allotment.refresh();
        b.allotment.refresh();
        c.allotment.refresh();
        a.allotment.refresh();
        assertThat(a.highLevel().limit("burst")).isEqualTo(33);

        b.allotment.destroy(); // stops: its row goes at once
        long left = time.nanos;
        a.allotment.refresh();
        assertThat(a.allotment.alive()).isEqualTo(2);
        while (a.highLevel().limit("burst") == 33) {
            assertThat(Duration.ofNanos(time.nanos - left)).as("b's last requests may still be in the window")
                    .isLessThan(INTERVAL.plus(DRAIN));
            step(a, c);
        }
        assertThat(a.highLevel().limit("burst")).isEqualTo(50);
        assertThat(Duration.ofNanos(time.nanos - left)).isLessThan(INTERVAL.plus(DRAIN).plus(INTERVAL));

        // c is killed: it renews no more, counts until its lease runs out, and its share goes back after that.
        long killed = time.nanos;
        long seenGone = -1;
        while (a.highLevel().limit("burst") != 100) {
            step(a);
            if (seenGone < 0 && a.allotment.alive() == 1) {
                seenGone = time.nanos;
                assertThat(Duration.ofNanos(seenGone - killed)).as("c counted until its lease ran out")
                        .isGreaterThanOrEqualTo(LEASE);
            }
            assertThat(Duration.ofNanos(time.nanos - killed)).isLessThan(Duration.ofMinutes(1));
        }
        assertThat(Duration.ofNanos(time.nanos - seenGone)).as("from c gone to the whole budget")
                .isGreaterThanOrEqualTo(INTERVAL.plus(DRAIN)).isLessThan(INTERVAL.plus(DRAIN).plus(INTERVAL));
        assertThat(a.highLevel().limit("daily")).isEqualTo(200_000);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aReplicaWhoseCallersWaitGetsMostOfTheLimitsAndTheSumNeverExceedsTheWhole(Kind kind) throws Exception {
        DataSource store = TestDatabases.migrated(kind);
        Replica a = new Replica(store, "a");
        Replica b = new Replica(store, "b");
        a.allotment.refresh();
        b.allotment.refresh();
        for (int i = 0; i < 8; i++) { // past b's join hold
            step(a, b);
        }
        assertThat(a.highLevel().limit("burst")).isEqualTo(50);
        assertThat(b.highLevel().limit("burst")).isEqualTo(50);

        // a runs a backfill: its callers are refused slots (they would wait); b is idle.
        long busySince = time.nanos;
        while (a.highLevel().limit("burst") != 90) {
            while (a.highLevel().acquire(Duration.ZERO).granted()) {
                // take the window's slots until one is refused
            }
            step(a, b);
            assertThat(a.highLevel().limit("burst") + b.highLevel().limit("burst")).as("a's and b's limits together")
                    .isLessThanOrEqualTo(100);
            assertThat(Duration.ofNanos(time.nanos - busySince)).isLessThan(Duration.ofMinutes(1));
        }
        assertThat(b.highLevel().limit("burst")).as("idle b keeps 1/10").isEqualTo(10);
        assertThat(Duration.ofNanos(time.nanos - busySince)).as("a grows after an interval and the drain")
                .isGreaterThanOrEqualTo(INTERVAL.plus(DRAIN));

        // a's backfill ends: a shrinks as soon as it is idle, b grows after the others could see it.
        long idleSince = time.nanos;
        while (b.highLevel().limit("burst") != 50) {
            step(a, b);
            assertThat(a.highLevel().limit("burst") + b.highLevel().limit("burst")).as("a's and b's limits together")
                    .isLessThanOrEqualTo(100);
            assertThat(Duration.ofNanos(time.nanos - idleSince)).isLessThan(Duration.ofMinutes(1));
        }
        assertThat(a.highLevel().limit("burst")).isEqualTo(50);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void togetherTheReplicasNeverGetMoreThanTheWholeWindowWhileOneJoins(Kind kind) throws Exception {
        DataSource store = TestDatabases.migrated(kind);
        Replica a = new Replica(store, "a");
        a.allotment.refresh();
        RateBudget first = a.highLevel();
        // a uses its whole window; b joins right after; a sees b one interval later.
        for (int i = 0; i < 100; i++) {
            assertThat(first.acquire(Duration.ZERO).granted()).isTrue();
        }
        Replica b = new Replica(store, "b");
        b.allotment.refresh();
        RateBudget second = b.highLevel();
        long joined = time.nanos;
        time.advance(INTERVAL);
        a.allotment.refresh();
        assertThat(first.limit("burst")).isEqualTo(50);
        // b's first slot: after a's 100 requests have left the 10 s window (plus margin).
        Duration wait = second.nextSlotIn();
        assertThat(Duration.ofNanos(time.nanos - joined).plus(wait)).isGreaterThanOrEqualTo(DRAIN);
        // and a's next only once its log is under its new 50.
        assertThat(first.nextSlotIn()).isGreaterThan(Duration.ofSeconds(7));
    }
}
