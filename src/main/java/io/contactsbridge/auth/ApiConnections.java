package io.contactsbridge.auth;

import java.net.URI;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * Connections added through the admin API ({@code /api/connections}), kept in table {@code api_connection} with the
 * token encrypted ({@link TokenCipher}), and registered in the {@link ConnectionRegistry} of every replica: by the
 * one that adds them at once, by the others at their next {@link #refresh} (every {@code bridge.pairs-refresh-ms}).
 * Only the kinds with one long-lived token: a HighLevel location's Private Integration token, a BirdSend personal
 * access token (OAuth connections are configured, then connected at {@code /oauth/connect/<id>}). A configured
 * connection's id cannot be taken, and only connections added here can be removed here.
 */
@Component("apiConnections")
public class ApiConnections {

    private static final Logger LOG = LoggerFactory.getLogger(ApiConnections.class);
    private static final String CONTEXT = "api-connection:";

    private final JdbcTemplate jdbc;
    private final TokenCipher cipher;
    private final ConnectionRegistry registry;
    private final Clock clock;
    /** The ids registered from the table, with the change each came from. */
    private final Map<String, Timestamp> registered = new ConcurrentHashMap<>();

    public ApiConnections(JdbcTemplate jdbc, TokenCipher cipher, ConnectionRegistry registry, Clock clock) {
        this.jdbc = jdbc;
        this.cipher = cipher;
        this.registry = registry;
        this.clock = clock;
        // Before anything asks the registry (the pairs stored through the API may use these connections).
        refresh();
    }

    /** What a person asks for: {@code POST /api/connections}. */
    public record Request(String id, String kind, String baseUrl, String locationId, String token) {
    }

    /**
     * Adds a connection and registers it here at once.
     *
     * @throws IllegalArgumentException saying what is wrong with the request (never repeating the token)
     * @throws IllegalStateException    when a connection has this id already
     */
    public synchronized Connection add(Request r) {
        if (r.id() == null || r.id().isBlank()) {
            throw new IllegalArgumentException("\"id\" is missing: lower-case letters, digits and dashes, e.g. hl-acme");
        }
        CredentialKind kind = kind(r.kind());
        String baseUrl = StringUtils.hasText(r.baseUrl()) ? r.baseUrl().trim() : defaultBaseUrl(kind);
        checkUrl(baseUrl);
        if (!StringUtils.hasText(r.token())) {
            throw new IllegalArgumentException("\"token\" is missing: the " + kind.staticTokenName() + " of the "
                    + kind.service().displayName() + " " + (kind.service() == ServiceType.HIGHLEVEL ? "location" : "account"));
        }
        if (kind.service() == ServiceType.HIGHLEVEL && !StringUtils.hasText(r.locationId())) {
            throw new IllegalArgumentException("\"locationId\" is missing: the HighLevel location (sub-account) the token is for");
        }
        ConnectionDefinition def = ConnectionDefinition.builder(r.id().trim(), kind).baseUrl(baseUrl)
                .locationId(StringUtils.hasText(r.locationId()) ? r.locationId().trim() : null)
                .token(r.token().trim()).build();
        if (registry.find(def.id()).isPresent()) {
            throw new IllegalStateException("a connection called " + def.id() + " exists already");
        }
        Timestamp now = Timestamp.from(clock.instant());
        String sealed = cipher.encrypt(def.staticToken(), CONTEXT + def.id());
        if (jdbc.update("UPDATE api_connection SET kind = ?, base_url = ?, location_id = ?, token_enc = ?, removed = FALSE, "
                        + "changed_at = ? WHERE connection_id = ?", kind.propertyValue(), baseUrl, def.locationId(), sealed,
                now, def.id()) == 0) {
            jdbc.update("INSERT INTO api_connection (connection_id, kind, base_url, location_id, token_enc, removed, changed_at) "
                    + "VALUES (?, ?, ?, ?, ?, FALSE, ?)", def.id(), kind.propertyValue(), baseUrl, def.locationId(), sealed, now);
        }
        registry.register(def);
        registered.put(def.id(), now);
        return registry.find(def.id()).orElseThrow();
    }

    /** Whether the connection was added through the API (and is still there). */
    public boolean added(String connectionId) {
        return registered.containsKey(connectionId);
    }

    /**
     * Removes a connection added through the API; its stored token goes with it.
     *
     * @throws java.util.NoSuchElementException when the bridge has no connection of this id
     * @throws IllegalStateException            when it is a configured one
     */
    public synchronized void remove(String connectionId) {
        if (registry.find(connectionId).isEmpty()) {
            throw new java.util.NoSuchElementException("no connection is called " + connectionId);
        }
        if (!registered.containsKey(connectionId)) {
            throw new IllegalStateException("connection " + connectionId + " is configured (bridge.connections."
                    + connectionId + ".*); remove it from the configuration");
        }
        jdbc.update("UPDATE api_connection SET removed = TRUE, token_enc = '', changed_at = ? WHERE connection_id = ?",
                Timestamp.from(clock.instant()), connectionId);
        registry.unregister(connectionId);
        registered.remove(connectionId);
    }

    /** Registers the connections other replicas added or changed, and drops those they removed. */
    public synchronized void refresh() {
        List<Row> rows = jdbc.query("SELECT connection_id, kind, base_url, location_id, token_enc, removed, changed_at "
                        + "FROM api_connection",
                (rs, i) -> new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getBoolean(6), rs.getTimestamp(7)));
        Set<String> seen = new HashSet<>();
        for (Row row : rows) {
            seen.add(row.id);
            if (row.removed) {
                if (registered.remove(row.id) != null) {
                    registry.unregister(row.id);
                    LOG.info("Connection {} removed through the API", row.id);
                }
                continue;
            }
            if (row.changedAt.equals(registered.get(row.id))) {
                continue;
            }
            if (!registered.containsKey(row.id) && registry.find(row.id).isPresent()) {
                LOG.warn("Connection {} added through the API is left out: the configuration has a connection of that id",
                        row.id);
                continue;
            }
            try {
                ConnectionDefinition def = ConnectionDefinition.builder(row.id, kind(row.kind)).baseUrl(row.baseUrl)
                        .locationId(row.locationId).token(cipher.decrypt(row.tokenSealed, CONTEXT + row.id)).build();
                registry.register(def);
                registered.put(row.id, row.changedAt);
            } catch (RuntimeException e) {
                // The message of a decryption failure names no secret; the token itself is never logged.
                LOG.warn("Connection {} added through the API cannot be used: {}", row.id, e.getMessage());
            }
        }
        registered.keySet().removeIf(id -> {
            if (seen.contains(id)) {
                return false;
            }
            registry.unregister(id);
            return true;
        });
    }

    private static CredentialKind kind(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "private-integration" -> CredentialKind.PRIVATE_INTEGRATION;
            case "personal-access-token" -> CredentialKind.PERSONAL_ACCESS_TOKEN;
            default -> throw new IllegalArgumentException("\"kind\" must be private-integration (a HighLevel location's "
                    + "token) or personal-access-token (a BirdSend account's); OAuth connections are configured");
        };
    }

    private static String defaultBaseUrl(CredentialKind kind) {
        return kind.service() == ServiceType.HIGHLEVEL ? "https://services.leadconnectorhq.com" : "https://api.birdsend.co/v1";
    }

    private static void checkUrl(String url) {
        try {
            URI uri = URI.create(url);
            if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"baseUrl\" must be an http(s) URL, e.g. https://api.birdsend.co/v1");
        }
    }

    private record Row(String id, String kind, String baseUrl, String locationId, String tokenSealed, boolean removed,
                       Timestamp changedAt) {
    }
}
