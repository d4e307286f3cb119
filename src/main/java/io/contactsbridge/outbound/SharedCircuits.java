package io.contactsbridge.outbound;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import io.contactsbridge.store.ReplicaProperties;
import org.apache.camel.CamelContext;
import org.apache.camel.component.resilience4j.ResilienceProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * One circuit per connection across the replicas: when a replica's breaker of a connection opens, it says so in the
 * store (table {@code outbound_circuit}, one row per service and connection), and the others open their breaker of
 * that connection at their next look, instead of each sending the failing calls that would open it. Only the same
 * connection follows: another account of the service keeps its calls going. Closing is not shared: each replica's
 * breaker probes the connection on its own after its wait (half-open), so a replica that sees it back resumes without
 * waiting for the others. A replica follows only connections it has called already (their breakers are made on a
 * connection's first call, {@link ConnectionSendRoutes}); one made later follows an opening still running at the
 * next look.
 */
@Component("sharedCircuits")
public class SharedCircuits {

    private static final Logger LOG = LoggerFactory.getLogger(SharedCircuits.class);

    private final CamelContext camel;
    private final ConnectionSendRoutes sendRoutes;
    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final RateAllotment allotment;
    private final ReplicaProperties props;
    /** Each breaker's state at the last look, by breaker id. */
    private final Map<String, String> lastState = new HashMap<>();
    /** The opening of another replica each breaker has followed (its opened_at), so it is followed once. */
    private final Map<String, Instant> followed = new HashMap<>();

    public SharedCircuits(CamelContext camel, ConnectionSendRoutes sendRoutes, JdbcTemplate jdbc, Clock clock,
                          RateAllotment allotment, ReplicaProperties props) {
        this.camel = camel;
        this.sendRoutes = sendRoutes;
        this.jdbc = jdbc;
        this.clock = clock;
        this.allotment = allotment;
        this.props = props;
    }

    /** Publishes this replica's new openings and follows the others'. Called every {@code bridge.replicas.interval}. */
    public synchronized void refresh() {
        if (!props.enabled()) {
            return;
        }
        Map<CircuitKey, Opening> openings = null;
        for (ConnectionSendRoutes.ConnectionBreaker b : sendRoutes.breakers()) {
            ResilienceProcessor breaker = b.processor(camel);
            if (breaker == null) {
                continue;
            }
            String state = breaker.getCircuitBreakerState();
            String before = lastState.put(b.breakerId(), state);
            Instant now = clock.instant();
            if ("OPEN".equals(state) && !"OPEN".equals(before)) {
                // Opened by its own calls (an opening followed from another replica was recorded as OPEN already).
                publish(b, now, waitInOpenState(breaker));
                continue;
            }
            if (!"CLOSED".equals(state)) {
                continue;
            }
            if (openings == null) {
                openings = openings(now);
            }
            Opening o = openings.get(new CircuitKey(UpstreamCall.id(b.service()), b.connectionId()));
            if (o != null && o.openUntil.isAfter(now) && !o.openedBy.equals(allotment.memberId())
                    && !o.openedAt.equals(followed.get(b.breakerId()))) {
                followed.put(b.breakerId(), o.openedAt);
                breaker.transitionToOpenState();
                lastState.put(b.breakerId(), "OPEN");
                LOG.warn("{} circuit of connection {} opened: replica {} found the connection failing; this replica "
                        + "follows until its breaker tries it again", b.service().displayName(), b.connectionId(),
                        o.openedBy);
            }
        }
    }

    /** Every opening still running, one read for all the breakers. */
    private Map<CircuitKey, Opening> openings(Instant now) {
        Map<CircuitKey, Opening> out = new HashMap<>();
        jdbc.query("SELECT service, connection_id, opened_by, opened_at, open_until FROM outbound_circuit "
                + "WHERE open_until > ?", rs -> {
                    out.put(new CircuitKey(rs.getString(1), rs.getString(2)), new Opening(rs.getString(3),
                            rs.getTimestamp(4).toInstant(), rs.getTimestamp(5).toInstant()));
                }, Timestamp.from(now));
        return out;
    }

    private void publish(ConnectionSendRoutes.ConnectionBreaker b, Instant now, Duration open) {
        Timestamp at = Timestamp.from(now);
        Timestamp until = Timestamp.from(now.plus(open));
        String service = UpstreamCall.id(b.service());
        if (jdbc.update("UPDATE outbound_circuit SET opened_by = ?, opened_at = ?, open_until = ? "
                + "WHERE service = ? AND connection_id = ?",
                allotment.memberId(), at, until, service, b.connectionId()) == 0) {
            jdbc.update("INSERT INTO outbound_circuit (service, connection_id, opened_by, opened_at, open_until) "
                    + "VALUES (?, ?, ?, ?, ?)", service, b.connectionId(), allotment.memberId(), at, until);
        }
        LOG.info("{} circuit of connection {} opened on this replica; the others follow at their next look",
                b.service().displayName(), b.connectionId());
    }

    private static Duration waitInOpenState(ResilienceProcessor breaker) {
        try {
            return Duration.ofMillis(breaker.getCircuitBreaker().getCircuitBreakerConfig()
                    .getWaitIntervalFunctionInOpenState().apply(1));
        } catch (RuntimeException e) {
            return Duration.ofSeconds(30);
        }
    }

    private record CircuitKey(String service, String connectionId) {
    }

    private record Opening(String openedBy, Instant openedAt, Instant openUntil) {
    }
}
