package io.contactsbridge.outbound;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.contactsbridge.reports.ReportCounters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.stereotype.Component;

/**
 * Micrometer meters of the outbound layer, tagged by {@code service} and {@code operation}:
 * <ul>
 *   <li>{@code bridge.outbound.calls} (timer, tag {@code outcome}): whole calls, retries included.
 *       Outcomes: success, rejected, unauthorized, rate-limited, unavailable, circuit-open,
 *       budget-exhausted, invalid-request, error.</li>
 *   <li>{@code bridge.outbound.requests} (timer, tag {@code outcome}): single attempts. Outcomes:
 *       2xx, 4xx, 401, 429, 5xx, io-error, circuit-open.</li>
 *   <li>Each request sent is also counted for the reports ({@link ReportCounters#API_CALLS}).</li>
 *   <li>{@code bridge.outbound.budget.wait} (timer, tag {@code granted}): time spent waiting for a slot.</li>
 * </ul>
 */
@Component
public class OutboundMetrics {

    public static final String CALLS = "bridge.outbound.calls";
    public static final String REQUESTS = "bridge.outbound.requests";
    public static final String BUDGET_WAIT = "bridge.outbound.budget.wait";

    private final MeterRegistry registry;
    private final ReportCounters reports;

    public OutboundMetrics(MeterRegistry registry, ReportCounters reports) {
        this.registry = registry;
        this.reports = reports;
    }

    void call(UpstreamCall call, String outcome, long startedNanos) {
        timer(CALLS, call, "outcome", outcome).record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
    }

    void attempt(UpstreamCall call, String outcome, long startedNanos) {
        long elapsed = startedNanos == 0 ? 0 : System.nanoTime() - startedNanos;
        timer(REQUESTS, call, "outcome", outcome).record(elapsed, TimeUnit.NANOSECONDS);
        if (startedNanos != 0) {
            // A request that went out spent a slot of the connection's budget (an open circuit sent nothing).
            reports.add(ReportCounters.budgetScope(call.serviceId(), call.connectionId()), ReportCounters.API_CALLS, outcome, 1);
        }
    }

    void budgetWait(UpstreamCall call, Duration waited, boolean granted) {
        timer(BUDGET_WAIT, call, "granted", Boolean.toString(granted)).record(waited);
    }

    /** The outcome tag of a whole call that failed with {@code error}. */
    static String outcomeOf(Throwable error) {
        if (error instanceof UpstreamRejectedException) {
            return "rejected";
        } else if (error instanceof UpstreamAuthException) {
            return "unauthorized";
        } else if (error instanceof UpstreamRateLimitedException) {
            return "rate-limited";
        } else if (error instanceof UpstreamUnavailableException) {
            return "unavailable";
        } else if (error instanceof CircuitOpenException) {
            return "circuit-open";
        } else if (error instanceof RateBudgetExhaustedException) {
            return "budget-exhausted";
        } else if (error instanceof OutboundRequestException) {
            return "invalid-request";
        }
        return "error";
    }

    /** The outcome tag of one HTTP answer. */
    static String outcomeOf(int status) {
        if (status == 401 || status == 429) {
            return Integer.toString(status);
        }
        return status >= 500 ? "5xx" : status >= 400 ? "4xx" : status >= 300 ? "3xx" : "2xx";
    }

    private Timer timer(String name, UpstreamCall call, String tag, String value) {
        return Timer.builder(name)
                .tag("service", call.serviceId())
                .tag("operation", call.operation() == null ? "unknown" : call.operation())
                // So each series belongs to a pair (io.contactsbridge.sync.PairMeterTags): one series per connection.
                .tag("connection", call.connectionId() == null ? "none" : call.connectionId())
                .tag(tag, value)
                .register(registry);
    }
}
