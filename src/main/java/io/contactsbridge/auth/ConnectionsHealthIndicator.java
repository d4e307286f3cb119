package io.contactsbridge.auth;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * Health component {@code connections}. DOWN only when a connection cannot authenticate until a
 * person acts although it was set up: the service refused its refresh token (NEEDS_RECONNECT) or its
 * configured token (REJECTED), its token expired and cannot be renewed, or its stored tokens cannot be
 * decrypted. Everything that
 * only needs attention (not yet configured or connected, a refresh that fails but may pass, a token
 * expiring within the warning window) is UP with a {@code warnings} detail: a fresh deployment
 * waiting for its first connect, or a token that expires in three days, is not an outage. It is not
 * part of the readiness group, so even DOWN never takes the bridge out of service.
 */
@Component
public class ConnectionsHealthIndicator extends AbstractHealthIndicator {

    private final ConnectionMonitor monitor;

    public ConnectionsHealthIndicator(ConnectionMonitor monitor) {
        super("Connections health check failed");
        this.monitor = monitor;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        boolean down = false;
        List<String> warnings = new ArrayList<>();
        Map<String, Object> connections = new LinkedHashMap<>();
        for (ConnectionAssessment a : monitor.assessAll()) {
            down |= a.state().down();
            if (a.message() != null) {
                warnings.add(a.message());
            }
            connections.put(a.connection().id(), ConnectionsStatus.describe(a));
        }
        builder.status(down ? Status.DOWN : Status.UP);
        builder.withDetail("connections", connections);
        if (!warnings.isEmpty()) {
            builder.withDetail("warnings", warnings);
        }
    }
}
