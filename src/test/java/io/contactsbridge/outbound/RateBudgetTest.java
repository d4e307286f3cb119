package io.contactsbridge.outbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The rate budget on a fake clock: slots, windows, refusals, pauses and corrections, deterministically. */
class RateBudgetTest {

    private static final Duration LONG_WAIT = Duration.ofHours(1);

    /** Time only moves when a caller sleeps (or the test says so); a hook can run once mid-sleep. */
    static final class FakeClock implements RateBudget.Clock {
        long now = 5_000_000_000L;
        Runnable duringNextSleep;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleepNanos(long nanos) {
            long wakeAt = now + nanos;
            Runnable hook = duringNextSleep;
            duringNextSleep = null;
            if (hook != null) {
                hook.run();
            }
            now = Math.max(now, wakeAt);
        }

        void advance(Duration d) {
            now += d.toNanos();
        }

        void at(Duration sinceStart, long start) {
            now = start + sinceStart.toNanos();
        }
    }

    private final FakeClock clock = new FakeClock();

    private RateBudget budget(Duration margin, OutboundProperties.Window... windows) {
        Map<String, OutboundProperties.Window> named = new LinkedHashMap<>();
        for (int i = 0; i < windows.length; i++) {
            named.put(i == 0 ? "burst" : "daily", windows[i]);
        }
        return new RateBudget("test", new OutboundProperties.Rate(named, LONG_WAIT, margin), clock);
    }

    private static OutboundProperties.Window window(int limit, Duration period) {
        return new OutboundProperties.Window(limit, period, "X-RateLimit-Max", "X-RateLimit-Remaining",
                "X-RateLimit-Interval-Milliseconds");
    }

    private long millisSince(long start) {
        return (clock.now - start) / 1_000_000;
    }

    @Test
    void remainingCountsTheRequestsOfTheWindowsLastSpan() throws Exception {
        RateBudget budget = budget(Duration.ofMillis(10), window(3, Duration.ofSeconds(1)), window(100, Duration.ofDays(1)));
        assertThat(budget.windowNames()).containsExactlyInAnyOrder("burst", "daily");
        assertThat(budget.remaining("burst")).isEqualTo(3);
        budget.acquire(LONG_WAIT);
        budget.acquire(LONG_WAIT);
        assertThat(budget.remaining("burst")).isEqualTo(1);
        assertThat(budget.remaining("daily")).isEqualTo(98);
        clock.advance(Duration.ofMillis(1011));
        assertThat(budget.remaining("burst")).as("a period and the margin later").isEqualTo(3);
        assertThat(budget.remaining("daily")).isEqualTo(98);
    }

    @Test
    void grantsTheLimitAtOnceThenWaitsForTheOldestToLeaveThePeriodPlusMargin() throws Exception {
        RateBudget budget = budget(Duration.ofMillis(10), window(3, Duration.ofSeconds(1)));
        long start = clock.now;
        for (int i = 0; i < 3; i++) {
            assertThat(budget.acquire(LONG_WAIT).waited()).isZero();
        }
        RateBudget.Permit fourth = budget.acquire(LONG_WAIT);
        assertThat(fourth.granted()).isTrue();
        assertThat(fourth.waited()).isEqualTo(Duration.ofMillis(1010));
        budget.acquire(LONG_WAIT);
        budget.acquire(LONG_WAIT);
        assertThat(millisSince(start)).isEqualTo(1010);
        budget.acquire(LONG_WAIT);
        assertThat(millisSince(start)).isEqualTo(2020);
    }

    @Test
    void noWindowEverHoldsMoreThanTheLimitWhateverTheArrivalPattern() throws Exception {
        Duration period = Duration.ofMillis(500);
        RateBudget budget = budget(Duration.ZERO, window(7, period));
        Random random = new Random(42);
        List<Long> granted = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            clock.advance(Duration.ofMillis(random.nextInt(3) == 0 ? random.nextInt(400) : 0));
            budget.acquire(LONG_WAIT);
            granted.add(clock.now);
        }
        for (int i = 7; i < granted.size(); i++) {
            assertThat(granted.get(i) - granted.get(i - 7)).isGreaterThanOrEqualTo(period.toNanos());
        }
    }

    @Test
    void aSlotBeyondTheMaximumWaitIsRefusedAtOnceAndNotReserved() throws Exception {
        RateBudget budget = budget(Duration.ZERO, window(1, Duration.ofSeconds(1)));
        long start = clock.now;
        budget.acquire(LONG_WAIT);

        RateBudget.Permit refused = budget.acquire(Duration.ofMillis(100));

        assertThat(refused.granted()).isFalse();
        assertThat(refused.waited()).isZero();
        assertThat(refused.nextSlotIn()).isEqualTo(Duration.ofSeconds(1));
        assertThat(budget.acquire(Duration.ofSeconds(2)).granted()).isTrue();
        assertThat(millisSince(start)).as("the refused caller took no slot").isEqualTo(1000);
    }

    @Test
    void everyWindowMustHaveRoom() throws Exception {
        RateBudget budget = budget(Duration.ZERO, window(2, Duration.ofSeconds(1)), window(3, Duration.ofSeconds(10)));
        long start = clock.now;
        budget.acquire(LONG_WAIT);
        budget.acquire(LONG_WAIT);
        budget.acquire(LONG_WAIT);
        assertThat(millisSince(start)).as("third waits for the burst window").isEqualTo(1000);
        budget.acquire(LONG_WAIT);
        assertThat(millisSince(start)).as("fourth waits for the daily window").isEqualTo(10_000);
    }

    @Test
    void a429PausesTheConnectionForRetryAfterOrElseTheShortestWindow() throws Exception {
        RateBudget budget = budget(Duration.ofMillis(5), window(100, Duration.ofSeconds(1)),
                window(1000, Duration.ofSeconds(60)));
        long start = clock.now;
        budget.rateLimited(Duration.ofSeconds(2));
        budget.acquire(LONG_WAIT);
        assertThat(millisSince(start)).isEqualTo(2000);

        budget.rateLimited(null);
        budget.acquire(LONG_WAIT);
        assertThat(millisSince(start)).isEqualTo(3005);
    }

    @Test
    void aPauseWhileWaitingSendsTheWaiterBehindIt() throws Exception {
        RateBudget budget = budget(Duration.ZERO, window(1, Duration.ofSeconds(1)));
        long start = clock.now;
        budget.acquire(LONG_WAIT);
        clock.duringNextSleep = () -> {
            clock.at(Duration.ofMillis(500), start);
            budget.rateLimited(Duration.ofSeconds(3));
        };

        budget.acquire(LONG_WAIT);

        assertThat(millisSince(start)).isEqualTo(3500);
    }

    @Test
    void aLateRequestIsCountedFromNearItsCompletionAndAWaiterWhoseWindowItFillsQueuesAgain() throws Exception {
        RateBudget budget = budget(Duration.ofMillis(10), window(2, Duration.ofSeconds(1)));
        long start = clock.now;
        RateBudget.Permit a = budget.acquire(LONG_WAIT);
        RateBudget.Permit b = budget.acquire(LONG_WAIT);
        // Both were slotted at 0 but only completed at 900 ms (say, queued for a connection).
        clock.duringNextSleep = () -> {
            clock.at(Duration.ofMillis(900), start);
            budget.settle(a);
            budget.settle(b);
        };

        budget.acquire(LONG_WAIT);

        // Counted from one margin before their completion: 890 ms, free again a span (1010 ms) later.
        assertThat(millisSince(start)).isEqualTo(890 + 1010);
    }

    @Test
    void aRequestCompletedWithinTheMarginKeepsItsSlot() throws Exception {
        RateBudget budget = budget(Duration.ofMillis(10), window(1, Duration.ofSeconds(1)));
        long start = clock.now;
        RateBudget.Permit a = budget.acquire(LONG_WAIT);
        clock.advance(Duration.ofMillis(8));
        budget.settle(a);
        budget.acquire(LONG_WAIT);
        assertThat(millisSince(start)).isEqualTo(1010);
    }

    @Test
    void aRequestWhoseSendTimeIsKnownIsCountedFromWhenItLeftNotFromItsAnswer() throws Exception {
        RateBudget budget = budget(Duration.ofMillis(10), window(1, Duration.ofSeconds(1)));
        long start = clock.now;
        RateBudget.Permit a = budget.acquire(LONG_WAIT);
        // Sent 1 ms after its slot (within a tenth of the margin), answered 300 ms later: the slot stands.
        clock.advance(Duration.ofMillis(301));
        budget.settle(a, Duration.ofMillis(300));
        budget.acquire(LONG_WAIT);
        assertThat(millisSince(start)).isEqualTo(1010);
    }

    @Test
    void aRequestThatLeftLateIsCountedFromATenthOfAMarginBeforeItLeft() throws Exception {
        RateBudget budget = budget(Duration.ofMillis(10), window(1, Duration.ofSeconds(1)));
        long start = clock.now;
        RateBudget.Permit a = budget.acquire(LONG_WAIT);
        // It waited 400 ms for a connection, then its answer took 500 ms.
        clock.at(Duration.ofMillis(900), start);
        budget.settle(a, Duration.ofMillis(500));
        budget.acquire(LONG_WAIT);
        // Counted from 399 ms (left at 400, less a tenth of the margin): the next slot is a span (1010 ms) after that.
        assertThat(millisSince(start)).isEqualTo(399 + 1010);
    }

    @Test
    void aRoundTripSlowerThanTheFastestRecentOneCountsAsALateArrival() throws Exception {
        RateBudget budget = budget(Duration.ofMillis(10), window(1, Duration.ofSeconds(1)));
        long start = clock.now;
        RateBudget.Permit a = budget.acquire(LONG_WAIT);
        clock.advance(Duration.ofMillis(100));
        budget.settle(a, Duration.ofMillis(100)); // left at its slot, answered in 100 ms: the fastest so far
        RateBudget.Permit b = budget.acquire(LONG_WAIT);
        assertThat(millisSince(start)).isEqualTo(1010);
        // b left at once too, but its answer took 400 ms: it may have reached the service 300 ms late.
        clock.advance(Duration.ofMillis(400));
        budget.settle(b, Duration.ofMillis(400));
        budget.acquire(LONG_WAIT);
        // Counted from 1010 + 300 - 1 (a tenth of the margin), so the next slot is a span after that.
        assertThat(millisSince(start)).isEqualTo(1010 + 299 + 1010);
    }

    @Test
    void waitersDisplacedByALateRequestKeepTheirOrderAndLoseNoSlot() throws Exception {
        // Real clock: 1 per 100 ms (+10 ms margin). A goes at once; B, C and D queue for 110, 220 and 330 ms.
        RateBudget budget = new RateBudget("real", new OutboundProperties.Rate(
                Map.of("burst", window(1, Duration.ofMillis(100))), LONG_WAIT, Duration.ofMillis(10)), RateBudget.Clock.SYSTEM);
        RateBudget.Permit a = budget.acquire(LONG_WAIT);
        List<RateBudget.Permit> permits = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Thread t = new Thread(() -> {
                try {
                    permits.add(budget.acquire(LONG_WAIT));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            waiters.add(t);
            t.start();
            Thread.sleep(5); // B, C, D queue in this order
        }
        // A only now leaves (it waited for a connection): counted from about 50 ms, inside B's window.
        Thread.sleep(50 - 15);
        budget.settle(a, Duration.ZERO);
        for (Thread t : waiters) {
            t.join(5_000);
        }

        List<Long> slots = permits.stream().map(RateBudget.Permit::slot).toList();
        assertThat(slots).hasSize(3);
        assertThat(slots).as("B, C, D each moved just past the one before, in order").isSorted();
        long lastMs = (slots.get(2) - a.slot()) / 1_000_000;
        // Shifted: about 50 + 3 x 110 = 380 ms. Sent to the back of the queue, B would go at 440 ms and leave 110 empty.
        assertThat(lastMs).isBetween(3 * 110L, 425L);
        for (int i = 1; i < slots.size(); i++) {
            assertThat(slots.get(i) - slots.get(i - 1)).isGreaterThanOrEqualTo(Duration.ofMillis(110).toNanos());
        }
    }

    @Test
    void remainingZeroThatOurOwnCountDoesNotExplainPausesForTheServicesInterval() throws Exception {
        RateBudget budget = budget(Duration.ofMillis(10), window(100, Duration.ofSeconds(10)));
        long start = clock.now;
        budget.acquire(LONG_WAIT);

        budget.observe(headers("X-RateLimit-Max", "100", "X-RateLimit-Remaining", "0",
                "X-RateLimit-Interval-Milliseconds", "2000"));
        budget.acquire(LONG_WAIT);

        assertThat(millisSince(start)).isEqualTo(2010);
    }

    @Test
    void remainingZeroExplainedByOurOwnRequestsChangesNothing() throws Exception {
        RateBudget budget = budget(Duration.ZERO, window(3, Duration.ofSeconds(1)));
        for (int i = 0; i < 3; i++) {
            budget.acquire(LONG_WAIT);
        }
        budget.observe(headers("X-RateLimit-Max", "3", "X-RateLimit-Remaining", "0"));
        assertThat(budget.nextSlotIn()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void requestsTheServiceCountsBeyondOursTakeRoomInTheBudget() throws Exception {
        RateBudget budget = budget(Duration.ZERO, window(10, Duration.ofSeconds(1)));
        budget.acquire(LONG_WAIT);
        budget.acquire(LONG_WAIT);

        // The service has seen 7: someone else sent 5.
        budget.observe(headers("X-RateLimit-Max", "10", "X-RateLimit-Remaining", "3"));

        for (int i = 0; i < 3; i++) {
            assertThat(budget.acquire(LONG_WAIT).waited()).isZero();
        }
        assertThat(budget.nextSlotIn()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aRoundedWindowComparesTheServicesCountWithItsOwnRecentRequests() throws Exception {
        RateBudget budget = budget(Duration.ZERO, window(10, Duration.ofSeconds(1)),
                new OutboundProperties.Window(5000, Duration.ofHours(24), "X-RateLimit-Limit-Daily",
                        "X-RateLimit-Daily-Remaining", null));
        for (int i = 0; i < 3; i++) {
            budget.acquire(LONG_WAIT);
            // The service has counted exactly our requests: nothing may be added.
            budget.observe(headers("X-RateLimit-Limit-Daily", "5000", "X-RateLimit-Daily-Remaining",
                    Integer.toString(5000 - (i + 1))));
        }
        for (int i = 0; i < 7; i++) {
            assertThat(budget.acquire(LONG_WAIT).waited()).isZero();
        }
        assertThat(budget.nextSlotIn()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aShareGivesTheReplicaItsPartOfEveryWindowAndASmallerOneCountsWhatWasSent() throws Exception {
        RateBudget budget = budget(Duration.ZERO, window(10, Duration.ofSeconds(1)), window(1000, Duration.ofDays(1)));
        budget.share(0.5);
        assertThat(budget.limit("burst")).isEqualTo(5);
        assertThat(budget.limit("daily")).isEqualTo(500);
        for (int i = 0; i < 5; i++) {
            assertThat(budget.acquire(LONG_WAIT).waited()).isZero();
        }
        assertThat(budget.nextSlotIn()).as("half of 10 in a second").isEqualTo(Duration.ofSeconds(1));

        clock.advance(Duration.ofSeconds(1));
        budget.share(1);
        for (int i = 0; i < 4; i++) {
            budget.acquire(LONG_WAIT);
        }
        budget.share(1.0 / 3);
        assertThat(budget.limit("burst")).as("rounded down").isEqualTo(3);
        assertThat(budget.nextSlotIn()).as("4 sent in the window already exceed the new 3: wait until it drains")
                .isEqualTo(Duration.ofSeconds(1));
        budget.share(0.01);
        assertThat(budget.limit("burst")).as("never below one").isEqualTo(1);
    }

    @Test
    void theOtherReplicasAllotmentIsNotTakenForRequestsBeyondOurs() throws Exception {
        RateBudget budget = budget(Duration.ZERO, window(10, Duration.ofSeconds(1)));
        budget.share(0.5);
        budget.acquire(LONG_WAIT);
        budget.acquire(LONG_WAIT);
        // The service has seen 7: the other replica sent 5, its whole allotment. Nothing to add to ours.
        budget.observe(headers("X-RateLimit-Max", "10", "X-RateLimit-Remaining", "3"));
        for (int i = 0; i < 3; i++) {
            assertThat(budget.acquire(LONG_WAIT).waited()).isZero();
        }
        assertThat(budget.nextSlotIn()).isEqualTo(Duration.ofSeconds(1));

        // Past both spans the service's count is compared with.
        clock.advance(Duration.ofMillis(2001));
        budget.acquire(LONG_WAIT);
        // The service has seen 8: 1 ours, 5 the other replica's, 2 someone else's (another app).
        budget.observe(headers("X-RateLimit-Max", "10", "X-RateLimit-Remaining", "2"));
        for (int i = 0; i < 2; i++) {
            assertThat(budget.acquire(LONG_WAIT).waited()).isZero();
        }
        assertThat(budget.nextSlotIn()).as("5 = 1 + 2 + the 2 beyond both replicas").isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aHoldGivesNoSlotUntilItEndsAndDrainTimeIsTheLongestShortWindow() throws Exception {
        RateBudget budget = budget(Duration.ofMillis(200), window(10, Duration.ofSeconds(10)), window(1000, Duration.ofDays(1)));
        assertThat(budget.drainTime(Duration.ofMinutes(1))).isEqualTo(Duration.ofMillis(10_200));
        budget.hold(Duration.ofSeconds(12));
        assertThat(budget.nextSlotIn()).isEqualTo(Duration.ofSeconds(12));
        long start = clock.now;
        budget.acquire(LONG_WAIT);
        assertThat(millisSince(start)).isEqualTo(12_000);
    }

    @Test
    void aLowerLimitFromTheServiceIsAdoptedButNeverAHigherOne() {
        RateBudget budget = budget(Duration.ZERO, window(10, Duration.ofSeconds(1)));
        budget.observe(headers("X-RateLimit-Max", "4"));
        assertThat(budget.limit("burst")).isEqualTo(4);
        budget.observe(headers("X-RateLimit-Max", "50"));
        assertThat(budget.limit("burst")).isEqualTo(10);
        budget.observe(headers("X-RateLimit-Max", "not a number"));
        assertThat(budget.limit("burst")).isEqualTo(10);
    }

    @Test
    void aLargeWindowKeepsItsGuaranteeOverManyRequests() throws Exception {
        RateBudget budget = budget(Duration.ZERO, window(50, Duration.ofSeconds(1)), window(2000, Duration.ofHours(24)));
        long start = clock.now;
        for (int i = 0; i < 2000; i++) {
            budget.acquire(LONG_WAIT);
        }
        assertThat(millisSince(start)).isEqualTo(39_000);
        RateBudget.Permit next = budget.acquire(Duration.ofMinutes(1));
        assertThat(next.granted()).isFalse();
        assertThat(next.nextSlotIn()).isGreaterThan(Duration.ofHours(23));
    }

    @Test
    void concurrentCallersWhoseRequestsAllCompleteLateKeepTheLimitAndTheirPace() throws Exception {
        // Real clock: 8 callers, 5 per 50 ms, every request completing 3 ms after its grant (beyond the
        // 1 ms margin), so each one is moved and waiters re-check their slots on waking.
        Duration period = Duration.ofMillis(50);
        Duration margin = Duration.ofMillis(1);
        RateBudget budget = new RateBudget("real", new OutboundProperties.Rate(Map.of("burst", window(5, period)),
                LONG_WAIT, margin), RateBudget.Clock.SYSTEM);
        List<Long> slots = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> callers = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < 8; c++) {
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; i < 10; i++) {
                        RateBudget.Permit permit = budget.acquire(Duration.ofSeconds(2));
                        assertThat(permit.granted()).isTrue();
                        slots.add(permit.slot());
                        Thread.sleep(3);
                        budget.settle(permit);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            callers.add(t);
            t.start();
        }
        for (Thread t : callers) {
            t.join(10_000);
        }
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;

        List<Long> sorted = slots.stream().sorted().toList();
        assertThat(sorted).hasSize(80);
        for (int i = 5; i < sorted.size(); i++) {
            assertThat(sorted.get(i) - sorted.get(i - 5))
                    .as("slots (ms) %s", sorted.stream().map(x -> String.format("%.2f", x / 1e6)).toList())
                    .isGreaterThanOrEqualTo(period.toNanos());
        }
        // 15 more windows of 50 ms plus lateness: under a second, not a cascade of re-queues.
        assertThat(elapsedMs).isLessThan(1600);
    }

    private static java.util.function.Function<String, String> headers(String... pairs) {
        Map<String, String> map = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map::get;
    }
}
