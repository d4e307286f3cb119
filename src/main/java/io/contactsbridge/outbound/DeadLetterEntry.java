package io.contactsbridge.outbound;

import java.time.Instant;
import java.util.List;

/**
 * A stored dead letter with where it stands: the letter as recorded (its {@code failedAt} is the LAST failure, moved by
 * a replay that failed again), its state and what its replays did.
 *
 * @param state             {@code open}, {@code replaying} (one replay holds it), {@code replayed} or {@code discarded}
 * @param firstFailedAt     when it first failed
 * @param replayAttempts    how many replays ran
 * @param replayedAt        when the last replay ran (null if none)
 * @param lastReplayOutcome {@code succeeded}, {@code queued} or {@code failed} (null if never replayed)
 * @param lastReplayError   the last failed replay's error
 * @param discardedAt       when a person discarded it
 * @param replays           the replays, oldest first (only when one letter is read; empty in lists)
 */
public record DeadLetterEntry(DeadLetter letter, String state, Instant firstFailedAt, int replayAttempts,
                              Instant replayedAt, String lastReplayOutcome, String lastReplayError, Instant discardedAt,
                              List<Replay> replays) {

    public static final String OPEN = "open";
    public static final String REPLAYING = "replaying";
    public static final String REPLAYED = "replayed";
    public static final String DISCARDED = "discarded";
    public static final List<String> STATES = List.of(OPEN, REPLAYING, REPLAYED, DISCARDED);

    /** One replay of the letter. */
    public record Replay(Instant replayedAt, String outcome, String detail) {
    }

    public long id() {
        return letter.id();
    }

    DeadLetterEntry withReplays(List<Replay> all) {
        return new DeadLetterEntry(letter, state, firstFailedAt, replayAttempts, replayedAt, lastReplayOutcome,
                lastReplayError, discardedAt, all);
    }
}
