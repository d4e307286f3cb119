package io.contactsbridge.sync;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The backfill's checkpoint: the last item of the completed prefix, with only the open items held. */
class BackfillCheckpointsTest {

    @Test
    void theCheckpointMovesOnlyOverACompletedPrefix() {
        Backfill.Checkpoints checkpoints = new Backfill.Checkpoints("resumed-after");
        long a = checkpoints.submitted("a");
        long b = checkpoints.submitted("b");
        long c = checkpoints.submitted("c");

        checkpoints.done(b);
        checkpoints.done(c);
        assertThat(checkpoints.checkpoint()).as("a is not done: nothing after it counts").isEqualTo("resumed-after");
        assertThat(checkpoints.open()).isEqualTo(3);

        checkpoints.done(a);
        assertThat(checkpoints.checkpoint()).isEqualTo("c");
        assertThat(checkpoints.open()).as("nothing held once covered").isZero();

        long d = checkpoints.submitted("d");
        checkpoints.submitted("e");
        checkpoints.done(d);
        assertThat(checkpoints.checkpoint()).isEqualTo("d");
        assertThat(checkpoints.open()).isEqualTo(1);
    }
}
