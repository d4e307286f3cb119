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

    /** What a renewal found: whether this replica's row was new, and how many replicas are alive with it. */
    public record Renewal(boolean joined, int alive) {
    }

    private final JdbcTemplate jdbc;
    private final Clock clock;

    public ReplicaMembers(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** Renews {@code memberId}'s lease for {@code leaseFor} (inserting its row the first time) and counts the living. */
    @Transactional
    public Renewal renew(String memberId, Duration leaseFor) {
        Instant now = clock.instant();
        Timestamp until = Timestamp.from(now.plus(leaseFor));
        boolean joined = jdbc.update("UPDATE bridge_member SET lease_until = ? WHERE member_id = ?", until, memberId) == 0;
        if (joined) {
            jdbc.update("INSERT INTO bridge_member (member_id, joined_at, lease_until) VALUES (?, ?, ?)",
                    memberId, Timestamp.from(now), until);
        }
        jdbc.update("DELETE FROM bridge_member WHERE lease_until < ?", Timestamp.from(now.minus(FORGET_AFTER)));
        Integer alive = jdbc.queryForObject("SELECT COUNT(*) FROM bridge_member WHERE lease_until > ?", Integer.class,
                Timestamp.from(now));
        return new Renewal(joined, alive == null ? 1 : Math.max(1, alive));
    }

    /** This replica stops: its row goes, so the others take its share without waiting for the lease to run out. */
    public void leave(String memberId) {
        jdbc.update("DELETE FROM bridge_member WHERE member_id = ?", memberId);
    }
}
