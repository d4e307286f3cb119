package io.contactsbridge.journal;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

import io.contactsbridge.ops.ShutdownSignal;

/**
 * One consumer's side of the journal in this JVM: registers its subscription (and keeps it alive as a heartbeat),
 * waits for work, and leases one partition at a time ({@link #poll}). The {@code journal:} Camel consumer drives
 * it; tests drive it directly, with two readers standing for two replicas.
 */
public class JournalReader {

    private final JournalStore store;
    private final JournalSignal signal;
    private final JournalProperties props;
    private final ShutdownSignal shutdown;
    private final JournalSubscription subscription;
    private final StartFrom startFrom;
    private final long pollIntervalMs;
    private final String owner;

    private JournalSubscription registered;
    private Instant registeredAt;
    private int nextPartition;
    /** The signal version seen when the last poll found nothing; -1 after a poll that found work. */
    private long idleSignalVersion = -1;

    /**
     * @param owner this replica's lease owner id (instance id plus a random suffix, so two processes never mistake
     *              each other's leases for their own)
     */
    public JournalReader(JournalStore store, JournalSignal signal, JournalProperties props, ShutdownSignal shutdown,
                         JournalSubscription subscription, StartFrom startFrom, long pollIntervalMs, String owner) {
        this.store = store;
        this.signal = signal;
        this.props = props;
        this.shutdown = shutdown;
        this.subscription = Objects.requireNonNull(subscription);
        this.startFrom = startFrom == null ? StartFrom.EARLIEST : startFrom;
        this.pollIntervalMs = Math.max(1, pollIntervalMs);
        this.owner = owner;
    }

    public JournalSubscription subscription() {
        return subscription;
    }

    public String owner() {
        return owner;
    }

    public long pollIntervalMs() {
        return pollIntervalMs;
    }

    /**
     * The next leased batch (round robin over the partitions with work, so replicas share them), or null when there
     * is nothing to do. With nothing to do it first waits up to the poll interval for an append in this JVM, so
     * webhooks reach their route at once. While the application stops it neither waits long nor takes a lease.
     * The caller must {@link LeasedBatch#finish} every batch it gets.
     */
    public LeasedBatch poll() throws InterruptedException {
        if (shutdown.isStopping()) {
            // The consumer stops in a moment; until then an idle poll neither spins nor takes a lease.
            Thread.sleep(Math.min(pollIntervalMs, 100));
            return null;
        }
        ensureRegistered();
        if (idleSignalVersion >= 0) {
            signal.awaitChange(idleSignalVersion, pollIntervalMs);
        }
        long versionBefore = signal.version();
        if (store.behind(subscription.consumerId())) {
            int partitions = subscription.partitions();
            for (int i = 0; i < partitions; i++) {
                int partition = (nextPartition + i) % partitions;
                JournalLease lease = store.claim(subscription.consumerId(), partition, owner, props.leaseDuration())
                        .orElse(null);
                if (lease == null) {
                    continue;
                }
                JournalBatch batch;
                try {
                    batch = store.read(subscription, partition, props.batchSize());
                    if (batch.isEmpty()) {
                        if (batch.scannedThrough() > batch.position()) {
                            lease = store.commit(lease, batch.scannedThrough(), props.leaseDuration());
                        }
                        store.release(lease);
                        continue;
                    }
                } catch (RuntimeException e) {
                    store.release(lease);
                    throw e;
                }
                nextPartition = partition + 1;
                idleSignalVersion = -1;
                return new LeasedBatch(store, props, shutdown, subscription.consumerId(), lease, batch);
            }
        }
        idleSignalVersion = versionBefore;
        return null;
    }

    /**
     * (Re-)registers when new, and every third of a lease as a heartbeat (which also re-creates a consumer an
     * operator deleted while its route kept running).
     */
    private void ensureRegistered() {
        Instant now = Instant.now();
        boolean due = registeredAt == null
                || Duration.between(registeredAt, now).compareTo(props.leaseDuration().dividedBy(3)) >= 0;
        if (registered == null || due) {
            store.register(subscription, startFrom);
            registered = subscription;
            registeredAt = now;
        }
    }
}
