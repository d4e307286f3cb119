package io.contactsbridge.support;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The tests' waits, on Awaitility: until something happens, for a value to appear, and that something stays so for a
 * while (the way to say "no echo comes back" without a bare sleep). Each failure names what was awaited.
 */
public final class Waits {

    /** How often conditions are checked: often enough for time-scaled tests, rarely enough to stay cheap. */
    public static final Duration POLL = Duration.ofMillis(50);

    private Waits() {
    }

    /** Waits until {@code condition} holds, at most {@code timeout}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        Awaitility.await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(POLL)
                .until(condition::getAsBoolean);
    }

    /** Waits until {@code condition} holds, at most {@code timeout}, checking every {@code every}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition, Duration every) {
        Awaitility.await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(every)
                .until(condition::getAsBoolean);
    }

    /**
     * Waits until {@code condition} holds, at most {@code timeout}, checking every {@code every}; answers whether it
     * did. For benchmarks, which report what did not arrive rather than fail on it.
     */
    public static boolean within(String what, Duration timeout, BooleanSupplier condition, Duration every) {
        try {
            until(what, timeout, condition, every);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    /** Waits until {@code probe} has a value, at most {@code timeout}, and returns it. */
    public static <T> T value(String what, Duration timeout, Supplier<Optional<T>> probe) {
        return Awaitility.await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(POLL)
                .until(probe::get, Optional::isPresent).orElseThrow();
    }

    /**
     * Waits until {@code condition} holds and then keeps holding for the whole of {@code window} (checked every
     * {@link #POLL}); fails if it does not, within {@code window} plus {@code settle}. For "nothing more happens":
     * a count that is right and stays right.
     */
    public static void holds(String what, Duration window, Duration settle, BooleanSupplier condition) {
        Awaitility.await(what).during(window).atMost(window.plus(settle)).pollDelay(Duration.ZERO).pollInterval(POLL)
                .until(condition::getAsBoolean);
    }
}
