package io.contactsbridge.outbound;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Component;

/**
 * The {@code dead_letter} table: record, list, count, get, delete; and for the admin API ({@link DeadLetterReplay},
 * {@link DeadLetterRoutes}) filtered lists, the claim a replay holds, replay outcomes and discards.
 */
@Component
public class DeadLetterStore {

    private static final String COLUMNS =
            "id, route_id, operation, connection_id, body, headers, error_class, error_message, failed_at, attempts";
    private static final String ENTRY_COLUMNS = COLUMNS + ", state, first_failed_at, replay_attempts, replayed_at, "
            + "last_replay_outcome, last_replay_error, discarded_at";
    private static final int MAX_ERROR_MESSAGE = 4000;

    private final JdbcTemplate jdbc;
    private final ObjectMapper json;

    public DeadLetterStore(JdbcTemplate jdbc, ObjectMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    /** Stores a dead letter and returns it with its id. */
    public DeadLetter record(DeadLetter letter) {
        String headers = writeHeaders(letter.headers());
        String message = letter.errorMessage() == null || letter.errorMessage().length() <= MAX_ERROR_MESSAGE
                ? letter.errorMessage() : letter.errorMessage().substring(0, MAX_ERROR_MESSAGE);
        KeyHolder key = new GeneratedKeyHolder();
        jdbc.update(c -> {
            PreparedStatement ps = c.prepareStatement("INSERT INTO dead_letter (route_id, operation, connection_id, "
                    + "body, headers, error_class, error_message, failed_at, attempts, first_failed_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    new String[] {"id"});
            ps.setString(1, letter.routeId());
            ps.setString(2, letter.operation());
            ps.setString(3, letter.connectionId());
            ps.setString(4, letter.body());
            ps.setString(5, headers);
            ps.setString(6, letter.errorClass());
            ps.setString(7, message);
            ps.setTimestamp(8, Timestamp.from(letter.failedAt()));
            ps.setInt(9, letter.attempts());
            ps.setTimestamp(10, Timestamp.from(letter.failedAt()));
            return ps;
        }, key);
        long id = key.getKey().longValue();
        return new DeadLetter(id, letter.routeId(), letter.operation(), letter.connectionId(), letter.body(),
                letter.headers(), letter.errorClass(), message, letter.failedAt(), letter.attempts());
    }

    /** The newest first, at most {@code limit}, skipping {@code offset}. */
    public List<DeadLetter> list(int limit, int offset) {
        return jdbc.query("SELECT " + COLUMNS + " FROM dead_letter ORDER BY failed_at DESC, id DESC LIMIT ? OFFSET ?",
                this::row, limit, offset);
    }

    /** Those of one route, newest first. */
    public List<DeadLetter> listByRoute(String routeId, int limit) {
        return jdbc.query("SELECT " + COLUMNS + " FROM dead_letter WHERE route_id = ? ORDER BY failed_at DESC, id DESC "
                + "LIMIT ?", this::row, routeId, limit);
    }

    /** The OPEN letters (not replayed, not discarded; one being replayed counts as open). */
    public long count() {
        Long n = jdbc.queryForObject("SELECT COUNT(*) FROM dead_letter WHERE state IN ('open', 'replaying')", Long.class);
        return n == null ? 0 : n;
    }

    /** How many letters are in each state (every state named, zero if none). */
    public Map<String, Long> countByState() {
        Map<String, Long> counts = new LinkedHashMap<>();
        DeadLetterEntry.STATES.forEach(s -> counts.put(s, 0L));
        jdbc.query("SELECT state, COUNT(*) AS n FROM dead_letter GROUP BY state",
                (RowCallbackHandler) rs -> counts.put(rs.getString("state"), rs.getLong("n")));
        return counts;
    }

    /** When the oldest open letter first failed, if any is open. */
    public Optional<Instant> oldestOpen() {
        Timestamp t = jdbc.queryForObject("SELECT MIN(first_failed_at) FROM dead_letter WHERE state IN ('open', 'replaying')",
                Timestamp.class);
        return Optional.ofNullable(t).map(Timestamp::toInstant);
    }

    /** The letters the filter takes, newest (highest id) first, at most {@code limit}. */
    public List<DeadLetterEntry> find(DeadLetterFilter filter, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + ENTRY_COLUMNS + " FROM dead_letter WHERE state IN (");
        List<Object> args = new ArrayList<>();
        for (int i = 0; i < filter.states().size(); i++) {
            sql.append(i == 0 ? "?" : ", ?");
            args.add(filter.states().get(i));
        }
        sql.append(')');
        if (filter.connection() != null) {
            sql.append(" AND connection_id = ?");
            args.add(filter.connection());
        }
        if (filter.route() != null) {
            sql.append(" AND route_id = ?");
            args.add(filter.route());
        }
        if (filter.errorClass() != null) {
            // The full class name, or the simple one (UpstreamRejectedException) as a person would type it.
            sql.append(" AND (error_class = ? OR error_class LIKE ?)");
            args.add(filter.errorClass());
            args.add("%." + filter.errorClass().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"));
        }
        if (filter.since() != null) {
            sql.append(" AND failed_at >= ?");
            args.add(Timestamp.from(filter.since()));
        }
        if (filter.until() != null) {
            sql.append(" AND failed_at < ?");
            args.add(Timestamp.from(filter.until()));
        }
        if (filter.beforeId() != null) {
            sql.append(" AND id < ?");
            args.add(filter.beforeId());
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        args.add(limit);
        return jdbc.query(sql.toString(), this::entryRow, args.toArray());
    }

    /** One letter with its replays, oldest first. */
    public Optional<DeadLetterEntry> entry(long id) {
        return jdbc.query("SELECT " + ENTRY_COLUMNS + " FROM dead_letter WHERE id = ?", this::entryRow, id).stream()
                .findFirst()
                .map(e -> e.withReplays(jdbc.query("SELECT replayed_at, outcome, detail FROM dead_letter_replay "
                        + "WHERE dead_letter_id = ? ORDER BY id", (rs, i) -> new DeadLetterEntry.Replay(
                        rs.getTimestamp("replayed_at").toInstant(), rs.getString("outcome"), rs.getString("detail")), id)));
    }

    /**
     * Claims an open letter for one replay (or one whose claim went stale: a replica died mid-replay); true if this
     * caller holds it now. The row's update is the lock: of two concurrent claims one updates it, the other finds it
     * taken, on H2 and PostgreSQL alike.
     */
    public boolean claim(long id, Instant now, Duration claimFor) {
        return jdbc.update("UPDATE dead_letter SET state = 'replaying', claimed_until = ? WHERE id = ? "
                + "AND (state = 'open' OR (state = 'replaying' AND claimed_until < ?))",
                Timestamp.from(now.plus(claimFor)), id, Timestamp.from(now)) > 0;
    }

    /** A claimed replay that went through ({@code succeeded}) or was handed on ({@code queued}): the letter is done. */
    public void replayed(long id, String outcome, String detail, Instant now) {
        jdbc.update("UPDATE dead_letter SET state = 'replayed', claimed_until = NULL, replayed_at = ?, "
                + "replay_attempts = replay_attempts + 1, last_replay_outcome = ? WHERE id = ?",
                Timestamp.from(now), outcome, id);
        history(id, now, outcome, detail);
    }

    /** A replay handed to the live sync ({@code queued}) that the sync then carried out: the letter says so. */
    public void queuedReplayDone(long id, String detail, Instant now) {
        if (jdbc.update("UPDATE dead_letter SET last_replay_outcome = 'succeeded' WHERE id = ? AND state = 'replayed' "
                + "AND last_replay_outcome = 'queued'", id) > 0) {
            history(id, now, "succeeded", detail);
        }
    }

    /**
     * A replay that failed again: the letter is open again with the new error as its last failure. Also for a letter
     * whose queued replay failed later ({@code stillReplayed} false then, as the replay was counted when queued).
     */
    public void failedAgain(long id, String errorClass, String errorMessage, Instant now, boolean countReplay) {
        String message = errorMessage == null || errorMessage.length() <= MAX_ERROR_MESSAGE
                ? errorMessage : errorMessage.substring(0, MAX_ERROR_MESSAGE);
        jdbc.update("UPDATE dead_letter SET state = 'open', claimed_until = NULL, replayed_at = ?, "
                + "replay_attempts = replay_attempts + ?, last_replay_outcome = 'failed', last_replay_error = ?, "
                + "error_class = ?, error_message = ?, failed_at = ? WHERE id = ? AND state <> 'discarded'",
                Timestamp.from(now), countReplay ? 1 : 0, message, errorClass, message, Timestamp.from(now), id);
        history(id, now, "failed", errorClass + ": " + message);
    }

    /** Gives a claim back unchanged (the replay could not start). */
    public void release(long id) {
        jdbc.update("UPDATE dead_letter SET state = 'open', claimed_until = NULL WHERE id = ? AND state = 'replaying'", id);
    }

    /** Marks an open letter discarded (the row stays, for the record); false if it was not open. */
    public boolean discard(long id, Instant now) {
        return jdbc.update("UPDATE dead_letter SET state = 'discarded', discarded_at = ?, claimed_until = NULL "
                + "WHERE id = ? AND state = 'open'", Timestamp.from(now), id) > 0;
    }

    private void history(long id, Instant at, String outcome, String detail) {
        String d = detail == null || detail.length() <= MAX_ERROR_MESSAGE ? detail : detail.substring(0, MAX_ERROR_MESSAGE);
        jdbc.update("INSERT INTO dead_letter_replay (dead_letter_id, replayed_at, outcome, detail) VALUES (?, ?, ?, ?)",
                id, Timestamp.from(at), outcome, d);
    }

    private DeadLetterEntry entryRow(ResultSet rs, int i) throws SQLException {
        return new DeadLetterEntry(row(rs, i), rs.getString("state"), instant(rs, "first_failed_at"),
                rs.getInt("replay_attempts"), instant(rs, "replayed_at"), rs.getString("last_replay_outcome"),
                rs.getString("last_replay_error"), instant(rs, "discarded_at"), List.of());
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    public Optional<DeadLetter> get(long id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM dead_letter WHERE id = ?", this::row, id).stream().findFirst();
    }

    /** Returns whether it existed. */
    public boolean delete(long id) {
        return jdbc.update("DELETE FROM dead_letter WHERE id = ?", id) > 0;
    }

    private DeadLetter row(ResultSet rs, int i) throws SQLException {
        return new DeadLetter(rs.getLong("id"), rs.getString("route_id"), rs.getString("operation"),
                rs.getString("connection_id"), rs.getString("body"), readHeaders(rs.getString("headers")),
                rs.getString("error_class"), rs.getString("error_message"),
                rs.getTimestamp("failed_at").toInstant(), rs.getInt("attempts"));
    }

    private String writeHeaders(Map<String, String> headers) {
        try {
            return json.writeValueAsString(headers == null ? Map.of() : headers);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("dead-letter headers cannot be written as JSON", e);
        }
    }

    private Map<String, String> readHeaders(String text) {
        try {
            return json.readValue(text, new TypeReference<>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("dead_letter.headers is not a JSON object: " + e.getOriginalMessage(), e);
        }
    }
}
