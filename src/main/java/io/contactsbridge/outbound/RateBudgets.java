package io.contactsbridge.outbound;

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
 * {@link CallerShare} of one. Budgets live in memory: a replica counts its own requests and learns about the
 * others' from the services' rate-limit headers and 429s.
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
        return budgets.computeIfAbsent(UpstreamCall.id(service) + ":" + connectionId, key -> {
            RateBudget budget = new RateBudget(key, props.service(service).rate(), clock);
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
