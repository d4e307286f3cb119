package io.contactsbridge.auth;

import java.time.Instant;

/**
 * A connection's row in {@code connection_credential}. The token columns stay encrypted here;
 * {@link CredentialStore#accessToken} and {@link CredentialStore#refreshToken} decrypt them when a
 * caller really needs the value. {@link #toString()} leaves them out.
 *
 * @param version       bumped by every token change; refresh decisions compare it (optimistic locking)
 * @param leaseOwner    the replica refreshing this connection right now, if any
 * @param leaseUntil    until when that replica may hold the lease
 */
public record StoredCredential(String connectionId, ServiceType service, CredentialKind kind,
                               String accessTokenEnc, String refreshTokenEnc,
                               Instant accessExpiresAt, Instant refreshExpiresAt, String scopes,
                               String locationId, String companyId, String accountId,
                               ConnectionStatus status, Instant connectedAt, Instant lastRefreshAt,
                               String lastRefreshError, int refreshFailures, long version,
                               String leaseOwner, Instant leaseUntil, Instant updatedAt) {

    public boolean hasRefreshToken() {
        return refreshTokenEnc != null;
    }

    /** True when there is an access token and it is still valid after {@code instant}. */
    public boolean accessValidBeyond(Instant instant) {
        return accessTokenEnc != null && (accessExpiresAt == null || accessExpiresAt.isAfter(instant));
    }

    @Override
    public String toString() {
        return "StoredCredential[connectionId=" + connectionId + ", kind=" + kind + ", status=" + status
                + ", accessExpiresAt=" + accessExpiresAt + ", refreshExpiresAt=" + refreshExpiresAt
                + ", version=" + version + ", leaseOwner=" + leaseOwner + "]";
    }
}
