package io.contactsbridge.reports;

import io.contactsbridge.support.MutableClock;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The report counts' writer and store on both stores: counts gathered in memory land in their UTC hour's row, added to
 * what is there (also by another replica's writer), and buckets past retention go.
 */
class ReportCountersTest {

    private static final String PAIR = ReportCounters.pairScope("highlevel", "birdsend");
    private static final Duration NEVER = Duration.ofDays(1); // flushed by the test, not the timer

    /** A clock the test moves. */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void countsLandInTheirHourAndAddUpAcrossFlushesAndReplicas(Kind kind) throws Exception {
        DataSource ds = TestDatabases.pooled(TestDatabases.migrated(kind));
        ReportStore store = new ReportStore(new JdbcTemplate(ds));
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:59:59Z"));
        ReportCounters counters = new ReportCounters(store, clock, NEVER, Duration.ofDays(400));
        ReportCounters otherReplica = new ReportCounters(store, clock, NEVER, Duration.ofDays(400));
        try {
            // Many threads count at once (the sync's consumers): no count is lost.
            ExecutorService pool = Executors.newFixedThreadPool(4);
            for (int t = 0; t < 4; t++) {
                pool.submit(() -> {
                    for (int i = 0; i < 250; i++) {
                        counters.add(PAIR, ReportCounters.CREATED, ReportCounters.HIGHLEVEL_TO_BIRDSEND, 1);
                    }
                });
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            counters.add(PAIR, ReportCounters.TAGS_ADDED, "birdsend", 3);
            counters.add(PAIR, ReportCounters.TAGS_ADDED, "birdsend", 0); // nothing: no row
            assertThat(store.find(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"))).as("nothing before a flush").isEmpty();
            counters.flush();

            clock.set(Instant.parse("2026-03-01T11:00:00Z"));
            counters.add(PAIR, ReportCounters.CREATED, ReportCounters.HIGHLEVEL_TO_BIRDSEND, 1);
            otherReplica.add(PAIR, ReportCounters.CREATED, ReportCounters.HIGHLEVEL_TO_BIRDSEND, 2);
            otherReplica.automationFired("highlevel", "birdsend", "welcome-tag");
            counters.flush();
            otherReplica.flush();
            clock.set(Instant.parse("2026-03-01T11:30:00Z"));
            counters.add(PAIR, ReportCounters.CREATED, ReportCounters.HIGHLEVEL_TO_BIRDSEND, 4);
            counters.flush();
            counters.flush(); // nothing pending: nothing changes

            Instant ten = Instant.parse("2026-03-01T10:00:00Z");
            Instant eleven = Instant.parse("2026-03-01T11:00:00Z");
            assertThat(store.find(ten, Instant.parse("2026-03-01T12:00:00Z"))).containsExactly(
                    new ReportBucket(PAIR, ten, ReportCounters.CREATED, ReportCounters.HIGHLEVEL_TO_BIRDSEND, 1000),
                    new ReportBucket(PAIR, ten, ReportCounters.TAGS_ADDED, "birdsend", 3),
                    new ReportBucket(PAIR, eleven, ReportCounters.AUTOMATION_FIRED, "welcome-tag", 1),
                    new ReportBucket(PAIR, eleven, ReportCounters.CREATED, ReportCounters.HIGHLEVEL_TO_BIRDSEND, 7));
            assertThat(store.find(eleven, Instant.parse("2026-03-01T12:00:00Z"))).as("from is inclusive, to exclusive")
                    .hasSize(2);
        } finally {
            counters.stop();
            otherReplica.stop();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void bucketsPastRetentionAreDeletedAndCountsAreWrittenOnStop(Kind kind) {
        DataSource ds = TestDatabases.pooled(TestDatabases.migrated(kind));
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        ReportStore store = new ReportStore(jdbc);
        MutableClock clock = new MutableClock(Instant.parse("2026-03-10T12:15:00Z"));
        for (String hour : List.of("2026-03-01T09:00:00Z", "2026-03-08T11:00:00Z", "2026-03-08T12:00:00Z")) {
            jdbc.update(ReportStore.INSERT, PAIR, Timestamp.from(Instant.parse(hour)), ReportCounters.UPDATED, "x", 5L);
        }
        ReportCounters counters = new ReportCounters(store, clock, NEVER, Duration.ofDays(2));
        counters.add(PAIR, ReportCounters.UPDATED, "x", 1);
        counters.stop();
        assertThat(store.find(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z")))
                .as("older than 2 days (before 2026-03-08T12:00) gone; the count pending at stop written")
                .extracting(b -> b.start().toString() + "=" + b.n())
                .containsExactly("2026-03-08T12:00:00Z=5", "2026-03-10T12:00:00Z=1");
    }
}
