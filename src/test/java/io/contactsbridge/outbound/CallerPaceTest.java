package io.contactsbridge.outbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A caller's pace (the pollers'): a share of the service's budget, evenly spaced, giving way to the connection's other callers. */
class CallerPaceTest {

    /** Time moves only when someone sleeps. */
    static final class FakeClock implements RateBudget.Clock {
        long now = 1_000_000_000L;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleepNanos(long nanos) {
            now += Math.max(0, nanos);
        }
    }

    final FakeClock clock = new FakeClock();

    static OutboundProperties.Rate rate(int limit, Duration period) {
        return new OutboundProperties.Rate(Map.of("second", new OutboundProperties.Window(limit, period, null, null, null)),
                Duration.ofSeconds(30), Duration.ofMillis(30));
    }

    List<Long> callTimesMillis(CallerPace pace, int calls) throws InterruptedException {
        long start = clock.now;
        List<Long> at = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            at.add(goesAtMillis(pace, start));
        }
        return at;
    }

    /** When a request let go by {@code pace} leaves, in ms after {@code start}. */
    long goesAtMillis(CallerPace pace, long start) throws InterruptedException {
        pace.await();
        return (clock.now - start) / 1_000_000;
    }

    @Test
    void halfOfFivePerSecondIsOneRequestEvery400MsNeverABurst() throws Exception {
        CallerPace pace = new CallerPace("test", rate(5, Duration.ofSeconds(1)), 0.5, null, clock);

        assertThat(pace.requestsPerSecond()).isEqualTo(2.5);
        assertThat(new CallerShare("test", 0.5).requestsPerSecond(rate(5, Duration.ofSeconds(1)))).isEqualTo(2.5);
        assertThat(callTimesMillis(pace, 6)).containsExactly(0L, 400L, 800L, 1200L, 1600L, 2000L);
    }

    @Test
    void longerWindowsKeepTheirShareAsACap() {
        Map<String, OutboundProperties.Window> windows = new LinkedHashMap<>();
        windows.put("burst", new OutboundProperties.Window(100, Duration.ofSeconds(10), null, null, null));
        windows.put("daily", new OutboundProperties.Window(200_000, Duration.ofDays(1), null, null, null));
        OutboundProperties.Rate shared = CallerPace.shareOf(new OutboundProperties.Rate(windows, Duration.ofSeconds(30), null), 0.5);

        assertThat(shared.windows().get("burst")).extracting(OutboundProperties.Window::limit, OutboundProperties.Window::period)
                .containsExactly(1, Duration.ofMillis(200));
        assertThat(shared.windows().get("daily")).extracting(OutboundProperties.Window::limit, OutboundProperties.Window::period)
                .containsExactly(100_000, Duration.ofDays(1));
        assertThat(shared.safetyMargin()).isZero();
    }

    @Test
    void whenOthersFillTheConnectionsBudgetThePollerWaitsForAFreeSlotButNoLongerThanOneOfItsIntervals() throws Exception {
        RateBudget connection = new RateBudget("connection", new OutboundProperties.Rate(Map.of("second",
                new OutboundProperties.Window(5, Duration.ofSeconds(1), null, null, null)), Duration.ofSeconds(30), Duration.ZERO), clock);
        CallerPace pace = new CallerPace("test", rate(5, Duration.ofSeconds(1)), 0.5, connection, clock);
        long start = clock.now;

        // Four of the five slots taken by the sync: one is free, the poller goes at once.
        for (int i = 0; i < 4; i++) {
            connection.acquire(Duration.ZERO);
        }
        assertThat(goesAtMillis(pace, start)).isZero();
        connection.acquire(Duration.ZERO);

        // The fifth taken too (by the poller's request, as the outbound layer does): the next slot is at 1 s; the
        // poller's own slot comes at 400 ms, and it waits until 800 ms (one interval) before it queues anyway.
        assertThat(goesAtMillis(pace, start)).isEqualTo(800L);
    }
}
