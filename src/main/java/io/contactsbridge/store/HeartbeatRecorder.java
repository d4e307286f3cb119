package io.contactsbridge.store;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Records that this replica is alive. Called by the YAML {@code heartbeat} route; the rows let an
 * operator (and, later, leases shared between replicas) see which instances are running.
 */
@Component("heartbeatRecorder")
public class HeartbeatRecorder {

    /** A beat as stored. */
    public record Beat(String instanceId, String version, Instant startedAt, Instant lastBeatAt, long beats) {
    }

    private final JdbcTemplate jdbc;
    private final Clock clock;

    public HeartbeatRecorder(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** Upserts this instance's row. Update-then-insert keeps the SQL identical on H2 and PostgreSQL. */
    @Transactional
    public Beat beat(String instanceId, String version) {
        Timestamp now = Timestamp.from(clock.instant());
        int updated = jdbc.update(
                "UPDATE bridge_instance SET last_beat_at = ?, beats = beats + 1, version = ? WHERE instance_id = ?",
                now, version, instanceId);
        if (updated == 0) {
            jdbc.update("INSERT INTO bridge_instance (instance_id, version, started_at, last_beat_at, beats) "
                    + "VALUES (?, ?, ?, ?, 1)", instanceId, version, now, now);
        }
        return find(instanceId).orElseThrow();
    }

    public Optional<Beat> find(String instanceId) {
        return jdbc.query("SELECT instance_id, version, started_at, last_beat_at, beats FROM bridge_instance "
                        + "WHERE instance_id = ?",
                (rs, i) -> new Beat(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(),
                        rs.getTimestamp(4).toInstant(), rs.getLong(5)),
                instanceId).stream().findFirst();
    }
}
