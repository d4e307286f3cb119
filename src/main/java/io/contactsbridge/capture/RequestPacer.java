package io.contactsbridge.capture;

import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import io.contactsbridge.outbound.OutboundProperties;
import io.contactsbridge.outbound.RateBudget;

/**
 * Caps a poller's own request rate at a share of the connection's rate budget, with its requests evenly spaced. The
 * outbound layer already keeps every caller together within the service's limit; this keeps the poller from taking
 * more than its share, so the sync's requests find the rest of the budget free whenever they come.
 *
 * <p>The service's shortest window ("{@code limit} per {@code period}") becomes one request per
 * {@code period / (limit x share)}: BirdSend's 5 per second at a share of 0.5 is one request every 400 ms, exactly
 * 2.5 per second on average and never a burst, so a scan can never fill the service's window ahead of a sync write
 * (at most 3 of BirdSend's 5 in any second are the poller's). Longer windows (a daily cap) keep
 * {@code limit x share} (at least 1) per period. Requests are counted when they are let go: the pace is of requests
 * started, whatever their answers take. The pacer only decides when the poller asks the outbound layer; it holds
 * none of the outbound budget while it waits.
 *
 * <p>Given the connection's outbound budget, the poller also gives way: when its slot comes while the connection's
 * budget has no slot free at once (the sync's requests fill it, or wait for it), it waits for a free one, up to one
 * of its own intervals, before it queues like any caller. So a burst of the sync's requests is served first, and the
 * poller loses at most a little of its share while the sync is busy.
 */
final class RequestPacer {

    /** A poller thread may wait this long for its own slot; it has nothing better to do. */
    private static final Duration MAX_WAIT = Duration.ofMinutes(10);

    private final RateBudget budget;
    private final double requestsPerSecond;
    private final RateBudget connection;
    private final RateBudget.Clock clock;
    private final long maxGiveWayNanos;

    RequestPacer(String name, OutboundProperties.Rate serviceRate, double share) {
        this(name, serviceRate, share, null, RateBudget.Clock.SYSTEM);
    }

    /** @param connection the connection's outbound budget, to give way to its other callers; null: do not */
    RequestPacer(String name, OutboundProperties.Rate serviceRate, double share, RateBudget connection, RateBudget.Clock clock) {
        OutboundProperties.Rate rate = shareOf(serviceRate, share);
        this.budget = new RateBudget(name, rate, clock);
        this.requestsPerSecond = rate.windows().values().stream()
                .mapToDouble(w -> w.limit() * 1e9 / w.period().toNanos()).min().orElseThrow();
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
        // No safety margin: the pacer counts its own requests, not the service's arrivals (the outbound budget does).
        return new OutboundProperties.Rate(windows, MAX_WAIT, Duration.ZERO);
    }

    /** The most requests per second this pacer lets go, on average. */
    double requestsPerSecond() {
        return requestsPerSecond;
    }

    /** Waits for a slot (and gives way, see above), then makes the call. */
    <T> T call(Supplier<T> request) throws InterruptedException {
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
        return request.get();
    }
}
