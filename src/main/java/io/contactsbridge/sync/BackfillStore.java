package io.contactsbridge.sync;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The backfill's row per pair (table {@code sync_backfill}): progress, the checkpoint it resumes from, and a
 * lease so that one replica runs it at a time.
 */
@Component
public class BackfillStore {

    private static final TypeReference<TreeMap<String, Long>> COUNTS = new TypeReference<>() {
    };

    /** A stored run. */
    public record Row(String runId, String state, boolean dryRun, int total, int processed, String checkpoint,
                      Map<String, Long> counts, String error, Instant startedAt, Instant updatedAt, Instant finishedAt,
                      String leaseOwner, Instant leaseUntil) {
    }

    private final JdbcTemplate jdbc;
    private final ObjectMapper json;
    private final Clock clock;

    public BackfillStore(JdbcTemplate jdbc, ObjectMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
    }

    public Optional<Row> find(SyncPair pair) {
        return jdbc.query("SELECT * FROM sync_backfill WHERE highlevel_connection = ? AND birdsend_connection = ?", this::row,
                pair.highlevelConnection(), pair.birdsendConnection()).stream().findFirst();
    }

    /**
     * Takes the run for {@code owner} unless another live owner holds it: a new run replaces the row, a resumed
     * one keeps its checkpoint. Returns false when someone else is running it.
     */
    public boolean claim(SyncPair pair, String runId, boolean dryRun, boolean resume, String owner, Duration leaseFor) {
        Instant now = clock.instant();
        Timestamp until = Timestamp.from(now.plus(leaseFor));
        int updated = resume
                ? jdbc.update("UPDATE sync_backfill SET state = 'running', lease_owner = ?, lease_until = ?, updated_at = ?, error = NULL"
                        + " WHERE highlevel_connection = ? AND birdsend_connection = ? AND (state <> 'running' OR lease_until < ? OR lease_owner = ?)",
                owner, until, Timestamp.from(now), pair.highlevelConnection(), pair.birdsendConnection(), Timestamp.from(now), owner)
                : jdbc.update("UPDATE sync_backfill SET run_id = ?, state = 'running', dry_run = ?, total = 0, processed = 0,"
                        + " checkpoint = NULL, counts = '{}', error = NULL, started_at = ?, updated_at = ?, finished_at = NULL,"
                        + " lease_owner = ?, lease_until = ? WHERE highlevel_connection = ? AND birdsend_connection = ?"
                        + " AND (state <> 'running' OR lease_until < ? OR lease_owner = ?)",
                runId, dryRun, Timestamp.from(now), Timestamp.from(now), owner, until, pair.highlevelConnection(),
                pair.birdsendConnection(), Timestamp.from(now), owner);
        if (updated == 1) {
            return true;
        }
        if (find(pair).isPresent()) {
            return false;
        }
        try {
            jdbc.update("INSERT INTO sync_backfill (highlevel_connection, birdsend_connection, run_id, state, dry_run, total, processed,"
                            + " counts, started_at, updated_at, lease_owner, lease_until) VALUES (?, ?, ?, 'running', ?, 0, 0, '{}', ?, ?, ?, ?)",
                    pair.highlevelConnection(), pair.birdsendConnection(), runId, dryRun, Timestamp.from(now), Timestamp.from(now),
                    owner, until);
            return true;
        } catch (org.springframework.dao.DuplicateKeyException e) {
            return false;
        }
    }

    /** Saves progress and renews the lease; false when the lease was lost (another replica took over). */
    public boolean progress(SyncPair pair, String owner, int total, int processed, String checkpoint, Map<String, Long> counts,
                            Duration leaseFor) {
        Instant now = clock.instant();
        return jdbc.update("UPDATE sync_backfill SET total = ?, processed = ?, checkpoint = ?, counts = ?, updated_at = ?, lease_until = ?"
                        + " WHERE highlevel_connection = ? AND birdsend_connection = ? AND lease_owner = ?",
                total, processed, checkpoint, write(counts), Timestamp.from(now), Timestamp.from(now.plus(leaseFor)),
                pair.highlevelConnection(), pair.birdsendConnection(), owner) == 1;
    }

    /** Ends the run: done, failed or interrupted (resumable). */
    public void finish(SyncPair pair, String owner, String state, int total, int processed, String checkpoint,
                       Map<String, Long> counts, String error) {
        Instant now = clock.instant();
        jdbc.update("UPDATE sync_backfill SET state = ?, total = ?, processed = ?, checkpoint = ?, counts = ?, error = ?, updated_at = ?,"
                        + " finished_at = ?, lease_owner = NULL, lease_until = NULL"
                        + " WHERE highlevel_connection = ? AND birdsend_connection = ? AND lease_owner = ?",
                state, total, processed, checkpoint, write(counts), error, Timestamp.from(now),
                "interrupted".equals(state) ? null : Timestamp.from(now), pair.highlevelConnection(), pair.birdsendConnection(), owner);
    }

    private Row row(ResultSet rs, int n) throws SQLException {
        return new Row(rs.getString("run_id"), rs.getString("state"), rs.getBoolean("dry_run"), rs.getInt("total"),
                rs.getInt("processed"), rs.getString("checkpoint"), read(rs.getString("counts")), rs.getString("error"),
                instant(rs.getTimestamp("started_at")), instant(rs.getTimestamp("updated_at")),
                instant(rs.getTimestamp("finished_at")), rs.getString("lease_owner"), instant(rs.getTimestamp("lease_until")));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private String write(Map<String, Long> counts) {
        try {
            return json.writeValueAsString(new TreeMap<>(counts));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, Long> read(String text) {
        try {
            return text == null ? Map.of() : json.readValue(text, COUNTS);
        } catch (JsonProcessingException e) {
            return Map.of();
        }
    }
}
