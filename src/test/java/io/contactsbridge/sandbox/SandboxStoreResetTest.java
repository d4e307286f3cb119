package io.contactsbridge.sandbox;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;

import javax.sql.DataSource;

import io.contactsbridge.journal.AppendResult;
import io.contactsbridge.journal.JournalSignal;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.ops.InvalidSettingException;
import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.TestDatabases.Kind;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * When sandbox mode starts its store over ({@link SandboxStoreReset}), on both databases: never a fresh store or one
 * kept on purpose, always one of an earlier sandbox run, and a live bridge's store only when told to.
 */
class SandboxStoreResetTest {

    private static final String SANDBOX_INSTANCE = "sandbox";

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aFreshStoreIsMigratedAndRecordsItsWorld(Kind kind) {
        DataSource ds = kind == Kind.H2 ? TestDatabases.freshH2() : TestDatabases.freshPostgres();
        SandboxWorld world = world();
        reset(world, false, true).migrate(flyway(ds));
        assertThat(new JdbcTemplate(ds).queryForObject("SELECT world_id FROM sandbox_world", String.class))
                .isEqualTo(world.id());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aStoreOfAnEarlierWorldIsEmptiedAndWorksAfterwards(Kind kind) {
        DataSource ds = kind == Kind.H2 ? TestDatabases.freshH2() : TestDatabases.freshPostgres();
        reset(world(), false, true).migrate(flyway(ds));
        fill(ds, SANDBOX_INSTANCE);

        SandboxWorld next = world();
        reset(next, false, true).migrate(flyway(ds));

        assertEmptied(ds);
        assertThat(new JdbcTemplate(ds).queryForObject("SELECT world_id FROM sandbox_world", String.class))
                .isEqualTo(next.id());
        // The seeded rows of the migrations are back: the journal takes events again.
        assertThat(journal(ds).append("highlevel-webhook", "ContactUpdate", "after-reset", "highlevel:x", "{}"))
                .isEqualTo(AppendResult.APPENDED);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aSandboxStoreFromBeforeWorldsWereRecordedIsEmptied(Kind kind) {
        DataSource ds = kind == Kind.H2 ? TestDatabases.freshH2() : TestDatabases.freshPostgres();
        flyway(ds).migrate();
        fill(ds, SANDBOX_INSTANCE);

        reset(world(), false, true).migrate(flyway(ds));

        assertEmptied(ds);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aLiveBridgesStoreIsRefusedUnlessTheResetIsAskedFor(Kind kind) {
        DataSource ds = kind == Kind.H2 ? TestDatabases.freshH2() : TestDatabases.freshPostgres();
        flyway(ds).migrate();
        fill(ds, "prod-bridge-1");

        assertThatThrownBy(() -> reset(world(), false, true).migrate(flyway(ds)))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("prod-bridge-1")
                .satisfies(e -> assertThat(((InvalidSettingException) e).action()).contains("--bridge.sandbox.reset=true"));
        assertThat(count(ds, "sync_link")).as("links of the live bridge, untouched").isEqualTo(1);

        reset(world(), true, true).migrate(flyway(ds));
        assertEmptied(ds);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void keptWhenResetOnReseedIsOff(Kind kind) {
        DataSource ds = kind == Kind.H2 ? TestDatabases.freshH2() : TestDatabases.freshPostgres();
        reset(world(), false, true).migrate(flyway(ds));
        fill(ds, "prod-bridge-1");

        reset(world(), false, false).migrate(flyway(ds));

        assertThat(count(ds, "sync_link")).isEqualTo(1);
        assertThat(count(ds, "inbound_event")).isEqualTo(1);
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static SandboxWorld world() {
        return SandboxWorld.seededBy(new SandboxProperties(new SandboxProperties.Simulator(0, 20),
                new SandboxProperties.Simulator(0, 20), 1, 42, 0.4, true));
    }

    private static SandboxStoreReset reset(SandboxWorld world, boolean reset, boolean resetOnReseed) {
        return new SandboxStoreReset(world, reset, resetOnReseed, SANDBOX_INSTANCE, Clock.systemUTC());
    }

    private static Flyway flyway(DataSource ds) {
        return Flyway.configure().dataSource(ds).load();
    }

    private static JournalStore journal(DataSource ds) {
        return new JournalStore(new JdbcTemplate(ds), new DataSourceTransactionManager(ds), Clock.systemUTC(),
                new JournalSignal());
    }

    /** What a run leaves: a heartbeat of {@code instance}, a link, a journal event, a finished backfill. */
    private static void fill(DataSource ds, String instance) {
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        Timestamp now = Timestamp.from(Instant.now());
        jdbc.update("INSERT INTO bridge_instance (instance_id, version, started_at, last_beat_at, beats) VALUES (?, 'x', ?, ?, 1)",
                instance, now, now);
        jdbc.update("INSERT INTO sync_link (highlevel_connection, birdsend_connection, highlevel_id, birdsend_id, email, shadow,"
                + " version, created_at, updated_at) VALUES ('highlevel', 'birdsend', 'hl-1', '1201', 'a@example.com', '{}', 0, ?, ?)",
                now, now);
        jdbc.update("INSERT INTO sync_backfill (highlevel_connection, birdsend_connection, run_id, state, dry_run, total, processed,"
                + " counts, started_at, updated_at) VALUES ('highlevel', 'birdsend', 'run-1', 'done', FALSE, 1, 1, '{}', ?, ?)",
                now, now);
        assertThat(journal(ds).append("highlevel-webhook", "ContactUpdate", "before-reset", "highlevel:hl-1", "{}"))
                .isEqualTo(AppendResult.APPENDED);
    }

    private static void assertEmptied(DataSource ds) {
        for (String table : new String[] {"bridge_instance", "sync_link", "sync_backfill", "inbound_event"}) {
            assertThat(count(ds, table)).as(table).isZero();
        }
    }

    private static long count(DataSource ds, String table) {
        return new JdbcTemplate(ds).queryForObject("SELECT COUNT(*) FROM " + table, Long.class);
    }
}
