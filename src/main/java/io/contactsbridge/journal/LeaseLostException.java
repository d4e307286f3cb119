package io.contactsbridge.journal;

/**
 * The lease of a consumer partition is no longer this replica's (it expired and another replica took
 * it, or the consumer was re-partitioned), so this replica must stop; the new owner continues from
 * the last committed position.
 */
public class LeaseLostException extends IllegalStateException {

    public LeaseLostException(JournalLease lease) {
        super("Lost the lease on partition " + lease.partition() + " of journal consumer '" + lease.consumerId()
                + "' (owner " + lease.owner() + "); another replica continues from the committed position");
    }
}
