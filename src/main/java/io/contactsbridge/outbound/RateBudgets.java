package io.contactsbridge.outbound;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.ops.ShutdownSignal;
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

    private final OutboundProperties props;
    private final RateBudget.Clock clock;
    private final Map<String, RateBudget> budgets = new ConcurrentHashMap<>();
    private final Map<String, CallerPace> paces = new ConcurrentHashMap<>();

    @Autowired
    public RateBudgets(OutboundProperties props, ShutdownSignal shutdown) {
        this(props, RateBudget.Clock.stoppable(shutdown));
    }

    RateBudgets(OutboundProperties props, RateBudget.Clock clock) {
        this.props = props;
        this.clock = clock;
    }

    public RateBudget forConnection(ServiceType service, String connectionId) {
        return budgets.computeIfAbsent(UpstreamCall.id(service) + ":" + connectionId,
                key -> new RateBudget(key, props.service(service).rate(), clock));
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
