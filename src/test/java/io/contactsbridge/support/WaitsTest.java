package io.contactsbridge.support;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/** What the waits promise, checked, since tests rely on {@link Waits#holds} failing when a condition breaks. */
class WaitsTest {

    @Test
    void holdsPassesWhenTheConditionBecomesTrueAndStaysSo() {
        long start = System.nanoTime();
        assertThatCode(() -> Waits.holds("true after 100 ms", Duration.ofMillis(300), Duration.ofSeconds(1),
                () -> System.nanoTime() - start > 100_000_000L)).doesNotThrowAnyException();
    }

    @Test
    void holdsFailsWhenTheConditionBreaksWithinTheWindow() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> Waits.holds("true for 150 ms only", Duration.ofMillis(400), Duration.ofMillis(400),
                () -> System.nanoTime() - start < 150_000_000L)).isInstanceOf(ConditionTimeoutException.class)
                .hasMessageContaining("true for 150 ms only");
    }

    @Test
    void untilNamesWhatItWaitedFor() {
        assertThatThrownBy(() -> Waits.until("never", Duration.ofMillis(100), () -> false))
                .isInstanceOf(ConditionTimeoutException.class).hasMessageContaining("never");
    }
}
