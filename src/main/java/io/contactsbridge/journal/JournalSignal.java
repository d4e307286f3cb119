package io.contactsbridge.journal;

import io.contactsbridge.ops.ShutdownSignal;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Wakes this JVM's journal consumers when an event is appended here, so a webhook reaches its route
 * at once instead of at the next poll. Appends on other replicas are found by polling. When the
 * application stops, every wait ends at once.
 */
@Component
public class JournalSignal {

    private final ShutdownSignal shutdown;
    private long version;

    @Autowired
    public JournalSignal(ShutdownSignal shutdown) {
        this.shutdown = shutdown;
        shutdown.onStopping(this::wakeAll);
    }

    /** Outside Spring (tests): never stops. */
    public JournalSignal() {
        this(ShutdownSignal.none());
    }

    /** Called after every append committed by this JVM. */
    public synchronized void appended() {
        version++;
        notifyAll();
    }

    /** Increases with every append in this JVM. */
    public synchronized long version() {
        return version;
    }

    /**
     * Waits until {@link #version()} differs from {@code seen} or {@code timeoutMillis} passed; true if it did.
     * Returns false at once when the application is stopping.
     */
    public synchronized boolean awaitChange(long seen, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (version == seen && !shutdown.isStopping()) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return version != seen;
    }

    private synchronized void wakeAll() {
        notifyAll();
    }
}
