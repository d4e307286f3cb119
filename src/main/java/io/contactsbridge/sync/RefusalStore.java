package io.contactsbridge.sync;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.contactsbridge.mapping.Side;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Writes a service refused for a reason retrying does not change (table {@code sync_refusal}), one per person and
 * refusing side. Written and read only in the person's turn ({@link ContactTurns}), so no two writers meet on a row.
 */
@Component
public class RefusalStore {

    private static final int MAX_MESSAGE = 1000;

    /**
     * One refusal.
     *
     * @param subject       the person: {@code birdsend:<id>} when the BirdSend contact exists, else {@code highlevel:<id>}
     * @param side          the service that refused
     * @param field         for a duplicate refusal: the field the duplicate rule matched ({@code email}, {@code phone}); else null
     * @param value         for a duplicate refusal: the value the write carried, normalised ({@link #normalise})
     * @param conflictingId for a duplicate refusal: the contact that holds the value
     * @param fingerprint   otherwise: the whole refused write's fingerprint
     */
    public record Refusal(String subject, Side side, String operation, String field, String value, String conflictingId,
                          String fingerprint, String message, Instant refusedAt) {
    }

    private final JdbcTemplate jdbc;

    public RefusalStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    private static final String SELECT = "SELECT subject, refused_side, operation, field, field_value, conflicting_id,"
            + " fingerprint, message, refused_at FROM sync_refusal WHERE highlevel_connection = ? AND birdsend_connection = ?"
            + " AND subject = ?";

    /** The person's refusals (at most one per side). */
    public List<Refusal> find(SyncPair pair, String subject) {
        return jdbc.query(SELECT, this::row, pair.highlevelConnection(), pair.birdsendConnection(), subject);
    }

    public Optional<Refusal> find(SyncPair pair, String subject, Side side) {
        return find(pair, subject).stream().filter(r -> r.side() == side).findFirst();
    }

    /** Stores the refusal, replacing an earlier one of the same person and side. */
    public void record(SyncPair pair, Refusal r) {
        String message = r.message() == null || r.message().length() <= MAX_MESSAGE ? r.message()
                : r.message().substring(0, MAX_MESSAGE);
        Object[] values = {r.operation(), r.field(), r.value(), r.conflictingId(), r.fingerprint(), message,
                Timestamp.from(r.refusedAt()), pair.highlevelConnection(), pair.birdsendConnection(), r.subject(), r.side().key()};
        int updated = jdbc.update("UPDATE sync_refusal SET operation = ?, field = ?, field_value = ?, conflicting_id = ?,"
                + " fingerprint = ?, message = ?, refused_at = ? WHERE highlevel_connection = ? AND birdsend_connection = ?"
                + " AND subject = ? AND refused_side = ?", values);
        if (updated == 0) {
            jdbc.update("INSERT INTO sync_refusal (operation, field, field_value, conflicting_id, fingerprint, message,"
                    + " refused_at, highlevel_connection, birdsend_connection, subject, refused_side)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values);
        }
    }

    /** Forgets the person's refusals (their write went through); returns how many there were. */
    public int clear(SyncPair pair, String subject) {
        return jdbc.update("DELETE FROM sync_refusal WHERE highlevel_connection = ? AND birdsend_connection = ? AND subject = ?",
                pair.highlevelConnection(), pair.birdsendConnection(), subject);
    }

    /** People whose write stands refused. */
    public long count(SyncPair pair) {
        Long n = jdbc.queryForObject("SELECT COUNT(*) FROM sync_refusal WHERE highlevel_connection = ? AND birdsend_connection = ?",
                Long.class, pair.highlevelConnection(), pair.birdsendConnection());
        return n == null ? 0 : n;
    }

    /** How a duplicate-rule value is compared: emails ignoring case, phones by their digits. */
    static String normalise(String field, String value) {
        if (value == null) {
            return null;
        }
        return "phone".equals(field) ? value.replaceAll("\\D", "") : value.trim().toLowerCase(Locale.ROOT);
    }

    private Refusal row(ResultSet rs, int n) throws SQLException {
        return new Refusal(rs.getString("subject"), Side.valueOf(rs.getString("refused_side").toUpperCase(Locale.ROOT)),
                rs.getString("operation"), rs.getString("field"), rs.getString("field_value"), rs.getString("conflicting_id"),
                rs.getString("fingerprint"), rs.getString("message"), rs.getTimestamp("refused_at").toInstant());
    }
}
