package io.contactsbridge.simulator.sim;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimClockTest {

    @Test
    void scalesDurationsButNotTimestamps() {
        MutableClock base = MutableClock.startingAt(Instant.parse("2025-01-01T00:00:00Z"));
        SimClock clock = new SimClock(base, 100);
        assertThat(clock.now()).isEqualTo(base.instant());
        assertThat(clock.scaled(Duration.ofSeconds(10))).isEqualTo(Duration.ofMillis(100));
        assertThat(clock.scaledMillis(Duration.ofSeconds(10))).isEqualTo(100);
        assertThat(clock.scaledMillis(Duration.ofMillis(1))).isEqualTo(1); // rounded up, never zero
        assertThat(clock.scaledMillis(Duration.ofDays(1))).isEqualTo(864_000);
        assertThat(clock.unscaled(Duration.ofMillis(250))).isEqualTo(Duration.ofSeconds(25));

        clock.setTimeScale(1);
        assertThat(clock.scaled(Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(10));

        base.advance(Duration.ofMinutes(5));
        assertThat(clock.now()).isEqualTo(Instant.parse("2025-01-01T00:05:00Z"));
        assertThat(clock.epochNanos()).isEqualTo(Instant.parse("2025-01-01T00:05:00Z").toEpochMilli() * 1_000_000L);

        MutableClock other = MutableClock.startingAt(Instant.EPOCH);
        clock.setBase(other);
        assertThat(clock.now()).isEqualTo(Instant.EPOCH);
    }

    @Test
    void rejectsNonsenseScales() {
        assertThatThrownBy(() -> SimClock.scaled(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SimClock.scaled(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SimClock.scaled(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SimClock.system().setTimeScale(Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void retryAfterIsWholeServiceSecondsSaidInBaseClockSeconds() {
        SimClock real = SimClock.system();
        assertThat(real.retryAfterHeader(Duration.ofMillis(40), 1)).isEqualTo("1");
        assertThat(real.retryAfterHeader(Duration.ofMillis(1500), 1)).isEqualTo("2");
        assertThat(real.retryAfterHeader(Duration.ZERO, 0)).isEqualTo("0");
        SimClock fast = SimClock.scaled(10);
        assertThat(fast.retryAfterHeader(Duration.ofMillis(40), 1)).as("0.4 service s, rounded up to 1").isEqualTo("0.1");
        assertThat(fast.retryAfterHeader(Duration.ofMillis(150), 1)).as("1.5 service s, rounded up to 2").isEqualTo("0.2");
        assertThat(fast.retryAfterHeader(Duration.ofSeconds(3), 1)).isEqualTo("3");
        assertThat(SimClock.scaled(3).retryAfterHeader(Duration.ofMillis(100), 1)).as("a third, rounded up").isEqualTo("0.334");
    }
}
