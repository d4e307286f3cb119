package io.contactsbridge.capture;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The pollers' tables: {@code capture_cursor} (cursor, last poll, lease per poller and connection) and
 * {@code capture_birdsend_snapshot} (what BirdSend's contacts looked like when last seen). Plain SQL that runs
 * the same on H2 (PostgreSQL mode) and PostgreSQL; every method is one short statement or a few, nothing is
 * held between calls.
 *
 * <p>The lease makes one replica at a time poll a connection: a poller {@link #claim claims} it before a poll,
 * every write of its progress ({@link #saveCursor}, {@link #renew}) is conditional on still holding it, and it
 * {@link #release releases} it after. A crashed replica's lease expires after the lease duration.
 */
@Component
public class CaptureStore {

    static final int MAX_ERROR = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };

    private static final String STATE_COLUMNS = "source, connection_id, cursor_value, cursor_tiebreak, cursor_search_after, "
            + "catching_up, last_poll_at, last_poll_kind, last_poll_status, last_poll_error, last_poll_requests, "
            + "last_poll_events, last_full_scan_at, baseline_done, lease_owner, lease_until, updated_at, pass_started_at, pass_page, "
            + "pass_checks, last_pass_started_at, quick_order_by, quick_order_probed_at, pass_last_number";
    private static final String SNAPSHOT_COLUMNS = "connection_id, contact_id, email, content_hash, fields_hash, status, "
            + "tags_hash, tags, version, first_seen_at, last_seen_at, sequence_ids";

    private final JdbcTemplate jdbc;
    private final Clock clock;

    public CaptureStore(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    // ---- poller rows and leases -------------------------------------------------------------------

    /** Creates the poller's row if missing (no cursor, no baseline). Idempotent. */
    public void ensure(String source, String connectionId) {
        if (find(source, connectionId).isPresent()) {
            return;
        }
        try {
            jdbc.update("INSERT INTO capture_cursor (source, connection_id, catching_up, baseline_done, updated_at) "
                    + "VALUES (?, ?, FALSE, FALSE, ?)", source, connectionId, now());
        } catch (DuplicateKeyException e) {
            // another replica created it at the same moment
        }
    }

    /**
     * Takes the poller's lease for {@code owner}: granted when nobody holds it, {@code owner} already does, or
     * the holder's lease expired.
     */
    public boolean claim(String source, String connectionId, String owner, Duration leaseFor) {
        ensure(source, connectionId);
        Instant now = clock.instant();
        return jdbc.update("UPDATE capture_cursor SET lease_owner = ?, lease_until = ? WHERE source = ? AND connection_id = ? "
                        + "AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)",
                owner, Timestamp.from(now.plus(leaseFor)), source, connectionId, owner, Timestamp.from(now)) == 1;
    }

    /**
     * Takes the turn of a scheduled poll ({@code kind}) for {@code owner} unless one started less than {@code minGap}
     * ago, by any replica: each replica's schedule fires, and the poll runs once per interval across them. A replica
     * that dies leaves the turn to the next schedule that fires after the gap.
     */
    public boolean takeTurn(String source, String connectionId, String kind, String owner, Duration minGap) {
        Instant now = clock.instant();
        if (jdbc.update("UPDATE capture_turn SET started_at = ?, started_by = ? WHERE source = ? AND connection_id = ? "
                        + "AND kind = ? AND started_at <= ?", Timestamp.from(now), owner, source, connectionId, kind,
                Timestamp.from(now.minus(minGap))) == 1) {
            return true;
        }
        Integer exists = jdbc.queryForObject("SELECT COUNT(*) FROM capture_turn WHERE source = ? AND connection_id = ? "
                + "AND kind = ?", Integer.class, source, connectionId, kind);
        if (exists != null && exists > 0) {
            return false;
        }
        try {
            jdbc.update("INSERT INTO capture_turn (source, connection_id, kind, started_at, started_by) VALUES (?, ?, ?, ?, ?)",
                    source, connectionId, kind, Timestamp.from(now), owner);
            return true;
        } catch (org.springframework.dao.DuplicateKeyException e) {
            return false; // another replica's first turn, at the same moment
        }
    }

    /** Extends the lease {@code owner} holds; false when it no longer holds it. */
    public boolean renew(String source, String connectionId, String owner, Duration leaseFor) {
        return jdbc.update("UPDATE capture_cursor SET lease_until = ? WHERE source = ? AND connection_id = ? AND lease_owner = ?",
                Timestamp.from(clock.instant().plus(leaseFor)), source, connectionId, owner) == 1;
    }

    public void release(String source, String connectionId, String owner) {
        jdbc.update("UPDATE capture_cursor SET lease_owner = NULL, lease_until = NULL "
                + "WHERE source = ? AND connection_id = ? AND lease_owner = ?", source, connectionId, owner);
    }

    public Optional<PollState> find(String source, String connectionId) {
        return jdbc.query("SELECT " + STATE_COLUMNS + " FROM capture_cursor WHERE source = ? AND connection_id = ?",
                CaptureStore::state, source, connectionId).stream().findFirst();
    }

    /** Every poller row, by source and connection. */
    public List<PollState> all() {
        return jdbc.query("SELECT " + STATE_COLUMNS + " FROM capture_cursor ORDER BY source, connection_id", CaptureStore::state);
    }

    /**
     * Moves the HighLevel cursor, if {@code owner} still holds the lease (and extends it).
     *
     * @return false when the lease was lost: the poll must stop, another replica took over
     */
    public boolean saveCursor(String source, String connectionId, String owner, HighLevelCursor cursor, Duration leaseFor) {
        Instant now = clock.instant();
        return jdbc.update("UPDATE capture_cursor SET cursor_value = ?, cursor_tiebreak = ?, cursor_search_after = ?, "
                        + "catching_up = ?, lease_until = ?, updated_at = ? WHERE source = ? AND connection_id = ? AND lease_owner = ?",
                cursor.dateUpdated().toString(), cursor.contactId(), cursor.searchAfter(), cursor.catchingUp(),
                Timestamp.from(now.plus(leaseFor)), Timestamp.from(now), source, connectionId, owner) == 1;
    }

    /** Records how a poll went (whoever holds the lease: a skipped poll is recorded too). */
    public void recordPoll(String source, String connectionId, PollOutcome outcome) {
        ensure(source, connectionId);
        jdbc.update("UPDATE capture_cursor SET last_poll_at = ?, last_poll_kind = ?, last_poll_status = ?, last_poll_error = ?, "
                        + "last_poll_requests = ?, last_poll_events = ?, updated_at = ? WHERE source = ? AND connection_id = ?",
                Timestamp.from(outcome.finishedAt()), outcome.kind(), outcome.status().label(),
                truncate(outcome.error(), MAX_ERROR), outcome.requests(), json(outcome.appended()), now(), source, connectionId);
    }

    /**
     * A complete pass over every contact (the rolling scan's, or a full scan) ended at {@code at}: the pass in
     * progress is cleared, and the baseline is done from now on. Only by the lease holder.
     */
    public boolean recordFullScan(String source, String connectionId, String owner, Instant at) {
        return jdbc.update("UPDATE capture_cursor SET last_full_scan_at = ?, baseline_done = TRUE, "
                        + "last_pass_started_at = pass_started_at, pass_started_at = NULL, pass_page = NULL, pass_checks = NULL, "
                        + "pass_last_number = NULL, updated_at = ? WHERE source = ? AND connection_id = ? AND lease_owner = ?",
                Timestamp.from(at), now(), source, connectionId, owner) == 1;
    }

    /**
     * Stores where the rolling scan's pass is (a new pass: page 1, no checks) and extends the lease, if
     * {@code owner} still holds it.
     *
     * @return false when the lease was lost: the scan must stop, another replica took over
     */
    public boolean savePass(String source, String connectionId, String owner, PollState.Pass pass, Duration leaseFor) {
        Instant now = clock.instant();
        return jdbc.update("UPDATE capture_cursor SET pass_started_at = ?, pass_page = ?, pass_checks = ?, pass_last_number = ?, "
                        + "lease_until = ?, updated_at = ? WHERE source = ? AND connection_id = ? AND lease_owner = ?",
                Timestamp.from(pass.startedAt()), pass.page(), pass.checks(), pass.lastListed(), Timestamp.from(now.plus(leaseFor)),
                Timestamp.from(now), source, connectionId, owner) == 1;
    }

    /** Records what a probe of the account found the quick scan should sort by; only by the lease holder. */
    public boolean recordQuickOrder(String source, String connectionId, String owner, String orderBy, Instant probedAt) {
        return jdbc.update("UPDATE capture_cursor SET quick_order_by = ?, quick_order_probed_at = ?, updated_at = ? "
                        + "WHERE source = ? AND connection_id = ? AND lease_owner = ?",
                orderBy, Timestamp.from(probedAt), now(), source, connectionId, owner) == 1;
    }

    // ---- BirdSend snapshots -----------------------------------------------------------------------

    /** The stored snapshots of these contacts, by contact id (contacts never seen are absent). */
    public Map<String, BirdSendSnapshot> snapshots(String connectionId, Collection<String> contactIds) {
        // One primary-key lookup per id, not "contact_id IN (...)": for that H2 uses only the key's first column and
        // compares every snapshot of the connection with the whole list, a cost that grew with the account's size on
        // every page the pollers read.
        return jdbc.execute((ConnectionCallback<Map<String, BirdSendSnapshot>>) connection -> {
            Map<String, BirdSendSnapshot> out = new LinkedHashMap<>();
            try (PreparedStatement lookup = connection.prepareStatement("SELECT " + SNAPSHOT_COLUMNS
                    + " FROM capture_birdsend_snapshot WHERE connection_id = ? AND contact_id = ?")) {
                lookup.setString(1, connectionId);
                for (String id : new LinkedHashSet<>(contactIds)) {
                    lookup.setString(2, id);
                    try (ResultSet rs = lookup.executeQuery()) {
                        if (rs.next()) {
                            BirdSendSnapshot snapshot = snapshot(rs, 0);
                            out.put(snapshot.contactId(), snapshot);
                        }
                    }
                }
            }
            return out;
        });
    }

    public Optional<BirdSendSnapshot> snapshot(String connectionId, String contactId) {
        return Optional.ofNullable(snapshots(connectionId, List.of(contactId)).get(contactId));
    }

    /** Stores a contact's snapshot (update, else insert: identical SQL on H2 and PostgreSQL). */
    public void saveSnapshot(BirdSendSnapshot s) {
        Object[] values = {s.email(), s.contentHash(), s.fieldsHash(), s.status(), s.tagsHash(), json(s.tags()), s.version(),
                Timestamp.from(s.lastSeenAt()), sequenceIds(s)};
        int updated = jdbc.update("UPDATE capture_birdsend_snapshot SET email = ?, content_hash = ?, fields_hash = ?, status = ?, "
                        + "tags_hash = ?, tags = ?, version = ?, last_seen_at = ?, sequence_ids = ? WHERE connection_id = ? AND contact_id = ?",
                concat(values, s.connectionId(), s.contactId()));
        if (updated == 0) {
            try {
                jdbc.update("INSERT INTO capture_birdsend_snapshot (" + SNAPSHOT_COLUMNS + ", contact_number) "
                                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        s.connectionId(), s.contactId(), s.email(), s.contentHash(), s.fieldsHash(), s.status(), s.tagsHash(),
                        json(s.tags()), s.version(), Timestamp.from(s.firstSeenAt()), Timestamp.from(s.lastSeenAt()),
                        sequenceIds(s), contactNumber(s.contactId()));
            } catch (DuplicateKeyException e) {
                // inserted by someone else between our update and insert: ours is the newer sight
                jdbc.update("UPDATE capture_birdsend_snapshot SET email = ?, content_hash = ?, fields_hash = ?, status = ?, "
                                + "tags_hash = ?, tags = ?, version = ?, last_seen_at = ?, sequence_ids = ? WHERE connection_id = ? AND contact_id = ?",
                        concat(values, s.connectionId(), s.contactId()));
            }
        }
    }

    /** Marks contacts seen unchanged at {@code at}. */
    public int touch(String connectionId, Collection<String> contactIds, Instant at) {
        // One primary-key update per id, in a batch (see snapshots: an IN list made H2 scan the connection's rows).
        Timestamp seen = Timestamp.from(at);
        List<Object[]> rows = new LinkedHashSet<>(contactIds).stream().map(id -> new Object[] {seen, connectionId, id}).toList();
        if (rows.isEmpty()) {
            return 0;
        }
        return Arrays.stream(jdbc.batchUpdate("UPDATE capture_birdsend_snapshot SET last_seen_at = ? WHERE connection_id = ?"
                + " AND contact_id = ?", rows)).map(n -> Math.max(n, 0)).sum();
    }

    /** Contacts of the connection not seen since {@code since} (deletion candidates), oldest sighting first. */
    public List<BirdSendSnapshot> notSeenSince(String connectionId, Instant since, int max) {
        if (max <= 0) {
            return List.of();
        }
        return jdbc.query("SELECT " + SNAPSHOT_COLUMNS + " FROM capture_birdsend_snapshot WHERE connection_id = ? AND last_seen_at < ? "
                + "ORDER BY last_seen_at, contact_id LIMIT ?", CaptureStore::snapshot, connectionId, Timestamp.from(since), max);
    }

    /**
     * The snapshots of the connection whose id is a number above {@code after} (any, when null) and at most
     * {@code upTo} (any, when null), by id in ascending order: what a page in ascending id order should show.
     */
    public Map<String, BirdSendSnapshot> snapshotsBetween(String connectionId, Long after, Long upTo) {
        Map<String, BirdSendSnapshot> out = new LinkedHashMap<>();
        jdbc.query("SELECT " + SNAPSHOT_COLUMNS + " FROM capture_birdsend_snapshot WHERE connection_id = ? AND contact_number > ? "
                        + "AND contact_number <= ? ORDER BY contact_number", CaptureStore::snapshot, connectionId, lower(after), upper(upTo))
                .forEach(s -> out.put(s.contactId(), s));
        return out;
    }

    /** Marks every contact in an id range as seen at {@code at} (see {@link #snapshotsBetween}), but {@code except}. */
    public int touchBetween(String connectionId, Long after, Long upTo, Instant at, Collection<String> except) {
        List<Object> args = new ArrayList<>(List.of(Timestamp.from(at), connectionId, lower(after), upper(upTo)));
        args.addAll(except);
        return jdbc.update("UPDATE capture_birdsend_snapshot SET last_seen_at = ? WHERE connection_id = ? AND contact_number > ? "
                + "AND contact_number <= ?" + (except.isEmpty() ? "" : " AND contact_id NOT IN (" + placeholders(except.size()) + ")"),
                args.toArray());
    }

    /**
     * Stores snapshots of contacts not seen before, in one batch; one that exists after all (another replica, a
     * crash between a scan's append and its store) is updated instead.
     */
    public void insertSnapshots(List<BirdSendSnapshot> firsts) {
        if (firsts.isEmpty()) {
            return;
        }
        try {
            jdbc.batchUpdate("INSERT INTO capture_birdsend_snapshot (" + SNAPSHOT_COLUMNS + ", contact_number) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", firsts.stream().map(s -> new Object[] {s.connectionId(),
                    s.contactId(), s.email(), s.contentHash(), s.fieldsHash(), s.status(), s.tagsHash(), json(s.tags()), s.version(),
                    Timestamp.from(s.firstSeenAt()), Timestamp.from(s.lastSeenAt()), sequenceIds(s), contactNumber(s.contactId())}).toList());
        } catch (DuplicateKeyException e) {
            firsts.forEach(this::saveSnapshot);
        }
    }

    private static long lower(Long after) {
        return after == null ? Long.MIN_VALUE : after;
    }

    private static long upper(Long upTo) {
        return upTo == null ? Long.MAX_VALUE : upTo;
    }

    /** A contact id as a number, or null when it is not one (then range lookups skip it). */
    static Long contactNumber(String contactId) {
        if (contactId == null || contactId.isEmpty() || contactId.length() > 18) {
            return null;
        }
        for (int i = 0; i < contactId.length(); i++) {
            if (contactId.charAt(i) < '0' || contactId.charAt(i) > '9') {
                return null;
            }
        }
        return Long.parseLong(contactId);
    }

    public boolean deleteSnapshot(String connectionId, String contactId) {
        return jdbc.update("DELETE FROM capture_birdsend_snapshot WHERE connection_id = ? AND contact_id = ?", connectionId, contactId) == 1;
    }

    public long countSnapshots(String connectionId) {
        Long count = jdbc.queryForObject("SELECT COUNT(*) FROM capture_birdsend_snapshot WHERE connection_id = ?", Long.class,
                connectionId);
        return count == null ? 0 : count;
    }

    // ---- helpers --------------------------------------------------------------------------------

    private Timestamp now() {
        return Timestamp.from(clock.instant());
    }

    private static PollState state(ResultSet rs, int row) throws SQLException {
        int requests = rs.getInt(11);
        Integer lastRequests = rs.wasNull() ? null : requests;
        return new PollState(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getBoolean(6), instant(rs.getTimestamp(7)), rs.getString(8), rs.getString(9), rs.getString(10), lastRequests,
                rs.getString(12), instant(rs.getTimestamp(13)), rs.getBoolean(14), rs.getString(15), instant(rs.getTimestamp(16)),
                instant(rs.getTimestamp(17)), pass(rs), instant(rs.getTimestamp(21)), rs.getString(22),
                instant(rs.getTimestamp(23)));
    }

    private static PollState.Pass pass(ResultSet rs) throws SQLException {
        Timestamp startedAt = rs.getTimestamp(18);
        if (startedAt == null) {
            return null;
        }
        int page = rs.getInt(19);
        int checks = rs.getInt(20);
        long lastListed = rs.getLong(24);
        return new PollState.Pass(startedAt.toInstant(), page, checks, rs.wasNull() ? null : lastListed);
    }

    private static BirdSendSnapshot snapshot(ResultSet rs, int row) throws SQLException {
        List<String> tags;
        List<String> sequenceIds;
        try {
            tags = JSON.readValue(rs.getString(8), STRINGS);
            sequenceIds = rs.getString(12) == null ? null : JSON.readValue(rs.getString(12), STRINGS);
        } catch (JsonProcessingException e) {
            throw new SQLException("capture_birdsend_snapshot.tags or sequence_ids of contact " + rs.getString(2)
                    + " is not a JSON array", e);
        }
        return new BirdSendSnapshot(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), tags, rs.getInt(9), rs.getTimestamp(10).toInstant(),
                rs.getTimestamp(11).toInstant(), sequenceIds);
    }

    /** The snapshot's sequence ids as a JSON array, or NULL when the API did not list them. */
    private static String sequenceIds(BirdSendSnapshot s) {
        return s.sequenceIds() == null ? null : json(s.sequenceIds());
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String placeholders(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    private static Object[] concat(Object[] values, Object... more) {
        Object[] out = new Object[values.length + more.length];
        System.arraycopy(values, 0, out, 0, values.length);
        System.arraycopy(more, 0, out, values.length, more.length);
        return out;
    }

    static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
