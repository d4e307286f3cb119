package io.contactsbridge.outbound;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Component;

/** The {@code dead_letter} table: record, list, count, get, delete. */
@Component
public class DeadLetterStore {

    private static final String COLUMNS =
            "id, route_id, operation, connection_id, body, headers, error_class, error_message, failed_at, attempts";
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
                    + "body, headers, error_class, error_message, failed_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

    public long count() {
        Long n = jdbc.queryForObject("SELECT COUNT(*) FROM dead_letter", Long.class);
        return n == null ? 0 : n;
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
