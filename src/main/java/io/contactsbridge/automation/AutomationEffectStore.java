package io.contactsbridge.automation;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The automations' dedupe record (table {@code automation_effect}): one row per automation, journal event and
 * effect. {@link #claim} before the call, {@link #done} after it; a replayed or redelivered event finds the row done
 * and skips the call. The primary key decides between two claimers at once (two replicas, a redelivery racing the
 * first delivery): exactly one insert wins.
 */
@Component
public class AutomationEffectStore {

    /** What {@link #claim} found. */
    public enum Claim {
        /** This caller holds the effect now and is to do it, then call {@link #done}. */
        CLAIMED,
        /** The effect was done for this event already: skip it. */
        DONE,
        /** Someone else holds a fresh claim (a call in flight): try again later. */
        BUSY
    }

    /** The key of one effect of one automation for one journal event. */
    public record Key(String automationId, String eventSource, String eventId, String effect) {
        public Key {
            require(automationId, "automation id");
            require(eventSource, "event source");
            require(eventId, "event id");
            require(effect, "effect");
        }

        private static void require(String value, String what) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("An automation effect needs its " + what);
            }
        }

        @Override
        public String toString() {
            return automationId + "/" + effect + " for " + eventSource + ":" + eventId;
        }
    }

    private static final int RESULT_MAX = 4000;

    private final JdbcTemplate jdbc;
    private final Clock clock;

    public AutomationEffectStore(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * Claims the effect for {@code owner}. A claim older than {@code staleAfter} is taken over: its holder stopped
     * mid-call (crash, kill), and whether the service got that call is unknown, so the effect is done again (the
     * one case where an effect can happen twice; the actions chosen for the shipped automations are either
     * idempotent, like a tag, or rare enough to accept it, like a note after a crash mid-call).
     *
     * <p>{@code owner} is {@code <instance>/<process>}: a claim of an earlier process of the same instance is taken
     * over at once (that process stopped: it is this one restarted), and so is one of this very process (its caller
     * knows which of its claims are in flight and does not ask for those).
     */
    public Claim claim(Key key, String owner, Duration staleAfter) {
        Timestamp now = Timestamp.from(clock.instant());
        try {
            jdbc.update("INSERT INTO automation_effect (automation_id, event_source, event_id, effect, state, claimed_by,"
                    + " claimed_at) VALUES (?, ?, ?, ?, 'claimed', ?, ?)",
                    key.automationId(), key.eventSource(), key.eventId(), key.effect(), owner, now);
            return Claim.CLAIMED;
        } catch (DuplicateKeyException exists) {
            // Someone claimed it before: done, in flight, or left behind by a stopped bridge.
        }
        Optional<Row> row = find(key);
        if (row.isEmpty()) {
            return Claim.BUSY; // deleted meanwhile: the caller's retry claims it afresh
        }
        if ("done".equals(row.get().state())) {
            return Claim.DONE;
        }
        String holder = row.get().claimedBy();
        boolean thisInstance = instance(owner).equals(instance(holder));
        if (thisInstance || row.get().claimedAt().isBefore(clock.instant().minus(staleAfter))) {
            // Taken over only if nobody else took it over since we read it (the old claimed_at still there).
            int taken = jdbc.update("UPDATE automation_effect SET claimed_by = ?, claimed_at = ? WHERE automation_id = ?"
                    + " AND event_source = ? AND event_id = ? AND effect = ? AND state = 'claimed' AND claimed_at = ?",
                    owner, now, key.automationId(), key.eventSource(), key.eventId(), key.effect(),
                    Timestamp.from(row.get().claimedAt()));
            return taken == 1 ? Claim.CLAIMED : Claim.BUSY;
        }
        return Claim.BUSY;
    }

    /** The instance part of an owner ({@code <instance>/<process>}); the whole when it has no process part. */
    private static String instance(String owner) {
        int slash = owner == null ? -1 : owner.lastIndexOf('/');
        return slash < 0 ? String.valueOf(owner) : owner.substring(0, slash);
    }

    /** Records the effect as done, with the service's answer (cut to 4,000 characters). */
    public void done(Key key, String result) {
        String kept = result == null ? null : result.length() > RESULT_MAX ? result.substring(0, RESULT_MAX) : result;
        jdbc.update("UPDATE automation_effect SET state = 'done', done_at = ?, result = ? WHERE automation_id = ?"
                + " AND event_source = ? AND event_id = ? AND effect = ?",
                Timestamp.from(clock.instant()), kept, key.automationId(), key.eventSource(), key.eventId(), key.effect());
    }

    /** Lets the effect be claimed again at once: the call failed, so it did not happen. */
    public void release(Key key, String owner) {
        jdbc.update("DELETE FROM automation_effect WHERE automation_id = ? AND event_source = ? AND event_id = ?"
                + " AND effect = ? AND state = 'claimed' AND claimed_by = ?",
                key.automationId(), key.eventSource(), key.eventId(), key.effect(), owner);
    }

    public Optional<Row> find(Key key) {
        List<Row> rows = jdbc.query("SELECT state, claimed_by, claimed_at, result FROM automation_effect"
                + " WHERE automation_id = ? AND event_source = ? AND event_id = ? AND effect = ?",
                (rs, i) -> new Row(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getString(4)),
                key.automationId(), key.eventSource(), key.eventId(), key.effect());
        return rows.stream().findFirst();
    }

    /** How many effects of an automation are done (for tests and status). */
    public long doneCount(String automationId) {
        Long n = jdbc.queryForObject("SELECT COUNT(*) FROM automation_effect WHERE automation_id = ? AND state = 'done'",
                Long.class, automationId);
        return n == null ? 0 : n;
    }

    /** One effect's row. */
    public record Row(String state, String claimedBy, Instant claimedAt, String result) {
    }
}
