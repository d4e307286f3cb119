package io.contactsbridge.auth;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.contactsbridge.ops.StatusContributor;
import io.contactsbridge.ops.StatusReport;
import org.springframework.stereotype.Component;

/** Adds {@code connections.<id>} to {@code /api/status}: service, kind, state and token times; never a token. */
@Component
public class ConnectionsStatus implements StatusContributor {

    private final ConnectionMonitor monitor;

    public ConnectionsStatus(ConnectionMonitor monitor) {
        this.monitor = monitor;
    }

    @Override
    public void contribute(StatusReport report) {
        for (ConnectionAssessment a : monitor.assessAll()) {
            report.put("connections." + a.connection().id(), describe(a));
        }
    }

    /** The secret-free description shared by the status API and the health details. */
    static Map<String, Object> describe(ConnectionAssessment a) {
        Connection c = a.connection();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("service", c.service().name().toLowerCase(Locale.ROOT));
        m.put("kind", c.kind().propertyValue());
        m.put("status", a.state().name());
        putIfPresent(m, "baseUrl", c.baseUrl());
        putIfPresent(m, "locationId", c.locationId());
        putIfPresent(m, "companyId", c.companyId());
        putIfPresent(m, "accountId", c.accountId());
        putIfPresent(m, "accessTokenExpiresAt", a.accessTokenExpiresAt());
        putIfPresent(m, "refreshTokenExpiresAt", a.refreshTokenExpiresAt());
        putIfPresent(m, "connectedAt", a.connectedAt());
        putIfPresent(m, "lastRefreshAt", a.lastRefreshAt());
        if (a.refreshFailures() > 0) {
            m.put("refreshFailures", a.refreshFailures());
        }
        putIfPresent(m, "message", a.message());
        return m;
    }

    private static void putIfPresent(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value instanceof Instant i ? i.toString() : value);
        }
    }
}
