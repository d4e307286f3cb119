package io.contactsbridge.outbound;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** The dead_letter table on H2 and PostgreSQL: records, filters, the replay claim, outcomes and discards. */
class DeadLetterStoreTest {

    @ParameterizedTest
    @EnumSource(Kind.class)
    void recordListGetCountDelete(Kind kind) {
        DeadLetterStore store = new DeadLetterStore(new JdbcTemplate(TestDatabases.migrated(kind)), new ObjectMapper());
        Instant t0 = Instant.parse("2026-01-02T03:04:05Z");

        DeadLetter first = store.record(letter("sync-a", "{\"email\":\"ä@example.com\"}", t0, "short"));
        DeadLetter second = store.record(letter("sync-b", null, t0.plusSeconds(60), "x".repeat(5000)));

        assertThat(first.id()).isNotNull();
        assertThat(store.count()).isEqualTo(2);
        assertThat(store.list(10, 0)).extracting(DeadLetter::id).containsExactly(second.id(), first.id());
        assertThat(store.list(1, 1)).extracting(DeadLetter::id).containsExactly(first.id());
        assertThat(store.listByRoute("sync-a", 10)).extracting(DeadLetter::id).containsExactly(first.id());

        DeadLetter read = store.get(first.id()).orElseThrow();
        assertThat(read).isEqualTo(first);
        assertThat(read.headers()).containsEntry("X-Trace", "t-1");
        assertThat(store.get(second.id()).orElseThrow().errorMessage()).hasSize(4000);
        assertThat(store.get(second.id()).orElseThrow().body()).isNull();

        assertThat(store.delete(first.id())).isTrue();
        assertThat(store.delete(first.id())).isFalse();
        assertThat(store.get(first.id())).isEmpty();
        assertThat(store.count()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void concurrentClaimsOfOneLetterHaveOneWinnerAndAStaleClaimCanBeTakenOver(Kind kind) throws Exception {
        DeadLetterStore store = new DeadLetterStore(new JdbcTemplate(TestDatabases.pooled(TestDatabases.migrated(kind))),
                new ObjectMapper());
        Instant now = Instant.parse("2026-01-02T03:04:05Z");
        long id = store.record(letter("sync-a", "{}", now, "refused")).id();
        int claimants = 8;
        ExecutorService pool = Executors.newFixedThreadPool(claimants);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> claims = new ArrayList<>();
            for (int i = 0; i < claimants; i++) {
                claims.add(pool.submit(() -> {
                    start.await();
                    return store.claim(id, now, Duration.ofMinutes(5));
                }));
            }
            start.countDown();
            int won = 0;
            for (Future<Boolean> claim : claims) {
                won += claim.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(won).as("claims that won").isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.entry(id).orElseThrow().state()).isEqualTo(DeadLetterEntry.REPLAYING);
        assertThat(store.count()).as("a letter being replayed is still open").isEqualTo(1);
        assertThat(store.claim(id, now.plus(Duration.ofMinutes(4)), Duration.ofMinutes(5))).isFalse();
        // The claimant died (no outcome within the claim): another replay may take it.
        assertThat(store.claim(id, now.plus(Duration.ofMinutes(6)), Duration.ofMinutes(5))).isTrue();

        store.replayed(id, "succeeded", "re-sent", now.plus(Duration.ofMinutes(7)));
        assertThat(store.claim(id, now.plus(Duration.ofHours(1)), Duration.ofMinutes(5))).as("replayed: never again").isFalse();
        DeadLetterEntry done = store.entry(id).orElseThrow();
        assertThat(done.state()).isEqualTo(DeadLetterEntry.REPLAYED);
        assertThat(done.replayAttempts()).isEqualTo(1);
        assertThat(done.lastReplayOutcome()).isEqualTo("succeeded");
        assertThat(done.replays()).singleElement().satisfies(r -> assertThat(r.outcome()).isEqualTo("succeeded"));
        assertThat(store.count()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void filtersStatesFailedReplaysAndDiscards(Kind kind) {
        DeadLetterStore store = new DeadLetterStore(new JdbcTemplate(TestDatabases.migrated(kind)), new ObjectMapper());
        Instant t0 = Instant.parse("2026-01-02T03:04:05Z");
        long a = store.record(letter("route-a", "{}", t0, "refused")).id();
        long b = store.record(new DeadLetter(null, "route-b", "get-contact", "conn-2", "{}", Map.of(),
                "java.io.IOException", "disk", t0.plusSeconds(60), 3)).id();
        long c = store.record(letter("route-a", "{}", t0.plusSeconds(120), "refused again")).id();
        List<String> open = List.of(DeadLetterEntry.OPEN);

        assertThat(ids(store.find(filter(null, null, null, null, null, open, null), 10))).containsExactly(c, b, a);
        assertThat(ids(store.find(filter("conn-1", null, null, null, null, open, null), 10))).containsExactly(c, a);
        assertThat(ids(store.find(filter(null, "route-b", null, null, null, open, null), 10))).containsExactly(b);
        assertThat(ids(store.find(filter(null, null, "IOException", null, null, open, null), 10))).containsExactly(b);
        assertThat(ids(store.find(filter(null, null, "java.io.IOException", null, null, open, null), 10))).containsExactly(b);
        assertThat(ids(store.find(filter(null, null, "Exception", null, null, open, null), 10))).as("whole names only")
                .isEmpty();
        assertThat(ids(store.find(filter(null, null, null, t0.plusSeconds(60), t0.plusSeconds(120), open, null), 10)))
                .containsExactly(b);
        assertThat(ids(store.find(filter(null, null, null, null, null, open, c), 1))).containsExactly(b);
        assertThat(store.oldestOpen()).contains(t0);

        // A replay that fails again: open, with the new error as its last failure; the first failure stays.
        assertThat(store.claim(a, t0.plusSeconds(200), Duration.ofMinutes(5))).isTrue();
        store.failedAgain(a, "java.io.IOException", "still down", t0.plusSeconds(300), true);
        DeadLetterEntry failed = store.entry(a).orElseThrow();
        assertThat(failed.state()).isEqualTo(DeadLetterEntry.OPEN);
        assertThat(failed.firstFailedAt()).isEqualTo(t0);
        assertThat(failed.letter().failedAt()).isEqualTo(t0.plusSeconds(300));
        assertThat(failed.letter().errorMessage()).isEqualTo("still down");
        assertThat(failed.lastReplayError()).isEqualTo("still down");
        assertThat(failed.replayAttempts()).isEqualTo(1);
        assertThat(failed.replays()).singleElement().satisfies(r -> assertThat(r.detail()).contains("still down"));

        assertThat(store.discard(b, t0.plusSeconds(400))).isTrue();
        assertThat(store.discard(b, t0.plusSeconds(500))).as("already discarded").isFalse();
        assertThat(store.claim(b, t0.plusSeconds(500), Duration.ofMinutes(5))).as("discarded: never replayed").isFalse();
        assertThat(ids(store.find(filter(null, null, null, null, null, open, null), 10))).containsExactly(c, a);
        assertThat(ids(store.find(filter(null, null, null, null, null, List.of(DeadLetterEntry.DISCARDED), null), 10)))
                .containsExactly(b);
        assertThat(store.countByState()).containsEntry("open", 2L).containsEntry("discarded", 1L)
                .containsEntry("replayed", 0L).containsEntry("replaying", 0L);
        assertThat(store.count()).isEqualTo(2);
    }

    private static DeadLetterFilter filter(String connection, String route, String errorClass, Instant since,
                                           Instant until, List<String> states, Long before) {
        return new DeadLetterFilter(connection, route, errorClass, since, until, states, before);
    }

    private static List<Long> ids(List<DeadLetterEntry> entries) {
        return entries.stream().map(DeadLetterEntry::id).toList();
    }

    private static DeadLetter letter(String route, String body, Instant at, String message) {
        return new DeadLetter(null, route, "create-contact", "conn-1", body, Map.of("X-Trace", "t-1"),
                "io.contactsbridge.outbound.UpstreamRejectedException", message, at, 2);
    }
}
