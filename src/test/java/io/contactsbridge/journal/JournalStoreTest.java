package io.contactsbridge.journal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The journal's SQL and guarantees, on H2 and a real PostgreSQL. */
class JournalStoreTest {

    static final String HL = JournalSources.HIGHLEVEL_WEBHOOK;
    static final String BS = JournalSources.BIRDSEND_NOTIFICATION;
    static final Duration LEASE = Duration.ofSeconds(30);

    final MutableClock clock = MutableClock.startingAt(Instant.parse("2026-03-01T10:00:00Z"));

    /** One migrated database per kind for the class (creating and migrating one per test is slow), emptied per test. */
    private static final Map<Kind, DataSource> DATABASES = new EnumMap<>(Kind.class);

    /** Opening a PostgreSQL connection per statement dominates the run time otherwise; the app has a pool too. */
    static DataSource pooled(DataSource ds) {
        return TestDatabases.pooled(ds);
    }

    JournalStore store(Kind kind) {
        DataSource ds;
        synchronized (DATABASES) {
            ds = DATABASES.computeIfAbsent(kind, k -> pooled(TestDatabases.migrated(k)));
        }
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        jdbc.update("DELETE FROM journal_consumer");
        jdbc.update("DELETE FROM inbound_event");
        return new JournalStore(jdbc, new DataSourceTransactionManager(ds), clock, new JournalSignal());
    }

    static String payload(String type, String id) {
        return "{\"type\":\"" + type + "\",\"id\":\"" + id + "\"}";
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aRepeatedEventIdOfTheSameSourceIsADuplicate(Kind kind) {
        JournalStore store = store(kind);

        assertThat(store.append(HL, "ContactCreate", "wh-1", "highlevel:c1", payload("ContactCreate", "c1")))
                .isEqualTo(AppendResult.APPENDED);
        assertThat(store.append(HL, "ContactCreate", "wh-1", "highlevel:c1", "{\"other\":true}"))
                .isEqualTo(AppendResult.DUPLICATE);
        assertThat(store.append(BS, "ContactNotified", "wh-1", "birdsend:1", "{}")).isEqualTo(AppendResult.APPENDED);

        assertThat(store.count()).isEqualTo(2);
        JournalEvent stored = store.find(HL, "wh-1").orElseThrow();
        assertThat(stored.payload()).isEqualTo(payload("ContactCreate", "c1"));
        assertThat(stored.receivedAt()).isEqualTo(clock.instant());
        assertThat(stored.contactKey()).isEqualTo("highlevel:c1");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void concurrentAppendsOfOneEventIdStoreItOnce(Kind kind) throws Exception {
        JournalStore store = store(kind);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 10; round++) {
                String id = "race-" + round;
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<AppendResult>> results = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    results.add(pool.submit(() -> {
                        start.await(5, TimeUnit.SECONDS);
                        return store.append(HL, "ContactUpdate", id, "highlevel:racer", payload("ContactUpdate", "racer"));
                    }));
                }
                List<AppendResult> outcomes = new ArrayList<>();
                for (Future<AppendResult> r : results) {
                    outcomes.add(r.get(10, TimeUnit.SECONDS));
                }
                assertThat(outcomes).as("round %d", round)
                        .containsExactlyInAnyOrder(AppendResult.APPENDED, AppendResult.DUPLICATE);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.count()).isEqualTo(10);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void concurrentAppendsShareTransactionsAndEachIsAnsweredForItself(Kind kind) throws Exception {
        JournalStore store = store(kind);
        int threads = 32;
        int perThread = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long transactionsBefore = store.appendTransactions();
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<List<AppendResult>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    List<AppendResult> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        // Every event id is sent by two threads (t and t^1): one of them stores it, whichever is first.
                        String id = "group-" + (thread / 2) + "-" + i;
                        mine.add(store.append(HL, "ContactUpdate", id, "highlevel:c" + (thread / 2), payload("ContactUpdate", id)));
                    }
                    return mine;
                }));
            }
            long appended = 0;
            long duplicates = 0;
            for (Future<List<AppendResult>> r : results) {
                for (AppendResult a : r.get(60, TimeUnit.SECONDS)) {
                    appended += a == AppendResult.APPENDED ? 1 : 0;
                    duplicates += a == AppendResult.DUPLICATE ? 1 : 0;
                }
            }
            assertThat(appended).isEqualTo(threads / 2 * perThread);
            assertThat(duplicates).isEqualTo(threads / 2 * perThread);
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.count()).isEqualTo(threads / 2 * perThread);
        long transactions = store.appendTransactions() - transactionsBefore;
        assertThat(transactions).as("transactions for %d appends", threads * perThread).isLessThan(threads * perThread / 2);
        // An append returns only once its event is stored, so each contact's ids (sent in order) are in seq order.
        List<JournalEvent> all = store.events(List.of(HL), 0, 10_000);
        for (int c = 0; c < threads / 2; c++) {
            String contact = "highlevel:c" + c;
            List<String> ids = all.stream().filter(e -> e.contactKey().equals(contact)).map(JournalEvent::eventId).toList();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
                expected.add("group-" + c + "-" + i);
            }
            assertThat(ids).as(contact).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void readsWantedEventsInOrderAndCommitsMoveThePosition(Kind kind) {
        JournalStore store = store(kind);
        JournalSubscription creates = JournalSubscription.of("creates", HL, "ContactCreate", 1);
        store.register(creates, StartFrom.EARLIEST);
        store.append(HL, "ContactCreate", "e1", "highlevel:a", payload("ContactCreate", "a"));
        store.append(HL, "ContactUpdate", "e2", "highlevel:a", payload("ContactUpdate", "a"));
        store.append(BS, "ContactNotified", "e3", "birdsend:1", "{\"contactId\":1}");
        store.append(HL, "ContactCreate", "e4", "highlevel:b", payload("ContactCreate", "b"));
        store.append(HL, "ContactDelete", "e5", "highlevel:b", payload("ContactDelete", "b"));

        JournalLease lease = store.claim("creates", 0, "me", LEASE).orElseThrow();
        JournalBatch first = store.read(creates, 0, 1);
        assertThat(first.events()).extracting(JournalEvent::eventId).containsExactly("e1");
        assertThat(first.scannedThrough()).as("a full batch has seen only up to its last event")
                .isEqualTo(first.events().get(0).seq());
        store.commit(lease, first.events().get(0).seq(), LEASE);

        JournalBatch rest = store.read(creates, 0, 10);
        assertThat(rest.events()).extracting(JournalEvent::eventId).containsExactly("e4");
        assertThat(rest.scannedThrough()).as("an incomplete batch has seen everything up to the head").isEqualTo(store.head());
        assertThat(store.pending("creates")).isEqualTo(1);

        store.commit(lease, rest.scannedThrough(), LEASE);
        assertThat(store.read(creates, 0, 10).isEmpty()).isTrue();
        assertThat(store.pending("creates")).isZero();
        assertThat(store.behind("creates")).isFalse();

        store.commit(lease, 1, LEASE);
        assertThat(store.consumers().get(0).position()).as("positions never move back").isEqualTo(store.head());
    }

    /**
     * A consumer's read must go by seq from its position, however many events of its sources lie before it: H2 once
     * chose the duplicate rule's index (source first) and went through every event of the source (the app lifecycle's
     * consumer spent most of a core on it at 100,000 events). Only H2 is checked: its planner made that choice, and
     * its EXPLAIN ANALYZE counts the rows a query went through.
     */
    @org.junit.jupiter.api.Test
    void aReadGoesThroughTheEventsAfterThePositionOnlyHoweverLongTheJournal() {
        JournalStore store = store(Kind.H2);
        JdbcTemplate jdbc = new JdbcTemplate(DATABASES.get(Kind.H2));
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            rows.add(new Object[] {HL, "ContactUpdate", "old-" + i, "highlevel:c" + i, i, payload("ContactUpdate", "c" + i)});
        }
        jdbc.batchUpdate("INSERT INTO inbound_event (source, event_type, event_id, contact_key, contact_hash, payload, received_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP)", rows);
        long position = store.head();
        List<JournalSubscription> subs = List.of(JournalSubscription.of("lifecycle", HL, "INSTALL,UNINSTALL", 1),
                JournalSubscription.of("sync", HL + "," + BS, null, 4));
        subs.forEach(sub -> store.register(sub, StartFrom.LATEST));
        for (int i = 0; i < 5; i++) {
            store.append(HL, i == 2 ? "INSTALL" : "ContactUpdate", "new-" + i, "highlevel:n" + i, payload("ContactUpdate", "n" + i));
        }

        for (JournalSubscription sub : subs) {
            List<Object> args = new ArrayList<>();
            String sql = JournalStore.readQuery(sub, 1, position, store.head(), 100, args);
            assertThat(rowsGoneThrough(jdbc, sql, args)).as("rows gone through by %s's read", sub.consumerId())
                    .isLessThanOrEqualTo(10);
        }
        // The status's count of what active consumers still have to process: as cheap, and right.
        List<Object> args = new ArrayList<>();
        String pending = JournalStore.pendingTotalQuery(store.consumers(), args);
        assertThat(rowsGoneThrough(jdbc, pending, args)).as("rows gone through by the pending count").isLessThanOrEqualTo(10);
        assertThat(store.pendingTotal(clock.instant().minus(Duration.ofMinutes(1)))).isEqualTo(5);
    }

    /**
     * The ingress's overload check asks only whether a consumer is more than the limit behind: its count stops just
     * past the limit, however far behind the consumer is (at 100,000 events behind the full count outlasted the
     * ingress's one-second store timeout, and every webhook was answered 429 for 20 minutes).
     */
    @org.junit.jupiter.api.Test
    void aLagCountedUpToACapGoesThroughNoMoreRowsThanTheCap() {
        JournalStore store = store(Kind.H2);
        JdbcTemplate jdbc = new JdbcTemplate(DATABASES.get(Kind.H2));
        JournalSubscription sub = JournalSubscription.of("capped-lag-" + System.nanoTime(), BS, null, 1);
        store.register(sub, StartFrom.LATEST);
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            rows.add(new Object[] {BS, "ContactChanged", "lag-" + System.nanoTime() + "-" + i, "birdsend:" + i, i,
                    payload("ContactChanged", "b" + i)});
        }
        jdbc.batchUpdate("INSERT INTO inbound_event (source, event_type, event_id, contact_key, contact_hash, payload, received_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP)", rows);

        ConsumerState exact = store.consumers().stream().filter(c -> c.consumerId().equals(sub.consumerId())).findFirst().orElseThrow();
        assertThat(exact.lag()).isGreaterThanOrEqualTo(3_000);
        ConsumerState capped = store.consumers(101).stream().filter(c -> c.consumerId().equals(sub.consumerId())).findFirst().orElseThrow();
        assertThat(capped.lag()).isEqualTo(101);
        List<Object> args = new ArrayList<>();
        assertThat(rowsGoneThrough(jdbc, JournalStore.lagQuery(exact, 101, args), args)).as("rows gone through")
                .isLessThanOrEqualTo(150);
    }

    /** What H2's EXPLAIN ANALYZE says the query went through (its scanCount). */
    private static long rowsGoneThrough(JdbcTemplate jdbc, String sql, List<Object> args) {
        String plan = jdbc.queryForObject("EXPLAIN ANALYZE " + sql, String.class, args.toArray());
        java.util.regex.Matcher scanned = java.util.regex.Pattern.compile("scanCount: (\\d+)").matcher(plan);
        assertThat(scanned.find()).as(plan).isTrue();
        return Long.parseLong(scanned.group(1));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aLeaseIsExclusiveUntilItExpiresThenAnotherReplicaTakesOver(Kind kind) {
        JournalStore store = store(kind);
        JournalSubscription sub = JournalSubscription.of("sync", HL, "", 1);
        store.register(sub, StartFrom.EARLIEST);
        store.append(HL, "ContactCreate", "e1", "highlevel:a", payload("ContactCreate", "a"));

        JournalLease a = store.claim("sync", 0, "replica-a", LEASE).orElseThrow();
        assertThat(store.claim("sync", 0, "replica-b", LEASE)).as("held by replica-a").isEmpty();
        clock.advance(Duration.ofSeconds(20));
        a = store.claim("sync", 0, "replica-a", LEASE).orElseThrow();
        clock.advance(Duration.ofSeconds(20));
        assertThat(store.claim("sync", 0, "replica-b", LEASE)).as("renewed by replica-a").isEmpty();

        // replica-a crashes (no release); once its lease has expired replica-b takes over.
        clock.advance(Duration.ofSeconds(11));
        JournalLease b = store.claim("sync", 0, "replica-b", LEASE).orElseThrow();
        JournalLease stale = a;
        assertThatThrownBy(() -> store.commit(stale, 1, LEASE)).isInstanceOf(LeaseLostException.class);
        long seq = store.read(sub, 0, 10).events().get(0).seq();
        store.commit(b, seq, LEASE);
        assertThat(store.pending("sync")).isZero();

        store.release(b);
        assertThat(store.claim("sync", 0, "replica-a", LEASE)).as("free again after release").isPresent();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void partitionsKeepEachContactsEventsTogetherAndInOrder(Kind kind) {
        JournalStore store = store(kind);
        int partitions = 3;
        JournalSubscription sub = JournalSubscription.of("parted", HL, "", partitions);
        store.register(sub, StartFrom.EARLIEST);
        List<String> appended = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            for (int contact = 0; contact < 8; contact++) {
                String id = "c" + contact + "-" + round;
                store.append(HL, "ContactUpdate", id, "highlevel:c" + contact, payload("ContactUpdate", "c" + contact));
                appended.add(id);
            }
        }

        Map<String, Integer> partitionOfContact = new HashMap<>();
        List<String> seen = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            List<JournalEvent> events = store.read(sub, p, 100).events();
            assertThat(events).extracting(JournalEvent::seq).isSorted();
            Map<String, Integer> lastRound = new HashMap<>();
            for (JournalEvent e : events) {
                assertThat(ContactKeys.partition(e.contactKey(), partitions)).isEqualTo(p);
                assertThat(partitionOfContact.putIfAbsent(e.contactKey(), p)).isIn(null, p);
                int round = Integer.parseInt(e.eventId().substring(e.eventId().indexOf('-') + 1));
                assertThat(round).as("order of %s", e.contactKey()).isGreaterThan(lastRound.getOrDefault(e.contactKey(), -1));
                lastRound.put(e.contactKey(), round);
                seen.add(e.eventId());
            }
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(appended);
        assertThat(Set.copyOf(partitionOfContact.values())).as("8 contacts spread over the partitions").hasSizeGreaterThan(1);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aFailedEventBlocksItsPartitionForAGrowingBackOff(Kind kind) {
        JournalStore store = store(kind);
        JournalSubscription sub = JournalSubscription.of("retrying", HL, "", 1);
        store.register(sub, StartFrom.EARLIEST);
        store.append(HL, "ContactCreate", "e1", "highlevel:a", payload("ContactCreate", "a"));
        store.append(HL, "ContactCreate", "e2", "highlevel:b", payload("ContactCreate", "b"));
        long first = store.find(HL, "e1").orElseThrow().seq();

        JournalLease lease = store.claim("retrying", 0, "me", LEASE).orElseThrow();
        JournalStore.Failure f1 = store.recordFailure(lease, first, "UpstreamApiException: 503", Duration.ofSeconds(1),
                Duration.ofSeconds(5));
        assertThat(f1.failures()).isEqualTo(1);
        assertThat(f1.retryAfter()).isEqualTo(clock.instant().plusSeconds(1));
        assertThat(store.claim("retrying", 0, "me", LEASE)).as("waiting out the back-off").isEmpty();

        clock.advance(Duration.ofSeconds(1));
        lease = store.claim("retrying", 0, "other", LEASE).orElseThrow();
        assertThat(store.read(sub, 0, 10).events()).extracting(JournalEvent::eventId).as("nothing skipped")
                .containsExactly("e1", "e2");
        JournalStore.Failure f2 = store.recordFailure(lease, first, "again", Duration.ofSeconds(1), Duration.ofSeconds(5));
        assertThat(f2.failures()).isEqualTo(2);
        assertThat(f2.retryAfter()).isEqualTo(clock.instant().plusSeconds(2));
        ConsumerState blocked = store.consumers().get(0);
        assertThat(blocked.failedSeq()).isEqualTo(first);
        assertThat(blocked.lastError()).isEqualTo("again");
        assertThat(blocked.leaseOwner()).as("released for whoever retries").isNull();

        clock.advance(Duration.ofSeconds(2));
        lease = store.claim("retrying", 0, "me", LEASE).orElseThrow();
        store.commit(lease, first, LEASE);
        ConsumerState cleared = store.consumers().get(0);
        assertThat(cleared.failedSeq()).isNull();
        assertThat(cleared.failures()).isZero();
        assertThat(cleared.position()).isEqualTo(first);
        assertThat(JournalStore.backoff(10, Duration.ofSeconds(1), Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aHeldEventWaitsTheTimeGivenAndAFailureAfterTheHoldStartsItsBackOffAfresh(Kind kind) {
        JournalStore store = store(kind);
        JournalSubscription sub = JournalSubscription.of("holding", HL, "", 1);
        store.register(sub, StartFrom.EARLIEST);
        store.append(HL, "ContactCreate", "h1", "highlevel:a", payload("ContactCreate", "a"));
        long seq = store.find(HL, "h1").orElseThrow().seq();

        for (int i = 0; i < 12; i++) {
            JournalLease lease = store.claim("holding", 0, "me", LEASE).orElseThrow();
            JournalStore.Failure held = store.recordHold(lease, seq, "MappingMisfitException: held", Duration.ofSeconds(60));
            assertThat(held.failures()).as("a hold is no failed attempt").isZero();
            assertThat(held.retryAfter()).isEqualTo(clock.instant().plusSeconds(60));
            assertThat(store.claim("holding", 0, "me", LEASE)).as("held").isEmpty();
            clock.advance(Duration.ofSeconds(60));
        }
        ConsumerState blocked = store.consumers().stream().filter(c -> c.consumerId().equals("holding")).findFirst().orElseThrow();
        assertThat(blocked.failedSeq()).isEqualTo(seq);
        assertThat(blocked.lastError()).isEqualTo("MappingMisfitException: held");

        // The hold is over; the next attempt fails for another reason: the first step of the back-off, not the twelfth.
        JournalLease lease = store.claim("holding", 0, "me", LEASE).orElseThrow();
        JournalStore.Failure failed = store.recordFailure(lease, seq, "DuplicateKeyException", Duration.ofSeconds(1),
                Duration.ofMinutes(5));
        assertThat(failed.failures()).isEqualTo(1);
        assertThat(failed.retryAfter()).isEqualTo(clock.instant().plusSeconds(1));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void newConsumersStartEarliestOrLatestAndRepartitioningLosesNothing(Kind kind) {
        JournalStore store = store(kind);
        store.append(HL, "ContactCreate", "old", "highlevel:a", payload("ContactCreate", "a"));
        store.register(JournalSubscription.of("from-start", HL, "", 1), StartFrom.EARLIEST);
        store.register(JournalSubscription.of("from-now", HL, "", 1), StartFrom.LATEST);
        assertThat(store.pending("from-start")).isEqualTo(1);
        assertThat(store.pending("from-now")).isZero();

        store.append(HL, "ContactCreate", "new", "highlevel:b", payload("ContactCreate", "b"));
        JournalLease lease = store.claim("from-now", 0, "me", LEASE).orElseThrow();
        store.commit(lease, store.head(), LEASE);
        store.register(JournalSubscription.of("from-start", HL, "", 4), StartFrom.LATEST);
        assertThat(store.consumers()).filteredOn(c -> c.consumerId().equals("from-start"))
                .hasSize(4).allMatch(c -> c.position() == 0 && c.partitions() == 4);
        assertThat(store.pending("from-start")).isEqualTo(2);
        assertThat(store.pending("from-now")).isZero();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void pendingCountsEachEventOnceAndRetentionKeepsWhatActiveConsumersNeed(Kind kind) {
        JournalStore store = store(kind);
        store.register(JournalSubscription.of("all", HL + "," + BS, "", 1), StartFrom.EARLIEST);
        store.register(JournalSubscription.of("creates", HL, "ContactCreate", 2), StartFrom.EARLIEST);
        store.append(HL, "ContactCreate", "e1", "highlevel:a", payload("ContactCreate", "a"));
        store.append(HL, "ContactUpdate", "e2", "highlevel:a", payload("ContactUpdate", "a"));
        store.append(BS, "ContactNotified", "e3", "birdsend:7", "{\"contactId\":7}");
        Instant activeSince = clock.instant().minus(Duration.ofMinutes(10));

        assertThat(store.pending("all")).isEqualTo(3);
        assertThat(store.pending("creates")).isEqualTo(1);
        assertThat(store.pendingTotal(activeSince)).isEqualTo(3);

        JournalLease lease = store.claim("all", 0, "me", LEASE).orElseThrow();
        store.commit(lease, store.head(), LEASE);
        assertThat(store.pendingTotal(activeSince)).as("only e1, still wanted by 'creates'").isEqualTo(1);

        clock.advance(Duration.ofDays(31));
        Instant cutoff = clock.instant().minus(Duration.ofDays(30));
        assertThat(store.prune(cutoff, clock.instant().minus(Duration.ofDays(40)))).as("'creates' still needs e1...")
                .isZero();
        assertThat(store.prune(cutoff, clock.instant().minus(Duration.ofMinutes(10))))
                .as("...until it is inactive").isEqualTo(3);
        assertThat(store.count()).isZero();
    }
}
