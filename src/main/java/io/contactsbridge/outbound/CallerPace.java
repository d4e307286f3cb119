package io.contactsbridge.outbound;

import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keeps one caller's requests on a connection to its {@link CallerShare} of the connection's rate budget, evenly
 * spaced. The connection's budget keeps every caller together within the service's limit; this keeps one caller (a
 * poller) from taking more than its share, so the other callers' requests (the sync's) find the rest of the budget
 * free whenever they come. Used by the outbound routes ({@link OutboundAttemptSteps#awaitCallerShare}) before every
 * attempt of a call that names a share, before the circuit breaker and before the connection's budget: a caller
 * waiting for its share holds nothing of the connection's.
 *
 * <p>The service's shortest window ("{@code limit} per {@code period}") becomes one request per
 * {@code period / (limit x share)}: BirdSend's 5 per second at a share of 0.5 is one request every 400 ms, exactly
 * 2.5 per second on average and never a burst, so a scan can never fill the service's window ahead of a sync write
 * (at most 3 of BirdSend's 5 in any second are the poller's). Longer windows (a daily cap) keep
 * {@code limit x share} (at least 1) per period. Requests are counted when they are let go: the pace is of requests
 * started, whatever their answers take.
 *
 * <p>The caller also gives way: when its slot comes while the connection's budget has no slot free at once (the
 * other callers' requests fill it, or wait for it), it waits for a free one, up to one of its own intervals, before
 * it queues like any caller. So a burst of the sync's requests is served first, and the poller loses at most a
 * little of its share while the sync is busy.
 */
final class CallerPace {

    /** A caller may wait this long for its own slot: a poller thread has nothing better to do. */
    private static final Duration MAX_WAIT = Duration.ofMinutes(10);

    private final double share;
    private final RateBudget budget;
    private final double requestsPerSecond;
    private final RateBudget connection;
    private final RateBudget.Clock clock;
    private final long maxGiveWayNanos;

    /** @param connection the connection's budget, to give way to its other callers; null: do not */
    CallerPace(String name, OutboundProperties.Rate serviceRate, double share, RateBudget connection, RateBudget.Clock clock) {
        OutboundProperties.Rate rate = shareOf(serviceRate, share);
        this.share = share;
        this.budget = new RateBudget(name, rate, clock);
        this.requestsPerSecond = requestsPerSecond(rate);
        this.connection = connection;
        this.clock = clock;
        this.maxGiveWayNanos = Math.round(1e9 / requestsPerSecond);
    }

    static OutboundProperties.Rate shareOf(OutboundProperties.Rate rate, double share) {
        String shortest = rate.windows().entrySet().stream()
                .min(Comparator.comparing(e -> e.getValue().period()))
                .orElseThrow().getKey();
        Map<String, OutboundProperties.Window> windows = new LinkedHashMap<>();
        rate.windows().forEach((name, w) -> windows.put(name, name.equals(shortest)
                ? new OutboundProperties.Window(1, Duration.ofNanos(Math.max(1, Math.round(w.period().toNanos() / (w.limit() * share)))),
                        null, null, null)
                : new OutboundProperties.Window(Math.max(1, (int) Math.floor(w.limit() * share)), w.period(), null, null, null)));
        // No safety margin: the pace counts the caller's own requests, not the service's arrivals (the connection's budget does).
        return new OutboundProperties.Rate(windows, MAX_WAIT, Duration.ZERO);
    }

    static double requestsPerSecond(OutboundProperties.Rate paced) {
        return paced.windows().values().stream().mapToDouble(w -> w.limit() * 1e9 / w.period().toNanos()).min().orElseThrow();
    }

    double share() {
        return share;
    }

    /** The most requests per second this pace lets go, on average. */
    double requestsPerSecond() {
        return requestsPerSecond;
    }

    /** Waits for the caller's next slot, then gives way (see above); the request may go after it. */
    void await() throws InterruptedException {
        RateBudget.Permit permit;
        do {
            permit = budget.acquire(MAX_WAIT);
        } while (!permit.granted());
        if (connection != null) {
            long deadline = clock.nanoTime() + maxGiveWayNanos;
            long busy;
            while ((busy = connection.nextSlotIn().toNanos()) > 0 && clock.nanoTime() < deadline) {
                clock.sleepNanos(Math.min(busy, deadline - clock.nanoTime()));
            }
        }
    }
}
