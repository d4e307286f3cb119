package io.contactsbridge.journal;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Events set aside per group (a connection pair) so that one group's trouble does not hold up the others' events in
 * the partitions they share (tables {@code journal_parked}, {@code journal_parked_group}; see
 * {@link JournalGroups} and the {@code journal:} consumer that uses them).
 * <ul>
 *   <li>An event that failed, or took too long, is parked with its group; its partition goes on past it.</li>
 *   <li>While a group has parked events, its later events are parked behind them, so each contact's events keep their
 *       order.</li>
 *   <li>A group's parked events are retried in seq order by one replica at a time (the holder of the group's lease),
 *       after the group's back-off; each one is removed once processed, so a crash repeats at most the one in hand.</li>
 * </ul>
 * The group row is created on the first park and never removed, so a park never races a removal. Each method is one
 * short statement or two; nothing is held between calls.
 */
@Component
public class JournalParking {

    private final JdbcTemplate jdbc;
    private final Clock clock;

    public JournalParking(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** A group with parked events, as the status shows it. */
    public record ParkedGroup(String consumer, String group, long events, long oldestSeq, int failures, Instant retryAfter,
                              String lastError, String leaseOwner) {
    }

    /** What a failure recorded for a group: its failures in a row and when its events are tried again. */
    public record GroupFailure(int failures, Instant retryAfter) {
    }

    /** The groups of {@code consumerId} that have parked events now. */
    public Set<String> groups(String consumerId) {
        return new LinkedHashSet<>(jdbc.queryForList("SELECT DISTINCT group_key FROM journal_parked WHERE consumer_id = ?",
                String.class, consumerId));
    }

    /** Parks {@code event} behind its group's parked events (idempotent). */
    public void park(String consumerId, JournalEvent event, String group) {
        ensureGroup(consumerId, group);
        insert(consumerId, event.seq(), group);
    }

    /**
     * Parks {@code event} whose delivery is still running here: also takes the group's lease for {@code owner}, so
     * no replica retries the group's events meanwhile.
     *
     * @return whether the lease was taken (another replica may be retrying the group's events already)
     */
    public boolean parkInFlight(String consumerId, JournalEvent event, String group, String owner, Duration leaseFor) {
        ensureGroup(consumerId, group);
        Instant now = clock.instant();
        boolean leased = jdbc.update("UPDATE journal_parked_group SET lease_owner = ?, lease_until = ? WHERE consumer_id = ? "
                        + "AND group_key = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)",
                owner, Timestamp.from(now.plus(leaseFor)), consumerId, group, owner, Timestamp.from(now)) == 1;
        insert(consumerId, event.seq(), group);
        return leased;
    }

    /** The event was processed: it leaves the parked events. */
    public void unpark(String consumerId, long seq) {
        jdbc.update("DELETE FROM journal_parked WHERE consumer_id = ? AND seq = ?", consumerId, seq);
    }

    /**
     * Records that the group's first parked event failed: the group waits {@code delay} of its failures in a row
     * (counted up when {@code counts}; a hold does not count), and {@code owner}'s lease is given up.
     */
    public GroupFailure failed(String consumerId, String group, String owner, String error, boolean counts,
                               IntFunction<Duration> delay) {
        ensureGroup(consumerId, group);
        List<Integer> before = jdbc.queryForList("SELECT failures FROM journal_parked_group WHERE consumer_id = ? AND group_key = ?",
                Integer.class, consumerId, group);
        int failures = (before.isEmpty() ? 0 : before.get(0)) + (counts ? 1 : 0);
        Instant retryAfter = clock.instant().plus(delay.apply(failures));
        jdbc.update("UPDATE journal_parked_group SET failures = ?, retry_after = ?, last_error = ?, "
                        + "lease_owner = CASE WHEN lease_owner = ? THEN NULL ELSE lease_owner END, "
                        + "lease_until = CASE WHEN lease_owner = ? THEN NULL ELSE lease_until END "
                        + "WHERE consumer_id = ? AND group_key = ?",
                failures, Timestamp.from(retryAfter), JournalStore.truncate(error, JournalStore.MAX_ERROR), owner, owner,
                consumerId, group);
        return new GroupFailure(failures, retryAfter);
    }

    /** The groups whose parked events are due for a retry and that no replica is retrying. */
    public List<String> due(String consumerId) {
        Timestamp now = Timestamp.from(clock.instant());
        return jdbc.queryForList("SELECT g.group_key FROM journal_parked_group g WHERE g.consumer_id = ? AND g.retry_after <= ?"
                        + " AND (g.lease_owner IS NULL OR g.lease_until < ?) AND EXISTS (SELECT 1 FROM journal_parked p"
                        + " WHERE p.consumer_id = g.consumer_id AND p.group_key = g.group_key) ORDER BY g.retry_after",
                String.class, consumerId, now, now);
    }

    /** Takes the lease on a group due for a retry; false when it is not due or another replica holds it. */
    public boolean claim(String consumerId, String group, String owner, Duration leaseFor) {
        Instant now = clock.instant();
        return jdbc.update("UPDATE journal_parked_group SET lease_owner = ?, lease_until = ? WHERE consumer_id = ? "
                        + "AND group_key = ? AND retry_after <= ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)",
                owner, Timestamp.from(now.plus(leaseFor)), consumerId, group, Timestamp.from(now), owner,
                Timestamp.from(now)) == 1;
    }

    /** Renews {@code owner}'s leases on {@code groups}; the count of groups it still holds. */
    public int renew(String consumerId, Collection<String> groups, String owner, Duration leaseFor) {
        if (groups.isEmpty()) {
            return 0;
        }
        Object[] args = new Object[groups.size() + 3];
        args[0] = Timestamp.from(clock.instant().plus(leaseFor));
        args[1] = consumerId;
        args[2] = owner;
        int i = 3;
        for (String g : groups) {
            args[i++] = g;
        }
        return jdbc.update("UPDATE journal_parked_group SET lease_until = ? WHERE consumer_id = ? AND lease_owner = ? "
                + "AND group_key IN (" + String.join(", ", Collections.nCopies(groups.size(), "?")) + ")", args);
    }

    /** The group's oldest parked event, to be retried first. */
    public Optional<JournalEvent> first(String consumerId, String group) {
        return jdbc.query("SELECT e.seq, e.source, e.event_type, e.event_id, e.contact_key, e.payload, e.received_at, "
                        + "e.connection_id FROM journal_parked p JOIN inbound_event e ON e.seq = p.seq WHERE p.consumer_id = ? "
                        + "AND p.group_key = ? ORDER BY p.seq LIMIT 1",
                (rs, i) -> new JournalEvent(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getTimestamp(7).toInstant(), rs.getString(8)),
                consumerId, group).stream().findFirst();
    }

    /**
     * Gives {@code owner}'s lease on the group up. When the group has no parked events left, its failures are
     * forgotten: a later failure starts its back-off afresh.
     */
    public void release(String consumerId, String group, String owner) {
        jdbc.update("UPDATE journal_parked_group SET lease_owner = NULL, lease_until = NULL WHERE consumer_id = ? "
                + "AND group_key = ? AND lease_owner = ?", consumerId, group, owner);
        jdbc.update("UPDATE journal_parked_group SET failures = 0, last_error = NULL WHERE consumer_id = ? AND group_key = ? "
                + "AND NOT EXISTS (SELECT 1 FROM journal_parked p WHERE p.consumer_id = ? AND p.group_key = ?)",
                consumerId, group, consumerId, group);
    }

    /** Every group of {@code consumerId} with parked events (all consumers when null), oldest event first. */
    public List<ParkedGroup> parked(String consumerId) {
        return jdbc.query("SELECT p.consumer_id, p.group_key, COUNT(*), MIN(p.seq), g.failures, g.retry_after, g.last_error, "
                        + "g.lease_owner FROM journal_parked p JOIN journal_parked_group g ON g.consumer_id = p.consumer_id "
                        + "AND g.group_key = p.group_key" + (consumerId == null ? "" : " WHERE p.consumer_id = ?")
                        + " GROUP BY p.consumer_id, p.group_key, g.failures, g.retry_after, g.last_error, g.lease_owner"
                        + " ORDER BY MIN(p.seq)",
                (rs, i) -> new ParkedGroup(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getInt(5),
                        rs.getTimestamp(6).toInstant(), rs.getString(7), rs.getString(8)),
                consumerId == null ? new Object[0] : new Object[] {consumerId});
    }

    private void ensureGroup(String consumerId, String group) {
        Timestamp now = Timestamp.from(clock.instant());
        try {
            jdbc.update("INSERT INTO journal_parked_group (consumer_id, group_key, failures, retry_after) SELECT ?, ?, 0, ? "
                    + "WHERE NOT EXISTS (SELECT 1 FROM journal_parked_group WHERE consumer_id = ? AND group_key = ?)",
                    consumerId, group, now, consumerId, group);
        } catch (DuplicateKeyException raced) {
            // Another replica created it a moment ago: as wanted.
        }
    }

    private void insert(String consumerId, long seq, String group) {
        try {
            jdbc.update("INSERT INTO journal_parked (consumer_id, seq, group_key, parked_at) SELECT ?, ?, ?, ? "
                    + "WHERE NOT EXISTS (SELECT 1 FROM journal_parked WHERE consumer_id = ? AND seq = ?)",
                    consumerId, seq, group, Timestamp.from(clock.instant()), consumerId, seq);
        } catch (DuplicateKeyException raced) {
            // Parked already (delivered again after a crash between the park and the partition's commit).
        }
    }
}
