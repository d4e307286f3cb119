package io.contactsbridge.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import io.contactsbridge.ops.BridgeProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Service;

/**
 * Hands out access tokens. Static connections (Private Integration token, personal access token)
 * get their configured token. OAuth connections get the stored access token, refreshed when it is
 * within {@code bridge.auth.refresh-margin} of expiry or after the service rejected it.
 *
 * <p>Refreshes are single-flight: one per connection at a time in this JVM (a lock per connection)
 * and across replicas sharing the store (a lease in the connection's row; a replica that does not
 * get it waits for the holder's result, bounded by {@code bridge.auth.lease-wait}). Because both
 * services rotate refresh tokens, the new tokens are committed to the store before the new access
 * token is returned: a crash after the call can never leave the only valid refresh token in memory.
 */
@Service
public class OAuthTokenService implements AccessTokenProvider {

    private static final Logger LOG = LoggerFactory.getLogger(OAuthTokenService.class);
    static final String FAILURES_METER = "bridge.connection.token.refresh.failures";

    private final ConnectionRegistry registry;
    private final CredentialStore store;
    private final TokenEndpointClient endpoint;
    private final Clock clock;
    private final AuthProperties props;
    private final AuthProperties.Timing timing;
    private final MeterRegistry meters;
    private final StaticTokenRejections staticRejections;
    private final String replicaId;

    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    /** Per connection: hash of the access token the service last rejected, so it is not handed out again. */
    private final Map<String, String> rejected = new ConcurrentHashMap<>();
    /** Per connection: no on-demand retry of a failed refresh before this instant while the old token works. */
    private final Map<String, Instant> retryNotBefore = new ConcurrentHashMap<>();

    @Autowired
    public OAuthTokenService(ConnectionRegistry registry, CredentialStore store, TokenEndpointClient endpoint,
                             Clock clock, AuthProperties props, BridgeProperties bridge, MeterRegistry meters,
                             StaticTokenRejections staticRejections) {
        this(registry, store, endpoint, clock, props, meters, staticRejections,
                bridge.instance().id() + "/" + UUID.randomUUID().toString().substring(0, 8));
    }

    /** @param replicaId names this instance in the refresh lease; unique per running service instance */
    public OAuthTokenService(ConnectionRegistry registry, CredentialStore store, TokenEndpointClient endpoint,
                             Clock clock, AuthProperties props, MeterRegistry meters,
                             StaticTokenRejections staticRejections, String replicaId) {
        this.registry = registry;
        this.store = store;
        this.endpoint = endpoint;
        this.clock = clock;
        this.props = props;
        this.timing = props.auth();
        this.meters = meters;
        this.staticRejections = staticRejections;
        this.replicaId = replicaId;
    }

    /** What {@link #refreshIfDue} did. */
    public enum RefreshOutcome { NOT_DUE, REFRESHED, FAILED, NOT_APPLICABLE }

    @Override
    public String accessToken(String connectionId) {
        ConnectionDefinition def = definition(connectionId);
        if (!def.kind().isOAuth()) {
            return staticToken(def);
        }
        StoredCredential c = connected(def);
        Instant now = clock.instant();
        boolean wasRejected = isRejected(c);
        if (!wasRejected && c.accessValidBeyond(now.plus(timing.refreshMargin()))) {
            return decryptAccess(c);
        }
        boolean stillValid = !wasRejected && c.accessValidBeyond(now);
        if (stillValid && now.isBefore(retryNotBefore.getOrDefault(connectionId, Instant.MIN))) {
            return decryptAccess(c);
        }
        try {
            return refresh(def, c);
        } catch (RefreshFailed e) {
            // The refresh may pass later; until then a token that has not expired still works.
            StoredCredential latest = connected(def);
            if (!isRejected(latest) && latest.accessValidBeyond(clock.instant())) {
                return decryptAccess(latest);
            }
            throw new ConnectionAuthException(connectionId, e.getMessage(), e);
        }
    }

    @Override
    public String refreshAfterRejection(String connectionId, String rejectedToken) {
        ConnectionDefinition def = definition(connectionId);
        if (!def.kind().isOAuth()) {
            // Nothing can renew it: remembered, so the connection's status says so until a call works again.
            staticRejections.rejected(def, clock.instant());
            throw new ConnectionAuthException(connectionId, def.service().displayName() + " rejected the "
                    + def.kind().staticTokenName() + " of connection " + connectionId + ": it was revoked, expired or "
                    + "mistyped. Create a new one and set bridge.connections." + connectionId + ".token.");
        }
        StoredCredential c = connected(def);
        String current = decryptAccess(c);
        if (!current.equals(rejectedToken)) {
            // Someone else refreshed since the caller got its token: retry with the newer one.
            return current;
        }
        rejected.put(connectionId, hash(rejectedToken));
        try {
            return refresh(def, c);
        } catch (RefreshFailed e) {
            throw new ConnectionAuthException(connectionId, e.getMessage(), e);
        }
    }

    @Override
    public void tokenAccepted(String connectionId) {
        staticRejections.accepted(connectionId);
    }

    /**
     * Refreshes an OAuth connection whose access token expires within {@code window}; used by the
     * {@code token-refresh} route. Never throws for a refresh failure: it is recorded and logged.
     */
    public RefreshOutcome refreshIfDue(String connectionId, Duration window) {
        Optional<ConnectionDefinition> def = registry.definition(connectionId);
        if (def.isEmpty() || !def.get().kind().isOAuth() || !def.get().missingSettings().isEmpty()) {
            return RefreshOutcome.NOT_APPLICABLE;
        }
        Optional<StoredCredential> c = store.find(connectionId)
                .filter(s -> s.kind() == def.get().kind() && s.status() == ConnectionStatus.CONNECTED
                        && s.hasRefreshToken());
        if (c.isEmpty()) {
            return RefreshOutcome.NOT_APPLICABLE;
        }
        Instant now = clock.instant();
        if (!isRejected(c.get()) && c.get().accessValidBeyond(now.plus(window))) {
            return RefreshOutcome.NOT_DUE;
        }
        try {
            refresh(def.get(), c.get());
            return RefreshOutcome.REFRESHED;
        } catch (RefreshFailed | ConnectionAuthException e) {
            return RefreshOutcome.FAILED;
        }
    }

    /** A fresh OAuth connect replaced the tokens: forget rejections and back-off of the old ones. */
    void afterConnect(String connectionId) {
        rejected.remove(connectionId);
        retryNotBefore.remove(connectionId);
    }

    /** Single-flight refresh; {@code observed} is the row the caller based its decision on. */
    private String refresh(ConnectionDefinition def, StoredCredential observed) {
        String id = def.id();
        ReentrantLock lock = locks.computeIfAbsent(id, k -> new ReentrantLock());
        try {
            if (!lock.tryLock(timing.leaseWait().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new RefreshFailed("Timed out waiting for another refresh of connection " + id + "; will retry");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionAuthException(id, "Interrupted while waiting to refresh connection " + id, e);
        }
        try {
            long deadline = System.nanoTime() + timing.leaseWait().toNanos();
            while (true) {
                StoredCredential latest = connected(def);
                Optional<String> settled = settledMeanwhile(observed, latest);
                if (settled.isPresent()) {
                    return settled.get();
                }
                Instant now = clock.instant();
                if (store.tryAcquireLease(id, replicaId, now.plus(timing.leaseDuration()), now)) {
                    return refreshHoldingLease(def, observed);
                }
                if (System.nanoTime() > deadline) {
                    throw new RefreshFailed("Another replica has been refreshing connection " + id + " for longer than "
                            + timing.leaseWait() + "; will retry");
                }
                sleep(timing.leasePoll());
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether someone else finished a refresh (or a reconnect) after the caller read {@code observed}:
     * then their token is the answer, or their failure is.
     */
    private Optional<String> settledMeanwhile(StoredCredential observed, StoredCredential latest) {
        if (latest.version() != observed.version()) {
            if (!isRejected(latest)) {
                return Optional.of(decryptAccess(latest));
            }
        } else if (latest.refreshFailures() > observed.refreshFailures()) {
            throw new RefreshFailed("Could not refresh the access token of connection " + latest.connectionId()
                    + " (" + latest.lastRefreshError() + "); will retry");
        }
        return Optional.empty();
    }

    private String refreshHoldingLease(ConnectionDefinition def, StoredCredential observed) {
        String id = def.id();
        StoredCredential c;
        String refreshToken;
        try {
            c = connected(def);
            Optional<String> settled = settledMeanwhile(observed, c);
            if (settled.isPresent()) {
                store.releaseLease(id, replicaId);
                return settled.get();
            }
            if (!c.hasRefreshToken()) {
                store.releaseLease(id, replicaId);
                throw new ConnectionAuthException(id, def.service().displayName() + " gave connection " + id
                        + " no refresh token, so its expired access token cannot be renewed: reconnect at "
                        + connectUrl(id));
            }
            refreshToken = decrypt(c, false);
        } catch (RuntimeException e) {
            store.releaseLease(id, replicaId);
            throw e;
        }

        Instant started = clock.instant();
        TokenGrant grant;
        try {
            grant = endpoint.refresh(def, refreshToken);
        } catch (TokenEndpointException e) {
            failures(id, e.refused() ? "refused" : "transient").increment();
            if (e.refused()) {
                String error = e.getMessage();
                store.markNeedsReconnect(id, replicaId, c.version(), error, clock.instant());
                LOG.warn("Connection {} ({}) needs to be reconnected: refreshing its token failed ({}). "
                        + "An admin must reconnect at {}", id, def.service().displayName(), error, connectUrl(id));
                throw new ConnectionAuthException(id, def.service().displayName() + " refused to refresh the tokens of "
                        + "connection " + id + " (" + error + "): reconnect at " + connectUrl(id), e);
            }
            store.recordRefreshFailure(id, replicaId, e.getMessage(), clock.instant());
            retryNotBefore.put(id, clock.instant().plus(timing.refreshRetryDelay()));
            // The first failure of a streak is worth a line; ConnectionMonitor reports a streak once.
            if (c.refreshFailures() == 0) {
                LOG.warn("Refreshing the access token of connection {} failed ({}); the current token is used while "
                        + "it is valid (until {}) and the refresh is retried", id, e.getMessage(), c.accessExpiresAt());
            } else {
                LOG.debug("Refreshing the access token of connection {} failed again ({})", id, e.getMessage());
            }
            throw new RefreshFailed("Could not refresh the access token of connection " + id + " (" + e.getMessage()
                    + "); will retry");
        } catch (RuntimeException e) {
            store.releaseLease(id, replicaId);
            throw e;
        }

        Instant now = clock.instant();
        Instant accessExpiresAt = expiry(started, grant.expiresIn(), def.oauth().accessTokenLifetime());
        Instant refreshExpiresAt = grant.refreshToken() == null ? c.refreshExpiresAt()
                : expiry(started, grant.refreshExpiresIn(), def.oauth().refreshTokenLifetime());
        boolean saved;
        try {
            saved = store.completeRefresh(id, replicaId, c.version(), grant, accessExpiresAt, refreshExpiresAt, now);
        } catch (DataAccessException e) {
            failures(id, "store").increment();
            LOG.error("Connection {}: refreshed tokens could not be stored ({}); they are discarded. If the service "
                    + "rotated the refresh token, the connection will need to be reconnected at {}",
                    id, e.getClass().getSimpleName(), connectUrl(id));
            safeRelease(id);
            throw new RefreshFailed("Refreshed the tokens of connection " + id + " but could not store them; will retry");
        }
        if (!saved) {
            // The row changed under us (a reconnect) or the lease ran out: the stored tokens win.
            safeRelease(id);
            StoredCredential latest = connected(def);
            if (latest.version() != c.version() && !isRejected(latest)) {
                return decryptAccess(latest);
            }
            throw new RefreshFailed("Connection " + id + " changed while its tokens were being refreshed; will retry");
        }
        rejected.remove(id);
        retryNotBefore.remove(id);
        LOG.info("Refreshed the access token of connection {}; valid until {}", id, accessExpiresAt);
        return grant.accessToken();
    }

    private ConnectionDefinition definition(String connectionId) {
        return registry.definition(connectionId).orElseThrow(() -> new ConnectionAuthException(connectionId,
                "Unknown connection '" + connectionId + "': configure bridge.connections." + connectionId + ".* "
                        + "(known connections: " + registry.all().stream().map(Connection::id).toList() + ")"));
    }

    private String staticToken(ConnectionDefinition def) {
        if (def.staticToken() == null) {
            throw new ConnectionAuthException(def.id(), "Connection " + def.id() + " (" + def.service().displayName()
                    + ") has no " + def.kind().staticTokenName() + ": set bridge.connections." + def.id() + ".token");
        }
        return def.staticToken();
    }

    /** The connection's stored credentials, or why there are none usable. */
    private StoredCredential connected(ConnectionDefinition def) {
        String id = def.id();
        StoredCredential c = store.find(id).filter(s -> s.kind() == def.kind()).orElseThrow(() ->
                new ConnectionAuthException(id, "Connection " + id + " (" + def.service().displayName()
                        + ") is not connected yet: an admin must connect it at " + connectUrl(id)));
        if (c.status() == ConnectionStatus.NEEDS_RECONNECT) {
            throw new ConnectionAuthException(id, "Connection " + id + " (" + def.service().displayName()
                    + ") must be reconnected (" + c.lastRefreshError() + "): reconnect at " + connectUrl(id));
        }
        if (c.status() == ConnectionStatus.UNINSTALLED || c.status() == ConnectionStatus.AWAITING_CONNECT) {
            throw new ConnectionAuthException(id, "Connection " + id + " (" + def.service().displayName() + "): "
                    + c.lastRefreshError());
        }
        return c;
    }

    private String decryptAccess(StoredCredential c) {
        return decrypt(c, true);
    }

    private String decrypt(StoredCredential c, boolean access) {
        try {
            return access ? store.accessToken(c) : store.refreshToken(c);
        } catch (SecretDecryptionException e) {
            throw new ConnectionAuthException(c.connectionId(), "The stored tokens of connection " + c.connectionId()
                    + " cannot be decrypted (" + e.getMessage() + ")", e);
        }
    }

    private boolean isRejected(StoredCredential c) {
        String h = rejected.get(c.connectionId());
        return h != null && c.accessTokenEnc() != null && h.equals(hash(decryptAccess(c)));
    }

    private void safeRelease(String id) {
        try {
            store.releaseLease(id, replicaId);
        } catch (DataAccessException e) {
            // The lease runs out on its own after bridge.auth.lease-duration.
            LOG.warn("Connection {}: could not release the refresh lease ({})", id, e.getClass().getSimpleName());
        }
    }

    private Counter failures(String id, String reason) {
        return Counter.builder(FAILURES_METER)
                .description("Failed token refreshes per connection")
                .tag("connection", id).tag("reason", reason)
                .register(meters);
    }

    String connectUrl(String id) {
        return props.publicUrl().replaceAll("/+$", "") + "/oauth/connect/" + id;
    }

    static Instant expiry(Instant from, Duration stated, Duration assumed) {
        Duration d = stated != null ? stated : assumed;
        return d == null ? null : from.plus(d);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RefreshFailed("Interrupted while waiting for another replica's refresh");
        }
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /** A refresh failed for a reason that may pass; the old token may still serve. */
    static final class RefreshFailed extends RuntimeException {
        RefreshFailed(String message) {
            super(message);
        }
    }
}
