package io.contactsbridge.capture;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import io.contactsbridge.outbound.OutboundProperties;
import io.contactsbridge.outbound.RateBudget;

/**
 * Caps a poller's own request rate at a share of the connection's rate budget. The outbound layer already keeps
 * every caller together within the service's limit; this keeps the poller from taking all of it, so the sync
 * layer's writes are not queued behind a full scan. Same windows as the service's budget, each limit multiplied
 * by the share (at least 1).
 */
final class RequestPacer {

    /** A poller thread may wait this long for its own slot; it has nothing better to do. */
    private static final Duration MAX_WAIT = Duration.ofMinutes(10);

    private final RateBudget budget;

    RequestPacer(String name, OutboundProperties.Rate serviceRate, double share) {
        this(name, serviceRate, share, RateBudget.Clock.SYSTEM);
    }

    RequestPacer(String name, OutboundProperties.Rate serviceRate, double share, RateBudget.Clock clock) {
        this.budget = new RateBudget(name, shareOf(serviceRate, share), clock);
    }

    static OutboundProperties.Rate shareOf(OutboundProperties.Rate rate, double share) {
        Map<String, OutboundProperties.Window> windows = new LinkedHashMap<>();
        rate.windows().forEach((name, w) -> windows.put(name, new OutboundProperties.Window(
                Math.max(1, (int) Math.floor(w.limit() * share)), w.period(), null, null, null)));
        return new OutboundProperties.Rate(windows, MAX_WAIT, rate.safetyMargin());
    }

    /** The limit of one window of this pacer (for logs and tests). */
    int limit(String window) {
        return budget.limit(window);
    }

    /** Waits for a slot, then makes the call. */
    <T> T call(Supplier<T> request) throws InterruptedException {
        RateBudget.Permit permit;
        do {
            permit = budget.acquire(MAX_WAIT);
        } while (!permit.granted());
        try {
            return request.get();
        } finally {
            budget.settle(permit);
        }
    }
}
