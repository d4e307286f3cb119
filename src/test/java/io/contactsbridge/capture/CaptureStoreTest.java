package io.contactsbridge.capture;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** The pollers' SQL (cursor, leases, snapshots) on H2 and a real PostgreSQL. */
class CaptureStoreTest {

    static final String HL = "highlevel-poll";
    static final String BS = "birdsend-poll";
    static final Duration LEASE = Duration.ofMinutes(1);

    final MutableClock clock = MutableClock.startingAt(Instant.parse("2026-03-01T10:00:00Z"));

    /** One migrated database per kind for the class, emptied per test. */
    private static final Map<Kind, DataSource> DATABASES = new EnumMap<>(Kind.class);

    CaptureStore store(Kind kind) {
        DataSource ds;
        synchronized (DATABASES) {
            ds = DATABASES.computeIfAbsent(kind, k -> {
                HikariDataSource pool = new HikariDataSource();
                pool.setDataSource(TestDatabases.migrated(k));
                pool.setMaximumPoolSize(4);
                return pool;
            });
        }
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        jdbc.update("DELETE FROM capture_cursor");
        jdbc.update("DELETE FROM capture_birdsend_snapshot");
        jdbc.update("DELETE FROM capture_turn");
        return new CaptureStore(jdbc, clock);
    }

    static PollOutcome outcome(PollOutcome.Status status, Map<String, Integer> appended, String error, Instant at) {
        return new PollOutcome(HL, "hl", "poll", status, 3, 2, 150, appended, 4, error, at);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aScheduledPollRunsOncePerIntervalWhicheverReplicasScheduleFires(Kind kind) {
        CaptureStore store = store(kind);
        Duration gap = Duration.ofMillis(900);

        assertThat(store.takeTurn(HL, "hl", "poll", "a", gap)).as("the first turn").isTrue();
        clock.advance(Duration.ofMillis(400));
        assertThat(store.takeTurn(HL, "hl", "poll", "b", gap)).as("b's schedule, 0.4 s after a's poll").isFalse();
        assertThat(store.takeTurn(BS, "hl", "quick", "b", gap)).as("another poller has its own turns").isTrue();
        clock.advance(Duration.ofMillis(600));
        assertThat(store.takeTurn(HL, "hl", "poll", "a", gap)).as("a's next, an interval later").isTrue();
        clock.advance(Duration.ofMillis(400));
        assertThat(store.takeTurn(HL, "hl", "poll", "b", gap)).isFalse();
        // a is killed: b's next schedule after the gap takes over.
        clock.advance(Duration.ofMillis(1000));
        assertThat(store.takeTurn(HL, "hl", "poll", "b", gap)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void oneOwnerHoldsTheLeaseUntilItReleasesOrItExpires(Kind kind) {
        CaptureStore store = store(kind);

        assertThat(store.claim(HL, "hl", "a", LEASE)).isTrue();
        assertThat(store.claim(HL, "hl", "a", LEASE)).as("the holder may claim again").isTrue();
        assertThat(store.claim(HL, "hl", "b", LEASE)).isFalse();
        assertThat(store.claim(BS, "hl", "b", LEASE)).as("another source is another poller").isTrue();
        assertThat(store.claim(HL, "other", "b", LEASE)).as("another connection is another poller").isTrue();

        store.release(HL, "hl", "b");
        assertThat(store.claim(HL, "hl", "b", LEASE)).as("only the holder releases").isFalse();
        store.release(HL, "hl", "a");
        assertThat(store.claim(HL, "hl", "b", LEASE)).isTrue();

        clock.advance(Duration.ofSeconds(59));
        assertThat(store.renew(HL, "hl", "b", LEASE)).isTrue();
        clock.advance(Duration.ofSeconds(59));
        assertThat(store.claim(HL, "hl", "a", LEASE)).as("renewed, not expired yet").isFalse();
        clock.advance(Duration.ofSeconds(2));
        assertThat(store.claim(HL, "hl", "a", LEASE)).as("a crashed holder's lease expires").isTrue();
        assertThat(store.renew(HL, "hl", "b", LEASE)).as("the old holder learns it lost the lease").isFalse();
        assertThat(store.find(HL, "hl").orElseThrow().leaseOwner()).isEqualTo("a");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void theCursorIsStoredOnlyByTheLeaseHolderAndReadBackExactly(Kind kind) {
        CaptureStore store = store(kind);
        store.ensure(HL, "hl");
        store.ensure(HL, "hl");
        PollState fresh = store.find(HL, "hl").orElseThrow();
        assertThat(fresh.cursorValue()).isNull();
        assertThat(fresh.catchingUp()).isFalse();
        assertThat(fresh.baselineDone()).isFalse();
        assertThat(HighLevelCursor.from(fresh)).isNull();

        HighLevelCursor cursor = new HighLevelCursor(Instant.parse("2026-02-28T09:15:30.123Z"), "ocQHyuzHvysMo5N5VsXc",
                "[1772270130123,\"ocQHyuzHvysMo5N5VsXc\"]", true);
        assertThat(store.saveCursor(HL, "hl", "a", cursor, LEASE)).as("not the lease holder").isFalse();
        assertThat(store.claim(HL, "hl", "a", LEASE)).isTrue();
        assertThat(store.saveCursor(HL, "hl", "a", cursor, LEASE)).isTrue();

        PollState stored = store.find(HL, "hl").orElseThrow();
        assertThat(HighLevelCursor.from(stored)).isEqualTo(cursor);
        assertThat(stored.cursorValue()).isEqualTo("2026-02-28T09:15:30.123Z");
        assertThat(stored.leaseUntil()).isEqualTo(clock.instant().plus(LEASE));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void pollOutcomesAndFullScansAreRecorded(Kind kind) {
        CaptureStore store = store(kind);
        Instant at = clock.instant();
        store.recordPoll(HL, "hl", outcome(PollOutcome.Status.PARTIAL, Map.of("ContactChanged", 7), "stopped after 2 pages", at));

        PollState state = store.find(HL, "hl").orElseThrow();
        assertThat(state.lastPollAt()).isEqualTo(at);
        assertThat(state.lastPollKind()).isEqualTo("poll");
        assertThat(state.lastPollStatus()).isEqualTo("partial");
        assertThat(state.lastPollError()).isEqualTo("stopped after 2 pages");
        assertThat(state.lastPollRequests()).isEqualTo(3);
        assertThat(state.lastPollEvents()).isEqualTo("{\"ContactChanged\":7}");

        store.recordPoll(HL, "hl", outcome(PollOutcome.Status.FAILED, Map.of(), "x".repeat(3000), at));
        assertThat(store.find(HL, "hl").orElseThrow().lastPollError()).hasSize(CaptureStore.MAX_ERROR);

        assertThat(store.recordFullScan(BS, "bs", "a", at)).as("needs the lease").isFalse();
        assertThat(store.claim(BS, "bs", "a", LEASE)).isTrue();
        assertThat(store.recordFullScan(BS, "bs", "a", at.plusSeconds(5))).isTrue();
        PollState scanned = store.find(BS, "bs").orElseThrow();
        assertThat(scanned.baselineDone()).isTrue();
        assertThat(scanned.lastFullScanAt()).isEqualTo(at.plusSeconds(5));
        assertThat(store.all()).extracting(PollState::source).containsExactly(BS, HL);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void theRollingScansPassAndTheQuickScansOrderAreStoredByTheLeaseHolderAndSurviveARestart(Kind kind) {
        CaptureStore store = store(kind);
        Instant started = Instant.parse("2026-03-01T09:59:00.123456Z");
        PollState.Pass pass = new PollState.Pass(started, 42, 0, 4_200L);
        assertThat(store.savePass(BS, "bs", "a", pass, LEASE)).as("needs the lease").isFalse();
        assertThat(store.claim(BS, "bs", "a", LEASE)).isTrue();
        assertThat(store.find(BS, "bs").orElseThrow().pass()).isNull();
        clock.advance(Duration.ofSeconds(30));
        assertThat(store.savePass(BS, "bs", "a", pass, LEASE)).isTrue();
        assertThat(store.find(BS, "bs").orElseThrow().leaseUntil()).as("saving renews the lease").isEqualTo(clock.instant().plus(LEASE));
        assertThat(store.recordQuickOrder(BS, "bs", "a", "updated_at", clock.instant())).isTrue();
        assertThat(store.recordQuickOrder(BS, "bs", "b", "contact_id", clock.instant())).isFalse();

        // A new store object on the same database: what a restarted replica reads.
        CaptureStore restarted = new CaptureStore(new JdbcTemplate(DATABASES.get(kind)), clock);
        PollState state = restarted.find(BS, "bs").orElseThrow();
        assertThat(state.pass()).isEqualTo(pass);
        assertThat(state.pass().listed()).isFalse();
        assertThat(state.quickOrderBy()).isEqualTo("updated_at");
        assertThat(state.quickOrderProbedAt()).isEqualTo(clock.instant());

        PollState.Pass checking = new PollState.Pass(started, PollState.Pass.LISTED, 3, 9_999L);
        assertThat(restarted.savePass(BS, "bs", "a", checking, LEASE)).isTrue();
        assertThat(restarted.find(BS, "bs").orElseThrow().pass()).isEqualTo(checking).matches(PollState.Pass::listed);

        Instant ended = clock.instant().plusSeconds(40);
        assertThat(restarted.recordFullScan(BS, "bs", "a", ended)).isTrue();
        PollState done = restarted.find(BS, "bs").orElseThrow();
        assertThat(done.pass()).as("a complete pass leaves none in progress").isNull();
        assertThat(done.lastPassStartedAt()).isEqualTo(started);
        assertThat(done.lastFullScanAt()).isEqualTo(ended);
        assertThat(done.baselineDone()).isTrue();
        assertThat(done.quickOrderBy()).isEqualTo("updated_at");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void snapshotsAreStoredUpdatedTouchedAndFoundMissing(Kind kind) {
        CaptureStore store = store(kind);
        Instant t0 = clock.instant();
        BirdSendSnapshot ann = new BirdSendSnapshot("bs", "101", "ann@example.com", "c1", "f1", "active", "t1",
                List.of("Leads", "VIP"), 1, t0, t0);
        BirdSendSnapshot bo = new BirdSendSnapshot("bs", "102", "bo@example.com", "c2", "f2", null, "t2", List.of(), 1, t0, t0);
        BirdSendSnapshot otherAccount = new BirdSendSnapshot("other", "101", "x@example.com", "c9", "f9", "active", "t9",
                List.of("Ä tag, with \"quotes\""), 1, t0, t0);
        store.saveSnapshot(ann);
        store.saveSnapshot(bo);
        store.saveSnapshot(otherAccount);

        assertThat(store.snapshots("bs", List.of("101", "102", "999"))).containsOnlyKeys("101", "102");
        assertThat(store.snapshot("bs", "101")).contains(ann);
        assertThat(store.snapshot("other", "101")).contains(otherAccount);
        assertThat(store.countSnapshots("bs")).isEqualTo(2);

        Instant t1 = t0.plusSeconds(60);
        BirdSendSnapshot annChanged = new BirdSendSnapshot("bs", "101", "ann@new.example.com", "c1b", "f1", "unsubscribed", "t1",
                List.of("Leads", "VIP"), 2, t0, t1);
        store.saveSnapshot(annChanged);
        assertThat(store.snapshot("bs", "101")).contains(annChanged);
        assertThat(store.countSnapshots("bs")).isEqualTo(2);

        Instant scanStart = t0.plusSeconds(30);
        assertThat(store.notSeenSince("bs", scanStart, 10)).extracting(BirdSendSnapshot::contactId).containsExactly("102");
        assertThat(store.touch("bs", List.of("102"), t1)).isEqualTo(1);
        assertThat(store.notSeenSince("bs", scanStart, 10)).isEmpty();
        assertThat(store.notSeenSince("other", scanStart, 10)).extracting(BirdSendSnapshot::contactId).containsExactly("101");
        assertThat(store.notSeenSince("other", scanStart, 0)).isEmpty();

        assertThat(store.deleteSnapshot("bs", "102")).isTrue();
        assertThat(store.deleteSnapshot("bs", "102")).isFalse();
        assertThat(store.countSnapshots("bs")).isEqualTo(1);
        assertThat(store.countSnapshots("other")).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void snapshotLookupsAndTouchesWorkBeyondOneInListChunk(Kind kind) {
        CaptureStore store = store(kind);
        Instant t0 = clock.instant();
        List<String> ids = java.util.stream.IntStream.range(0, 1_003).mapToObj(i -> Integer.toString(5_000 + i)).toList();
        ids.forEach(id -> store.saveSnapshot(new BirdSendSnapshot("bs", id, id + "@example.com", "c", "f", "active", "t",
                List.of(), 1, t0, t0)));

        assertThat(store.snapshots("bs", ids)).hasSize(ids.size());
        assertThat(store.touch("bs", ids, t0.plusSeconds(1))).isEqualTo(ids.size());
        assertThat(store.notSeenSince("bs", t0.plusSeconds(1), 5_000)).isEmpty();
    }
}
