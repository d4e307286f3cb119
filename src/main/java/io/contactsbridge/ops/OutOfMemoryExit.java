package io.contactsbridge.ops;

import java.io.PrintStream;
import java.util.function.IntConsumer;

/**
 * Out of memory is fatal: a JVM that threw an {@link OutOfMemoryError} has lost threads it cannot get back (the issue
 * that led here lost Tomcat's acceptor, so the app port never answered again while the process lived on). The JVM is
 * meant to be started with {@code -XX:+ExitOnOutOfMemoryError} (every launch the project ships does so); this is the
 * safety net for a {@code java -jar} without it. An {@code OutOfMemoryError} that reaches a thread's end, a Camel
 * exchange ({@code FatalErrorNotifier}) or a web request ({@code FatalErrorFilter}) halts the JVM at once with
 * {@value #EXIT_STATUS}, the status {@code -XX:+ExitOnOutOfMemoryError} exits with, after one best-effort line on
 * standard error. Halting skips shutdown hooks, as a {@code kill -9} would: the journal is built for that, and a
 * supervisor (Kubernetes, systemd) starts the bridge again, which resumes where the journal stands.
 */
public final class OutOfMemoryExit {

    /** The exit status of {@code -XX:+ExitOnOutOfMemoryError}, so both ways of dying look alike to a supervisor. */
    public static final int EXIT_STATUS = 3;

    private static final String MESSAGE = "FATAL: OutOfMemoryError; halting the JVM (exit status " + EXIT_STATUS
            + ") so it is restarted instead of running on half-dead. Give it more heap (-Xmx) if this repeats. In: ";

    private static volatile IntConsumer halt = status -> Runtime.getRuntime().halt(status);
    private static volatile PrintStream err = System.err;
    private static volatile boolean installed;

    private OutOfMemoryExit() {
    }

    /** Makes an {@code OutOfMemoryError} that ends any thread halt the JVM; other uncaught errors go on as before. */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            haltIfOutOfMemory(error, "thread " + thread.getName());
            if (previous != null) {
                previous.uncaughtException(thread, error);
            } else {
                // What the JVM does without a handler.
                System.err.print("Exception in thread \"" + thread.getName() + "\" ");
                error.printStackTrace();
            }
        });
        installed = true;
    }

    /** Whether {@link #install()} ran in this JVM (the notifier and filter act only then). */
    public static boolean isInstalled() {
        return installed;
    }

    /** Halts the JVM if {@code error} is, or was caused by, an {@code OutOfMemoryError}; otherwise returns. */
    public static void haltIfOutOfMemory(Throwable error, String where) {
        if (!isOutOfMemory(error)) {
            return;
        }
        try {
            // One line, built from little: the heap may still be full.
            err.println(MESSAGE + where);
            err.flush();
        } catch (Throwable ignored) {
            // Halting matters more than the line.
        }
        halt.accept(EXIT_STATUS);
    }

    static boolean isOutOfMemory(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < 20; t = t.getCause(), depth++) {
            if (t instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }

    /** For tests: what halting does, and where the line goes, instead of the real ones. */
    static void useForTests(IntConsumer testHalt, PrintStream testErr) {
        halt = testHalt;
        err = testErr;
    }

    static void restoreDefaults() {
        halt = status -> Runtime.getRuntime().halt(status);
        err = System.err;
    }
}
