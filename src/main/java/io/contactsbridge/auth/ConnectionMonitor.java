package io.contactsbridge.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.contactsbridge.auth.ConnectionAssessment.State;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Watches every connection's credentials: assesses them for health and status, publishes the
 * seconds until each access token (or static token) expires as a gauge, and logs one line each
 * time a connection's state changes (not on every check), saying what to do.
 */
@Component
public class ConnectionMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionMonitor.class);
    static final String EXPIRY_GAUGE = "bridge.connection.token.expires.seconds";

    private final ConnectionRegistry registry;
    private final CredentialStore store;
    private final Clock clock;
    private final AuthProperties props;
    private final MeterRegistry meters;
    private final StaticTokenRejections staticRejections;
    private final Map<String, State> lastLogged = new ConcurrentHashMap<>();
    private final Set<String> gauged = ConcurrentHashMap.newKeySet();

    public ConnectionMonitor(ConnectionRegistry registry, CredentialStore store, Clock clock, AuthProperties props,
                             MeterRegistry meters, StaticTokenRejections staticRejections) {
        this.registry = registry;
        this.staticRejections = staticRejections;
        this.store = store;
        this.clock = clock;
        this.props = props;
        this.meters = meters;
        registry.definitions().forEach(d -> gauge(d.id()));
        registry.onRegister(d -> gauge(d.id()));
    }

    /** Every connection's assessment, ordered by id. */
    public List<ConnectionAssessment> assessAll() {
        List<ConnectionAssessment> all = new ArrayList<>();
        for (ConnectionDefinition def : registry.definitions()) {
            all.add(assess(def));
        }
        return all;
    }

    /** Assesses all connections and logs those whose state changed since the last check. */
    public List<ConnectionAssessment> check() {
        List<ConnectionAssessment> all = assessAll();
        for (ConnectionAssessment a : all) {
            String id = a.connection().id();
            State before = lastLogged.put(id, a.state());
            if (before == a.state()) {
                continue;
            }
            if (a.state() == State.OK) {
                if (before != null) {
                    LOG.info("Connection {} is fine again (was {})", id, before);
                }
            } else {
                LOG.warn("{}", a.message());
            }
        }
        return all;
    }

    ConnectionAssessment assess(ConnectionDefinition def) {
        Instant now = clock.instant();
        Connection view = registry.find(def.id()).orElse(def.view());
        String name = "Connection " + def.id() + " (" + def.service().displayName() + ")";
        if (!def.missingSettings().isEmpty()) {
            return new ConnectionAssessment(view, State.NOT_CONFIGURED, name + " cannot authenticate until these "
                    + "settings are set: " + String.join(", ", def.missingSettings()), null, null, null, null, 0);
        }
        if (!def.kind().isOAuth()) {
            return assessStatic(def, view, name, now);
        }
        Optional<StoredCredential> stored = store.find(def.id()).filter(c -> c.kind() == def.kind());
        if (stored.isEmpty()) {
            return new ConnectionAssessment(view, State.NOT_CONNECTED, name + " is not connected: an admin must "
                    + "connect it at " + connectUrl(def.id()), null, null, null, null, 0);
        }
        StoredCredential c = stored.get();
        State state;
        String message;
        if (c.status() == ConnectionStatus.UNINSTALLED || c.status() == ConnectionStatus.AWAITING_CONNECT) {
            // The note of HighLevel's UNINSTALL or INSTALL says what happened and what to do.
            return new ConnectionAssessment(view, c.status() == ConnectionStatus.UNINSTALLED ? State.UNINSTALLED
                    : State.NOT_CONNECTED, name + ": " + c.lastRefreshError(), null, null, null, null, 0);
        }
        if (c.status() == ConnectionStatus.NEEDS_RECONNECT) {
            state = State.NEEDS_RECONNECT;
            message = name + " must be reconnected (" + c.lastRefreshError() + "): an admin must reconnect it at "
                    + connectUrl(def.id());
        } else if (!readable(c)) {
            state = State.UNREADABLE;
            message = name + ": the stored tokens cannot be decrypted with the configured bridge.encryption.key. "
                    + "Configure the key that wrote them (bridge.encryption.previous-keys after a rotation) or "
                    + "reconnect at " + connectUrl(def.id());
        } else if (c.accessExpiresAt() != null && !c.accessExpiresAt().isAfter(now) && c.refreshFailures() > 0) {
            state = State.EXPIRED;
            message = name + ": the access token expired at " + c.accessExpiresAt() + " and refreshing it fails ("
                    + c.lastRefreshError() + "). Check that " + def.oauth().tokenUrl() + " is reachable; if it "
                    + "keeps failing, reconnect at " + connectUrl(def.id());
        } else if (c.refreshFailures() > 0) {
            state = State.REFRESH_FAILING;
            message = name + ": refreshing the access token keeps failing (" + c.refreshFailures() + " time(s), last: "
                    + c.lastRefreshError() + "); the current token works until " + c.accessExpiresAt()
                    + ". Check that " + def.oauth().tokenUrl() + " is reachable.";
        } else if (c.refreshExpiresAt() != null && c.refreshExpiresAt().isBefore(now.plus(props.auth().expiryWarning()))) {
            state = State.EXPIRING;
            message = name + ": the refresh token expires at " + c.refreshExpiresAt() + " (" + until(now, c.refreshExpiresAt())
                    + "). Every successful refresh renews it; if refreshes have stopped, reconnect at "
                    + connectUrl(def.id()) + " before then.";
        } else {
            state = State.OK;
            message = null;
        }
        return new ConnectionAssessment(view, state, message, c.accessExpiresAt(), c.refreshExpiresAt(),
                c.connectedAt(), c.lastRefreshAt(), c.refreshFailures());
    }

    private ConnectionAssessment assessStatic(ConnectionDefinition def, Connection view, String name, Instant now) {
        Instant expires = def.staticTokenExpiresAt();
        String token = def.kind().staticTokenName();
        String replace = "create a new " + token + " and set bridge.connections." + def.id() + ".token (and "
                + ".token-expires-at)";
        Optional<Instant> rejected = staticRejections.rejectedAt(def);
        if (rejected.isPresent()) {
            return new ConnectionAssessment(view, State.REJECTED, name + ": " + def.service().displayName() + " refused its "
                    + token + " at " + rejected.get() + " (revoked, rotated or mistyped); the changes to sync through it wait until "
                    + "it works again: " + replace, expires, null, null, null, 0);
        }
        if (expires != null && !expires.isAfter(now)) {
            return new ConnectionAssessment(view, State.EXPIRED, name + ": the " + token + " expired at " + expires
                    + ": " + replace, expires, null, null, null, 0);
        }
        if (expires != null && expires.isBefore(now.plus(props.auth().expiryWarning()))) {
            return new ConnectionAssessment(view, State.EXPIRING, name + ": the " + token + " expires at " + expires
                    + " (" + until(now, expires) + "): " + replace, expires, null, null, null, 0);
        }
        return new ConnectionAssessment(view, State.OK, null, expires, null, null, null, 0);
    }

    /** Seconds until the access token (or static token) expires; NaN when unknown or not connected. */
    double expiresInSeconds(String connectionId) {
        Optional<ConnectionDefinition> def = registry.definition(connectionId);
        if (def.isEmpty()) {
            return Double.NaN;
        }
        Instant expires;
        if (!def.get().kind().isOAuth()) {
            expires = def.get().staticToken() == null ? null : def.get().staticTokenExpiresAt();
        } else {
            expires = store.find(connectionId).filter(c -> c.kind() == def.get().kind())
                    .map(StoredCredential::accessExpiresAt).orElse(null);
        }
        return expires == null ? Double.NaN : Duration.between(clock.instant(), expires).toMillis() / 1000.0;
    }

    private void gauge(String connectionId) {
        if (gauged.add(connectionId)) {
            Gauge.builder(EXPIRY_GAUGE, this, m -> m.expiresInSeconds(connectionId))
                    .description("Seconds until the connection's access token (or configured token) expires")
                    .baseUnit("seconds")
                    .tag("connection", connectionId)
                    .register(meters);
        }
    }

    private boolean readable(StoredCredential c) {
        try {
            store.accessToken(c);
            store.refreshToken(c);
            return true;
        } catch (SecretDecryptionException e) {
            return false;
        }
    }

    private String connectUrl(String id) {
        return props.publicUrl().replaceAll("/+$", "") + "/oauth/connect/" + id;
    }

    private static String until(Instant now, Instant then) {
        Duration d = Duration.between(now, then);
        return d.toDays() >= 1 ? "in " + d.toDays() + " days" : "in " + Math.max(0, d.toHours()) + " hours";
    }
}
