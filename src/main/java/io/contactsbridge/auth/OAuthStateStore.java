package io.contactsbridge.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HexFormat;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Pending OAuth connect attempts ({@code oauth_state}). A state proves that a callback answers a
 * connect this bridge started for that connection; it is good once and for a few minutes. Only a
 * SHA-256 of it is stored, so reading the table does not yield a usable state.
 */
@Component
public class OAuthStateStore {

    /** What checking a state found. */
    public enum Check {
        VALID, UNKNOWN, EXPIRED, ALREADY_USED, OTHER_CONNECTION
    }

    private final JdbcTemplate jdbc;

    public OAuthStateStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public void save(String state, String connectionId, Instant createdAt, Instant expiresAt) {
        jdbc.update("INSERT INTO oauth_state (state_hash, connection_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                hash(state), connectionId, Timestamp.from(createdAt), Timestamp.from(expiresAt));
    }

    /**
     * Uses up {@code state} for {@code connectionId}. Exactly one of concurrent callers with the same
     * state gets {@link Check#VALID}; the others learn why theirs is not.
     */
    public Check consume(String state, String connectionId, Instant now) {
        if (state == null || state.isBlank()) {
            return Check.UNKNOWN;
        }
        String h = hash(state);
        int used = jdbc.update("UPDATE oauth_state SET used_at = ? WHERE state_hash = ? AND connection_id = ? "
                + "AND used_at IS NULL AND expires_at > ?", Timestamp.from(now), h, connectionId, Timestamp.from(now));
        if (used == 1) {
            return Check.VALID;
        }
        return jdbc.query("SELECT connection_id, expires_at, used_at FROM oauth_state WHERE state_hash = ?",
                (rs, i) -> {
                    if (!rs.getString(1).equals(connectionId)) {
                        return Check.OTHER_CONNECTION;
                    }
                    if (rs.getTimestamp(3) != null) {
                        return Check.ALREADY_USED;
                    }
                    return Check.EXPIRED;
                }, h).stream().findFirst().orElse(Check.UNKNOWN);
    }

    /** Deletes attempts that expired before {@code cutoff}; returns how many. */
    public int purgeExpiredBefore(Instant cutoff) {
        return jdbc.update("DELETE FROM oauth_state WHERE expires_at < ?", Timestamp.from(cutoff));
    }

    static String hash(String state) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(state.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
