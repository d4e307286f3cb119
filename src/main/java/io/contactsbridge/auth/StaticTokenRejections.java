package io.contactsbridge.auth;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;

/**
 * The configured tokens (a Private Integration token, a personal access token) their service refused with a 401.
 * Nothing can refresh such a token, so the connection stays refused until a person replaces it; until then
 * {@link ConnectionMonitor} reports it. A rejection holds until a call of the connection succeeds again, or the
 * connection's token is no longer the one refused. Kept in memory, by hash: each replica learns of a refusal from
 * its own calls.
 */
@Component
public class StaticTokenRejections {

    private record Rejection(String tokenHash, Instant at) {
    }

    private final Map<String, Rejection> byConnection = new ConcurrentHashMap<>();

    /** The service answered 401 to {@code def}'s configured token at {@code at}. */
    void rejected(ConnectionDefinition def, Instant at) {
        if (def.staticToken() != null) {
            byConnection.put(def.id(), new Rejection(OAuthTokenService.hash(def.staticToken()), at));
        }
    }

    /** A call of the connection succeeded: whatever token it has works. Called on every success, so cheap. */
    void accepted(String connectionId) {
        if (!byConnection.isEmpty()) {
            byConnection.remove(connectionId);
        }
    }

    /** When the service refused {@code def}'s current configured token, if it did and no call has worked since. */
    Optional<Instant> rejectedAt(ConnectionDefinition def) {
        Rejection r = byConnection.get(def.id());
        if (r == null || def.staticToken() == null || !r.tokenHash().equals(OAuthTokenService.hash(def.staticToken()))) {
            return Optional.empty();
        }
        return Optional.of(r.at());
    }
}
