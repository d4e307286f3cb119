package io.contactsbridge.simulator.sim;

import java.util.function.Supplier;

/**
 * Seeding a simulator with hundreds of thousands of contacts takes seconds to minutes, and must not keep a process
 * from stopping meanwhile: the seeders check {@link #checkInterrupted()} for every contact, and work that seeds on a
 * thread that a JVM shutdown would otherwise wait for (Spring's context start-up: its shutdown hook waits for the
 * start-up to end) runs in {@link #interruptedOnShutdown}.
 */
public final class Seeding {

    private Seeding() {
    }

    /** Thrown by a seeder whose thread was interrupted; what was seeded so far stays. */
    public static final class SeedingInterruptedException extends RuntimeException {
        SeedingInterruptedException() {
            super("seeding was interrupted (the process or the simulator is stopping)");
        }
    }

    /** Throws {@link SeedingInterruptedException} if this thread was interrupted (the flag stays set for callers). */
    public static void checkInterrupted() {
        if (Thread.currentThread().isInterrupted()) {
            throw new SeedingInterruptedException();
        }
    }

    /**
     * Runs {@code work} on this thread; should the JVM begin to shut down meanwhile (SIGTERM, Ctrl-C), a shutdown hook
     * interrupts this thread, so a seeder gives up at its next contact and the shutdown does not wait for it.
     */
    public static <T> T interruptedOnShutdown(String what, Supplier<T> work) {
        Thread worker = Thread.currentThread();
        Thread hook = new Thread(worker::interrupt, "interrupt-" + what);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return work.get();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook has run or is running: nothing to remove.
            }
        }
    }
}
