package io.contactsbridge.simulator.sim;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimiterTest {

    private final MutableClock time = MutableClock.startingAt(Instant.parse("2025-03-01T00:00:00Z"));
    private final SimClock clock = new SimClock(time, 1.0);

    @Test
    void enforcesSeveralFixedWindowsAtOnce() {
        // HighLevel's shape (100 per 10 s and 200,000 per day), shrunk to 3 per 10 s and 5 per day
        RateLimiter limiter = new RateLimiter(clock,
                RateLimitWindow.fixed("burst", 3, Duration.ofSeconds(10)),
                RateLimitWindow.fixed("daily", 5, Duration.ofDays(1)));

        RateLimitDecision first = limiter.tryAcquire("app:loc");
        assertThat(first.allowed()).isTrue();
        assertThat(first.window("burst").remaining()).isEqualTo(2);
        assertThat(first.window("burst").resetIn()).isEqualTo(Duration.ofSeconds(10));
        assertThat(first.window("daily").remaining()).isEqualTo(4);
        assertThat(first.retryAfter()).isZero();

        time.advance(Duration.ofSeconds(4));
        limiter.tryAcquire("app:loc");
        limiter.tryAcquire("app:loc");
        RateLimitDecision blocked = limiter.tryAcquire("app:loc");
        assertThat(blocked.allowed()).isFalse();
        assertThat(blocked.window("burst").remaining()).isZero();
        assertThat(blocked.window("daily").remaining()).isEqualTo(2); // the rejection counted nowhere
        assertThat(blocked.retryAfter()).isEqualTo(Duration.ofSeconds(6));
        assertThat(blocked.retryAfterSeconds()).isEqualTo(6);
        assertThat(blocked.window("burst").resetAt()).isEqualTo(time.instant().plusSeconds(6));

        // another key has its own counters
        assertThat(limiter.tryAcquire("other:loc").allowed()).isTrue();

        time.advance(Duration.ofSeconds(6));
        assertThat(limiter.tryAcquire("app:loc").allowed()).isTrue();
        assertThat(limiter.tryAcquire("app:loc").allowed()).isTrue();
        RateLimitDecision dailyBlocked = limiter.tryAcquire("app:loc");
        assertThat(dailyBlocked.allowed()).isFalse();
        assertThat(dailyBlocked.window("burst").remaining()).isEqualTo(1);
        assertThat(dailyBlocked.window("daily").remaining()).isZero();
        assertThat(dailyBlocked.retryAfter()).isEqualTo(Duration.ofDays(1).minusSeconds(10));

        assertThat(limiter.peek("app:loc").allowed()).isFalse();
        time.advance(Duration.ofDays(1));
        RateLimitDecision peek = limiter.peek("app:loc");
        assertThat(peek.allowed()).isTrue();
        assertThat(peek.window("daily").remaining()).isEqualTo(5); // peeking counts nothing
        assertThat(limiter.tryAcquire("app:loc").window("daily").remaining()).isEqualTo(4);
    }

    @Test
    void slidingWindowFreesOneSlotAtATime() {
        RateLimiter limiter = new RateLimiter(clock, RateLimitWindow.sliding("second", 5, Duration.ofSeconds(1)));
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.tryAcquire("account").allowed()).isTrue();
            time.advance(Duration.ofMillis(200));
        }
        // t = 1000 ms: the request admitted at t = 0 has just left the window
        assertThat(limiter.tryAcquire("account").allowed()).isTrue();
        time.advance(Duration.ofMillis(50));
        RateLimitDecision blocked = limiter.tryAcquire("account");
        assertThat(blocked.allowed()).isFalse();
        assertThat(blocked.retryAfter()).isEqualTo(Duration.ofMillis(150));
        assertThat(blocked.retryAfterSeconds()).isEqualTo(1);

        time.advance(Duration.ofMillis(150));
        assertThat(limiter.tryAcquire("account").allowed()).isTrue();
    }

    @Test
    void timeScaleShortensWindowsEvenWhenChangedAtRunTime() {
        RateLimiter limiter = new RateLimiter(clock, RateLimitWindow.fixed("burst", 2, Duration.ofSeconds(10)));
        clock.setTimeScale(100); // 10 s windows last 100 ms
        limiter.tryAcquire("k");
        limiter.tryAcquire("k");
        RateLimitDecision blocked = limiter.tryAcquire("k");
        assertThat(blocked.allowed()).isFalse();
        assertThat(blocked.retryAfter()).isEqualTo(Duration.ofMillis(100));
        assertThat(blocked.window("burst").period()).isEqualTo(Duration.ofSeconds(10));
        assertThat(clock.unscaled(blocked.retryAfter())).isEqualTo(Duration.ofSeconds(10));

        time.advance(Duration.ofMillis(100));
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();

        limiter.reset();
        assertThat(limiter.peek("k").window("burst").remaining()).isEqualTo(2);
    }

    @Test
    void worksOnTheRealClockWithAScale() throws InterruptedException {
        RateLimiter limiter = new RateLimiter(SimClock.scaled(1000), RateLimitWindow.fixed("s", 1, Duration.ofSeconds(20)));
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        assertThat(limiter.tryAcquire("k").allowed()).isFalse();
        Thread.sleep(25); // 20 real-service seconds at 1000x
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    }

    @Test
    void validatesWindows() {
        assertThatThrownBy(() -> RateLimitWindow.fixed("x", 0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RateLimitWindow.fixed("x", 1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimiter(clock,
                RateLimitWindow.fixed("x", 1, Duration.ofSeconds(1)), RateLimitWindow.fixed("x", 2, Duration.ofSeconds(1))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
