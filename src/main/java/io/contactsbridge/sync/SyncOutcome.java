package io.contactsbridge.sync;

import java.util.List;

/**
 * What reconciling one contact did (or, in a dry run, would do).
 *
 * @param action    what happened, for counts and logs
 * @param writes    calls that changed a contact (creates and updates on either side)
 * @param conflicts fields both sides had changed differently
 * @param detail    why nothing was done, for SKIPPED
 */
public record SyncOutcome(Action action, int writes, List<String> conflicts, String detail) {

    public enum Action {
        /** Both sides already agree: nothing written. An echo of the bridge's own write ends here. */
        UNCHANGED,
        /** Linked two existing contacts (and wrote what differed). */
        LINKED,
        /** Created the contact in HighLevel. */
        CREATED_HIGHLEVEL,
        /** Created the contact in BirdSend. */
        CREATED_BIRDSEND,
        /** Wrote changes to one or both sides of an existing link. */
        UPDATED,
        /** A contact was deleted on one side: the link was removed (and, if configured, the partner deleted). */
        UNLINKED,
        /** Not synced (no email, an ambiguous match...): {@link #detail} says why. */
        SKIPPED
    }

    public SyncOutcome {
        conflicts = conflicts == null ? List.of() : List.copyOf(conflicts);
    }

    public static SyncOutcome unchanged() {
        return new SyncOutcome(Action.UNCHANGED, 0, List.of(), null);
    }

    public static SyncOutcome skipped(String why) {
        return new SyncOutcome(Action.SKIPPED, 0, List.of(), why);
    }

    public static SyncOutcome unlinked(int writes) {
        return new SyncOutcome(Action.UNLINKED, writes, List.of(), null);
    }
}
