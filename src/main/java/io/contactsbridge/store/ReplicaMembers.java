package io.contactsbridge.store;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The replicas sharing this store, as leases in table {@code bridge_member}: a replica renews its row every few
 * seconds, and one that stops renewing (killed, cut off) stops counting when its lease runs out. Unlike the heartbeat
 * (a user-editable route, every 30 s, kept for operators), this is what replicas divide work and limits by.
 */
@Component
public class ReplicaMembers {

    /** Rows whose lease ran out this long ago are removed (they no longer count anyway). */
    private static final Duration FORGET_AFTER = Duration.ofHours(1);

    /**
     * What a renewal found: whether this replica joins (its row was new, or its lease had run out), how many replicas are alive with it, and the weights of
     * them all together (its own included).
     */
    public record Renewal(boolean joined, int alive, int totalWeight) {
    }

    private final JdbcTemplate jdbc;
    private final Clock clock;

    public ReplicaMembers(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * Renews {@code memberId}'s lease for {@code leaseFor} with its {@code weight} (inserting its row the first time),
     * and counts the living and their weights.
     */
    @Transactional
    public Renewal renew(String memberId, Duration leaseFor, int weight) {
        Instant now = clock.instant();
        Timestamp until = Timestamp.from(now.plus(leaseFor));
        // A replica whose lease ran out (a long pause, the store out of reach) counts as joining again: the others
        // may have taken its share meanwhile.
        boolean joined = jdbc.update("UPDATE bridge_member SET lease_until = ?, weight = ? WHERE member_id = ? "
                + "AND lease_until > ?", until, weight, memberId, Timestamp.from(now)) == 0;
        if (joined && jdbc.update("UPDATE bridge_member SET joined_at = ?, lease_until = ?, weight = ? WHERE member_id = ?",
                Timestamp.from(now), until, weight, memberId) == 0) {
            jdbc.update("INSERT INTO bridge_member (member_id, joined_at, lease_until, weight) VALUES (?, ?, ?, ?)",
                    memberId, Timestamp.from(now), until, weight);
        }
        jdbc.update("DELETE FROM bridge_member WHERE lease_until < ?", Timestamp.from(now.minus(FORGET_AFTER)));
        return jdbc.queryForObject("SELECT COUNT(*), COALESCE(SUM(weight), 0) FROM bridge_member WHERE lease_until > ?",
                (rs, i) -> new Renewal(joined, Math.max(1, rs.getInt(1)), Math.max(weight, rs.getInt(2))), Timestamp.from(now));
    }

    /** This replica stops: its row goes, so the others take its share without waiting for the lease to run out. */
    public void leave(String memberId) {
        jdbc.update("DELETE FROM bridge_member WHERE member_id = ?", memberId);
    }
}
