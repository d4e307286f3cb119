package io.contactsbridge.store;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import javax.sql.DataSource;

import io.contactsbridge.support.TestDatabases;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** The store's migrations and SQL, run on both H2 and a real PostgreSQL. */
class StoreTest {

    @ParameterizedTest
    @EnumSource(Kind.class)
    void migrationsApplyAndTheKindIsDetected(Kind kind) {
        DataSource ds = TestDatabases.migrated(kind);
        assertThat(StoreInfo.detect(ds)).isEqualTo(kind == Kind.H2 ? "h2" : "postgresql");
        Integer applied = new JdbcTemplate(ds).queryForObject(
                "SELECT COUNT(*) FROM flyway_schema_history WHERE success = TRUE", Integer.class);
        assertThat(applied).isPositive();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void heartbeatInsertsThenUpdatesOneRowPerInstance(Kind kind) {
        JdbcTemplate jdbc = new JdbcTemplate(TestDatabases.migrated(kind));
        Instant t0 = Instant.parse("2026-01-02T03:04:05Z");
        var first = new HeartbeatRecorder(jdbc, Clock.fixed(t0, ZoneOffset.UTC)).beat("pod-a", "1.0");
        var second = new HeartbeatRecorder(jdbc, Clock.fixed(t0.plusSeconds(30), ZoneOffset.UTC)).beat("pod-a", "1.1");
        new HeartbeatRecorder(jdbc, Clock.fixed(t0, ZoneOffset.UTC)).beat("pod-b", "1.0");

        assertThat(first.beats()).isEqualTo(1);
        assertThat(second.beats()).isEqualTo(2);
        assertThat(second.startedAt()).isEqualTo(t0);
        assertThat(second.lastBeatAt()).isEqualTo(t0.plusSeconds(30));
        assertThat(second.version()).isEqualTo("1.1");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM bridge_instance", Integer.class)).isEqualTo(2);
    }
}
