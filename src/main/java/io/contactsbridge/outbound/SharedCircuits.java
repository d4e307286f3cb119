package io.contactsbridge.outbound;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.store.ReplicaProperties;
import org.apache.camel.CamelContext;
import org.apache.camel.component.resilience4j.ResilienceProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * One circuit per service across the replicas: when a replica's breaker opens, it says so in the store (table
 * {@code outbound_circuit}), and the others open theirs at their next look, instead of each sending the failing
 * calls that would open it. Closing is not shared: each replica's breaker probes the service on its own after its
 * wait (half-open), so a replica that sees the service back resumes without waiting for the others.
 */
@Component("sharedCircuits")
public class SharedCircuits {

    private static final Logger LOG = LoggerFactory.getLogger(SharedCircuits.class);

    private final CamelContext camel;
    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final RateAllotment allotment;
    private final ReplicaProperties props;
    private final Map<ServiceType, String> lastState = new EnumMap<>(ServiceType.class);
    /** The opening of another replica this one has followed (its opened_at), so it is followed once. */
    private final Map<ServiceType, Instant> followed = new EnumMap<>(ServiceType.class);

    public SharedCircuits(CamelContext camel, JdbcTemplate jdbc, Clock clock, RateAllotment allotment,
                          ReplicaProperties props) {
        this.props = props;
        this.camel = camel;
        this.jdbc = jdbc;
        this.clock = clock;
        this.allotment = allotment;
    }

    /** Publishes this replica's new openings and follows the others'. Called every {@code bridge.replicas.interval}. */
    public synchronized void refresh() {
        if (!props.enabled()) {
            return;
        }
        for (ServiceType service : ServiceType.values()) {
            ResilienceProcessor breaker = camel.getProcessor(UpstreamCall.id(service) + "-breaker", ResilienceProcessor.class);
            if (breaker == null) {
                continue;
            }
            String state = breaker.getCircuitBreakerState();
            String before = lastState.put(service, state);
            Instant now = clock.instant();
            if ("OPEN".equals(state) && !"OPEN".equals(before)) {
                // Opened by its own calls (an opening followed from another replica was recorded as OPEN already).
                publish(service, now, waitInOpenState(breaker));
                continue;
            }
            if (!"CLOSED".equals(state)) {
                continue;
            }
            List<Opening> openings = jdbc.query("SELECT opened_by, opened_at, open_until FROM outbound_circuit WHERE service = ?",
                    (rs, i) -> new Opening(rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getTimestamp(3).toInstant()),
                    UpstreamCall.id(service));
            for (Opening o : openings) {
                if (o.openUntil.isAfter(now) && !o.openedBy.equals(allotment.memberId())
                        && !o.openedAt.equals(followed.get(service))) {
                    followed.put(service, o.openedAt);
                    breaker.transitionToOpenState();
                    lastState.put(service, "OPEN");
                    LOG.warn("{} circuit opened: replica {} found the service failing; this replica follows until its "
                            + "breaker tries the service again", service.displayName(), o.openedBy);
                }
            }
        }
    }

    private void publish(ServiceType service, Instant now, Duration open) {
        Timestamp at = Timestamp.from(now);
        Timestamp until = Timestamp.from(now.plus(open));
        String id = UpstreamCall.id(service);
        if (jdbc.update("UPDATE outbound_circuit SET opened_by = ?, opened_at = ?, open_until = ? WHERE service = ?",
                allotment.memberId(), at, until, id) == 0) {
            jdbc.update("INSERT INTO outbound_circuit (service, opened_by, opened_at, open_until) VALUES (?, ?, ?, ?)",
                    id, allotment.memberId(), at, until);
        }
        LOG.info("{} circuit opened on this replica; the others follow at their next look", service.displayName());
    }

    private static Duration waitInOpenState(ResilienceProcessor breaker) {
        try {
            return Duration.ofMillis(breaker.getCircuitBreaker().getCircuitBreakerConfig()
                    .getWaitIntervalFunctionInOpenState().apply(1));
        } catch (RuntimeException e) {
            return Duration.ofSeconds(30);
        }
    }

    private record Opening(String openedBy, Instant openedAt, Instant openUntil) {
    }
}
