package io.contactsbridge.simulator.birdsend;

import java.time.Instant;
import java.util.Set;

/**
 * What a bearer token presented to the simulator stands for.
 *
 * @param clientId  the OAuth client for {@link Kind#OAUTH}, else {@code null}
 * @param expiresAt {@code null} for personal access tokens (no expiry is known)
 */
public record BirdSendGrant(Kind kind, long accountId, Set<BirdSendScope> scopes, String clientId, Instant expiresAt) {

    /** Request attribute under which the auth filter leaves the grant for the rate limiter and handlers. */
    public static final String ATTRIBUTE = "birdsend.grant";

    public enum Kind { PERSONAL_ACCESS_TOKEN, OAUTH }

    public BirdSendGrant {
        scopes = Set.copyOf(scopes);
    }

    public boolean allows(BirdSendScope needed) {
        return BirdSendScope.allows(scopes, needed);
    }

    public boolean isExpiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }
}
