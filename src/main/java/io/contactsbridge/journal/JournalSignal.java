package io.contactsbridge.journal;

import org.springframework.stereotype.Component;

/**
 * Wakes this JVM's journal consumers when an event is appended here, so a webhook reaches its route
 * at once instead of at the next poll. Appends on other replicas are found by polling.
 */
@Component
public class JournalSignal {

    private long version;

    /** Called after every append committed by this JVM. */
    public synchronized void appended() {
        version++;
        notifyAll();
    }

    /** Increases with every append in this JVM. */
    public synchronized long version() {
        return version;
    }

    /** Waits until {@link #version()} differs from {@code seen} or {@code timeoutMillis} passed; true if it did. */
    public synchronized boolean awaitChange(long seen, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (version == seen) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }
}
