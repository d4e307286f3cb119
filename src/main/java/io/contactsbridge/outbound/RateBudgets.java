package io.contactsbridge.outbound;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.ops.ShutdownSignal;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The {@link RateBudget} of every connection, created on first use from the service's
 * {@code bridge.outbound.<service>.rate.*} settings, and the {@link CallerPace} of every caller that names its
 * {@link CallerShare} of one. Budgets live in memory: a replica counts its own requests, takes its share of every
 * limit when it runs beside others ({@link RateAllotment}), and learns of requests beyond those from the services'
 * rate-limit headers and 429s.
 */
@Component
public class RateBudgets {

    /** Gauge: requests a budget's window has room for now, by service, connection and window. */
    public static final String REMAINING_GAUGE = "bridge.outbound.budget.remaining";

    private final OutboundProperties props;
    private final MeterRegistry registry;
    private final RateBudget.Clock clock;
    private final Map<String, RateBudget> budgets = new ConcurrentHashMap<>();
    private final Map<String, CallerPace> paces = new ConcurrentHashMap<>();
    /** This replica's share of every connection's limits, and until when (budget clock) a joining replica waits. */
    private double share = 1;
    private long joinedAt = Long.MIN_VALUE;
    private Duration joinWait = Duration.ZERO;

    @Autowired
    public RateBudgets(OutboundProperties props, ShutdownSignal shutdown, MeterRegistry registry) {
        this(props, RateBudget.Clock.stoppable(shutdown), registry);
    }

    RateBudgets(OutboundProperties props, RateBudget.Clock clock) {
        this(props, clock, null);
    }

    private RateBudgets(OutboundProperties props, RateBudget.Clock clock, MeterRegistry registry) {
        this.props = props;
        this.clock = clock;
        this.registry = registry;
    }

    public RateBudget forConnection(ServiceType service, String connectionId) {
        RateBudget existing = budgets.get(UpstreamCall.id(service) + ":" + connectionId);
        return existing != null ? existing : create(service, connectionId);
    }

    private synchronized RateBudget create(ServiceType service, String connectionId) {
        return budgets.computeIfAbsent(UpstreamCall.id(service) + ":" + connectionId, key -> {
            RateBudget budget = new RateBudget(key, props.service(service).rate(), clock);
            budget.share(share);
            if (joinedAt != Long.MIN_VALUE) {
                long left = joinedAt + joinWait.plus(budget.drainTime(RateAllotment.DRAIN_UP_TO)).toNanos() - clock.nanoTime();
                if (left > 0) {
                    budget.hold(Duration.ofNanos(left));
                }
            }
            if (registry != null) {
                for (String window : budget.windowNames()) {
                    Gauge.builder(REMAINING_GAUGE, budget, b -> b.remaining(window))
                            .description("Requests a rate window of a connection's budget has room for now")
                            .tag("service", UpstreamCall.id(service)).tag("connection", connectionId).tag("window", window)
                            .register(registry);
                }
            }
            return budget;
        });
    }

    /** Gives every budget, and every budget made later, {@code fraction} of its connection's limits. */
    public synchronized void share(double fraction) {
        share = fraction;
        budgets.values().forEach(b -> b.share(fraction));
    }

    public synchronized double share() {
        return share;
    }

    /** Whether a caller of any budget waited for its slot, or was refused one, within {@code period}. */
    public boolean queuedWithin(Duration period) {
        return budgets.values().stream().anyMatch(b -> b.queuedWithin(period));
    }

    /**
     * This replica joins others already calling the services: every budget (made now or later) waits until the others
     * have seen it ({@code othersSeeItWithin}) and what they sent under their larger shares has left the windows.
     */
    public synchronized void join(Duration othersSeeItWithin) {
        joinedAt = clock.nanoTime();
        joinWait = othersSeeItWithin;
        budgets.values().forEach(b -> b.hold(othersSeeItWithin.plus(b.drainTime(RateAllotment.DRAIN_UP_TO))));
    }

    /**
     * The pace of {@code share}'s caller on a connection: its share of the connection's configured rate, giving way to
     * the connection's budget. One per caller and connection; a caller naming another share gets a new pace.
     */
    CallerPace pace(ServiceType service, String connectionId, CallerShare share) {
        String key = UpstreamCall.id(service) + ":" + connectionId + ":" + share.caller();
        return paces.compute(key, (k, pace) -> pace != null && pace.share() == share.share() ? pace
                : new CallerPace(k, props.service(service).rate(), share.share(), forConnection(service, connectionId), clock));
    }
}
