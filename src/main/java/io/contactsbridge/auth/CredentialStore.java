package io.contactsbridge.auth;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The {@code connection_credential} table: each OAuth connection's tokens, encrypted with
 * {@link TokenCipher}, and the lease that keeps refreshes single-flight across replicas.
 *
 * <p>Every write is one statement, committed when the method returns (no surrounding transaction is
 * needed or expected), so "persisted" means visible to every replica. Writes that follow a refresh
 * are conditional on the version the refresher read, so a slower writer can never overwrite newer
 * tokens with older ones.
 */
@Component
public class CredentialStore {

    private static final String COLUMNS = "connection_id, service, kind, access_token_enc, refresh_token_enc, "
            + "access_expires_at, refresh_expires_at, scopes, location_id, company_id, account_id, status, "
            + "connected_at, last_refresh_at, last_refresh_error, refresh_failures, version, refresh_lease_owner, "
            + "refresh_lease_until, updated_at";

    private final JdbcTemplate jdbc;
    private final TokenCipher cipher;

    public CredentialStore(JdbcTemplate jdbc, TokenCipher cipher) {
        this.jdbc = jdbc;
        this.cipher = cipher;
    }

    public Optional<StoredCredential> find(String connectionId) {
        return jdbc.query("SELECT " + COLUMNS + " FROM connection_credential WHERE connection_id = ?",
                CredentialStore::map, connectionId).stream().findFirst();
    }

    public List<StoredCredential> findAll() {
        return jdbc.query("SELECT " + COLUMNS + " FROM connection_credential ORDER BY connection_id", CredentialStore::map);
    }

    /** The decrypted access token. */
    public String accessToken(StoredCredential c) {
        return cipher.decrypt(c.accessTokenEnc(), context(c.connectionId(), "access_token"));
    }

    /** The decrypted refresh token, or null when the connection has none. */
    public String refreshToken(StoredCredential c) {
        return cipher.decrypt(c.refreshTokenEnc(), context(c.connectionId(), "refresh_token"));
    }

    /**
     * Stores the tokens of a completed OAuth connect: status CONNECTED, failures cleared, version
     * bumped (so a refresh that started on the previous tokens discards its result).
     */
    public StoredCredential saveConnected(ConnectionDefinition def, TokenGrant grant, Instant accessExpiresAt,
                                          Instant refreshExpiresAt, Instant now) {
        String id = def.id();
        String access = cipher.encrypt(grant.accessToken(), context(id, "access_token"));
        String refresh = cipher.encrypt(grant.refreshToken(), context(id, "refresh_token"));
        String location = grant.locationId() != null ? grant.locationId() : def.locationId();
        String company = grant.companyId() != null ? grant.companyId() : def.companyId();
        String account = grant.accountId() != null ? grant.accountId() : def.accountId();
        for (int attempt = 0; ; attempt++) {
            int updated = jdbc.update("UPDATE connection_credential SET service = ?, kind = ?, access_token_enc = ?, "
                            + "refresh_token_enc = ?, access_expires_at = ?, refresh_expires_at = ?, scopes = ?, "
                            + "location_id = ?, company_id = ?, account_id = ?, status = ?, connected_at = ?, "
                            + "last_refresh_error = NULL, refresh_failures = 0, version = version + 1, updated_at = ? "
                            + "WHERE connection_id = ?",
                    def.service().name(), def.kind().name(), access, refresh, ts(accessExpiresAt), ts(refreshExpiresAt),
                    grant.scope(), location, company, account, ConnectionStatus.CONNECTED.name(), ts(now), ts(now), id);
            if (updated == 1) {
                return find(id).orElseThrow();
            }
            try {
                jdbc.update("INSERT INTO connection_credential (connection_id, service, kind, access_token_enc, "
                                + "refresh_token_enc, access_expires_at, refresh_expires_at, scopes, location_id, company_id, "
                                + "account_id, status, connected_at, refresh_failures, version, updated_at) "
                                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?)",
                        id, def.service().name(), def.kind().name(), access, refresh, ts(accessExpiresAt),
                        ts(refreshExpiresAt), grant.scope(), location, company, account,
                        ConnectionStatus.CONNECTED.name(), ts(now), ts(now));
                return find(id).orElseThrow();
            } catch (DuplicateKeyException raced) {
                // Another replica inserted the row between our UPDATE and INSERT: update it instead.
                if (attempt > 0) {
                    throw raced;
                }
            }
        }
    }

    /**
     * Records what HighLevel's INSTALL or UNINSTALL did to a connection ({@link ConnectionStatus#UNINSTALLED},
     * {@link ConnectionStatus#AWAITING_CONNECT}): the stored tokens are deleted (the token columns emptied), the
     * location and company kept so the status can name them, and {@code note}, the sentence for people, kept in
     * {@code last_refresh_error}. Bumps the version, so a refresh that started before discards its result, and
     * drops any refresh lease.
     */
    public StoredCredential saveLifecycle(ConnectionDefinition def, ConnectionStatus status, String locationId,
                                          String companyId, String note, Instant now) {
        if (status != ConnectionStatus.UNINSTALLED && status != ConnectionStatus.AWAITING_CONNECT) {
            throw new IllegalArgumentException("not a lifecycle status: " + status);
        }
        String id = def.id();
        for (int attempt = 0; ; attempt++) {
            int updated = jdbc.update("UPDATE connection_credential SET service = ?, kind = ?, access_token_enc = NULL, "
                            + "refresh_token_enc = NULL, access_expires_at = NULL, refresh_expires_at = NULL, scopes = NULL, "
                            + "location_id = ?, company_id = ?, status = ?, last_refresh_error = ?, refresh_failures = 0, "
                            + "version = version + 1, refresh_lease_owner = NULL, refresh_lease_until = NULL, updated_at = ? "
                            + "WHERE connection_id = ?",
                    def.service().name(), def.kind().name(), locationId, companyId, status.name(), truncate(note), ts(now), id);
            if (updated == 1) {
                return find(id).orElseThrow();
            }
            try {
                jdbc.update("INSERT INTO connection_credential (connection_id, service, kind, location_id, company_id, "
                                + "status, last_refresh_error, refresh_failures, version, updated_at) "
                                + "VALUES (?, ?, ?, ?, ?, ?, ?, 0, 1, ?)",
                        id, def.service().name(), def.kind().name(), locationId, companyId, status.name(),
                        truncate(note), ts(now));
                return find(id).orElseThrow();
            } catch (DuplicateKeyException raced) {
                if (attempt > 0) {
                    throw raced;
                }
            }
        }
    }

    /**
     * Takes the refresh lease when nobody holds it or the holder's lease ran out. Exactly one of
     * several concurrent callers (in any replica) gets {@code true}.
     */
    public boolean tryAcquireLease(String connectionId, String owner, Instant until, Instant now) {
        return jdbc.update("UPDATE connection_credential SET refresh_lease_owner = ?, refresh_lease_until = ? "
                        + "WHERE connection_id = ? AND (refresh_lease_until IS NULL OR refresh_lease_until < ?)",
                owner, ts(until), connectionId, ts(now)) == 1;
    }

    /** Gives the lease back without changing the tokens. */
    public void releaseLease(String connectionId, String owner) {
        jdbc.update("UPDATE connection_credential SET refresh_lease_owner = NULL, refresh_lease_until = NULL "
                + "WHERE connection_id = ? AND refresh_lease_owner = ?", connectionId, owner);
    }

    /**
     * Stores refreshed tokens and releases the lease, if the row is still at {@code expectedVersion}
     * and this owner still holds the lease. A refresh answer without a refresh token keeps the old one;
     * {@code refreshExpiresAt} is stored as given (the caller carries the old value over when it applies).
     *
     * @return false when someone else changed the tokens meanwhile (the caller must not use its grant)
     */
    public boolean completeRefresh(String connectionId, String owner, long expectedVersion, TokenGrant grant,
                                   Instant accessExpiresAt, Instant refreshExpiresAt, Instant now) {
        String access = cipher.encrypt(grant.accessToken(), context(connectionId, "access_token"));
        String refresh = cipher.encrypt(grant.refreshToken(), context(connectionId, "refresh_token"));
        return jdbc.update("UPDATE connection_credential SET access_token_enc = ?, "
                        + "refresh_token_enc = COALESCE(?, refresh_token_enc), access_expires_at = ?, "
                        + "refresh_expires_at = ?, "
                        + "scopes = COALESCE(?, scopes), status = ?, last_refresh_at = ?, last_refresh_error = NULL, "
                        + "refresh_failures = 0, version = version + 1, refresh_lease_owner = NULL, "
                        + "refresh_lease_until = NULL, updated_at = ? "
                        + "WHERE connection_id = ? AND version = ? AND refresh_lease_owner = ?",
                access, refresh, ts(accessExpiresAt), ts(refreshExpiresAt), grant.scope(),
                ConnectionStatus.CONNECTED.name(), ts(now), ts(now), connectionId, expectedVersion, owner) == 1;
    }

    /** Records a refresh that failed for a reason that may pass (network, 5xx) and releases the lease. */
    public void recordRefreshFailure(String connectionId, String owner, String error, Instant now) {
        jdbc.update("UPDATE connection_credential SET last_refresh_error = ?, refresh_failures = refresh_failures + 1, "
                        + "refresh_lease_owner = NULL, refresh_lease_until = NULL, updated_at = ? "
                        + "WHERE connection_id = ? AND refresh_lease_owner = ?",
                truncate(error), ts(now), connectionId, owner);
    }

    /**
     * The service refused the refresh token: the connection needs a person to reconnect. Only applies
     * when the row still holds the refused token ({@code expectedVersion}); releases the lease.
     */
    public boolean markNeedsReconnect(String connectionId, String owner, long expectedVersion, String error,
                                      Instant now) {
        return jdbc.update("UPDATE connection_credential SET status = ?, last_refresh_error = ?, "
                        + "refresh_failures = refresh_failures + 1, version = version + 1, refresh_lease_owner = NULL, "
                        + "refresh_lease_until = NULL, updated_at = ? WHERE connection_id = ? AND version = ? "
                        + "AND refresh_lease_owner = ?",
                ConnectionStatus.NEEDS_RECONNECT.name(), truncate(error), ts(now), connectionId, expectedVersion,
                owner) == 1;
    }

    static String context(String connectionId, String column) {
        return "connection/" + connectionId + "/" + column;
    }

    private static String truncate(String s) {
        return s == null || s.length() <= 1000 ? s : s.substring(0, 997) + "...";
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static StoredCredential map(ResultSet rs, int row) throws SQLException {
        return new StoredCredential(rs.getString("connection_id"), ServiceType.valueOf(rs.getString("service")),
                CredentialKind.valueOf(rs.getString("kind")), rs.getString("access_token_enc"),
                rs.getString("refresh_token_enc"), instant(rs, "access_expires_at"), instant(rs, "refresh_expires_at"),
                rs.getString("scopes"), rs.getString("location_id"), rs.getString("company_id"),
                rs.getString("account_id"), ConnectionStatus.valueOf(rs.getString("status")),
                instant(rs, "connected_at"), instant(rs, "last_refresh_at"), rs.getString("last_refresh_error"),
                rs.getInt("refresh_failures"), rs.getLong("version"), rs.getString("refresh_lease_owner"),
                instant(rs, "refresh_lease_until"), instant(rs, "updated_at"));
    }
}
