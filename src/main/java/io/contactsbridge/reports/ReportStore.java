package io.contactsbridge.reports;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.stereotype.Component;

/**
 * The hourly counts of the reports (table {@code report_bucket}, V17). Adding is an UPDATE that adds to the row, then an
 * INSERT for rows that did not exist: portable between H2 and PostgreSQL (H2's PostgreSQL mode has no ON CONFLICT ...
 * DO UPDATE, older PostgreSQL no MERGE). Should another replica insert the same row in between, the insert's duplicate
 * key sends that row back to the UPDATE.
 */
@Component
public class ReportStore {

    /** Identifies one row. */
    public record Key(String scope, Instant hour, String metric, String dimension) {
    }

    static final String ADD = "UPDATE report_bucket SET n = n + ? WHERE scope = ? AND hour_start = ? AND metric = ?"
            + " AND dimension = ?";
    static final String INSERT = "INSERT INTO report_bucket (scope, hour_start, metric, dimension, n) VALUES (?, ?, ?, ?, ?)";

    private final JdbcTemplate jdbc;

    public ReportStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Adds each count to its row, creating rows as needed. */
    public void add(Map<Key, Long> counts) {
        if (counts.isEmpty()) {
            return;
        }
        List<Map.Entry<Key, Long>> entries = new ArrayList<>(counts.entrySet());
        List<Object[]> updates = new ArrayList<>();
        for (Map.Entry<Key, Long> e : entries) {
            Key k = e.getKey();
            updates.add(new Object[] {e.getValue(), k.scope(), Timestamp.from(k.hour()), k.metric(), k.dimension()});
        }
        int[] updated = jdbc.batchUpdate(ADD, updates);
        for (int i = 0; i < entries.size(); i++) {
            // A driver may answer SUCCESS_NO_INFO (-2) for a batch: then the row is known to exist.
            if (updated[i] == 0) {
                insert(entries.get(i).getKey(), entries.get(i).getValue());
            }
        }
    }

    private void insert(Key k, long n) {
        try {
            jdbc.update(INSERT, k.scope(), Timestamp.from(k.hour()), k.metric(), k.dimension(), n);
        } catch (DuplicateKeyException raced) {
            jdbc.update(ADD, n, k.scope(), Timestamp.from(k.hour()), k.metric(), k.dimension());
        }
    }

    /** Rows with {@code from <= hour < to}, oldest first. The caller bounds the range. */
    public List<ReportBucket> find(Instant from, Instant to) {
        List<ReportBucket> rows = new ArrayList<>();
        each(from, to, rows::add);
        return rows;
    }

    /** Hands each row with {@code from <= hour < to} to {@code row}, oldest first, without holding them all. */
    public void each(Instant from, Instant to, Consumer<ReportBucket> row) {
        jdbc.query("SELECT scope, hour_start, metric, dimension, n FROM report_bucket WHERE hour_start >= ?"
                        + " AND hour_start < ? ORDER BY hour_start, scope, metric, dimension",
                (RowCallbackHandler) rs -> row.accept(new ReportBucket(rs.getString(1), rs.getTimestamp(2).toInstant(),
                        rs.getString(3), rs.getString(4), rs.getLong(5))),
                Timestamp.from(from), Timestamp.from(to));
    }

    /** Deletes rows of hours before {@code before}; returns how many. */
    public int deleteBefore(Instant before) {
        return jdbc.update("DELETE FROM report_bucket WHERE hour_start < ?", Timestamp.from(before));
    }
}
