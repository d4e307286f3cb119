package io.contactsbridge.sync;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** Table {@code sync_pair}: the pairs added, paused and removed through the admin API ({@link SyncPairs}). */
@Component
public class PairStore {

    /**
     * A row: {@code pair} is null for a configured pair (the row only records its pause or removal); {@code mapping} is
     * the location of an added pair's own contact mapping, null for the bridge's.
     */
    public record Row(String id, SyncPair pair, boolean paused, boolean removed, Long pausedFromSeq, String mapping) {
    }

    private final JdbcTemplate jdbc;
    private final Clock clock;

    public PairStore(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    public List<Row> all() {
        return jdbc.query("SELECT pair_id, highlevel_connection, birdsend_connection, paused, removed, paused_from_seq, "
                + "mapping FROM sync_pair ORDER BY pair_id", (rs, i) -> new Row(rs.getString(1), rs.getString(2) == null ? null
                : new SyncPair(rs.getString(2), rs.getString(3)), rs.getBoolean(4), rs.getBoolean(5),
                rs.getObject(6) == null ? null : rs.getLong(6), rs.getString(7)));
    }

    /**
     * Records {@code id} as this pair, active, syncing by the mapping at {@code mapping} (null: the bridge's). A pair
     * added again after its removal is active again, with the mapping it is added with now.
     */
    @Transactional
    public void add(String id, SyncPair pair, String mapping) {
        Timestamp now = Timestamp.from(clock.instant());
        if (jdbc.update("UPDATE sync_pair SET highlevel_connection = ?, birdsend_connection = ?, mapping = ?, paused = FALSE, "
                + "removed = FALSE, changed_at = ? WHERE pair_id = ?", pair.highlevelConnection(), pair.birdsendConnection(),
                mapping, now, id) == 0) {
            jdbc.update("INSERT INTO sync_pair (pair_id, highlevel_connection, birdsend_connection, mapping, paused, removed, "
                    + "changed_at) VALUES (?, ?, ?, ?, FALSE, FALSE, ?)", id, pair.highlevelConnection(),
                    pair.birdsendConnection(), mapping, now);
        }
    }

    /**
     * Pauses {@code id} from journal position {@code fromSeq}, or resumes it ({@code fromSeq} ignored), and returns
     * where the pause had begun (null when it was not paused). A configured pair gets a row without connections.
     */
    @Transactional
    public Long paused(String id, boolean paused, long fromSeq) {
        Timestamp now = Timestamp.from(clock.instant());
        List<Long> before = jdbc.query("SELECT paused_from_seq FROM sync_pair WHERE pair_id = ? AND paused = TRUE FOR UPDATE",
                (rs, i) -> rs.getObject(1) == null ? null : rs.getLong(1), id);
        Long from = paused ? (before.isEmpty() ? Long.valueOf(fromSeq) : before.get(0)) : null;
        if (jdbc.update("UPDATE sync_pair SET paused = ?, paused_from_seq = ?, changed_at = ? WHERE pair_id = ?", paused,
                from, now, id) == 0) {
            jdbc.update("INSERT INTO sync_pair (pair_id, paused, removed, paused_from_seq, changed_at) VALUES (?, ?, FALSE, ?, ?)",
                    id, paused, from, now);
        }
        return before.isEmpty() ? null : before.get(0);
    }

    /** Removes {@code id}: a configured pair is marked removed (configuration still names it), an added one too. */
    @Transactional
    public void remove(String id) {
        Timestamp now = Timestamp.from(clock.instant());
        if (jdbc.update("UPDATE sync_pair SET removed = TRUE, paused = FALSE, changed_at = ? WHERE pair_id = ?", now, id) == 0) {
            jdbc.update("INSERT INTO sync_pair (pair_id, paused, removed, changed_at) VALUES (?, FALSE, TRUE, ?)", id, now);
        }
    }
}
