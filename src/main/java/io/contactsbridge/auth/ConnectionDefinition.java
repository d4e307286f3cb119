package io.contactsbridge.auth;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

import org.springframework.util.StringUtils;

/**
 * A connection as configured, secrets included: what {@link ConnectionRegistry} holds. Built from
 * {@code bridge.connections.<id>.*} at start-up, or with {@link #builder} by code that registers a
 * connection itself (sandbox wiring pointing a connection at a simulator). {@link #toString()}
 * masks every secret; {@link #view()} drops them.
 *
 * <p>Missing URLs or credentials do not make a definition invalid: the connection then reports
 * what to set (health, status, error messages) instead of stopping the bridge. A kind that does
 * not belong to the service, or a malformed id, is a configuration error and is rejected.
 */
public final class ConnectionDefinition {

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    /** The OAuth app of an OAuth connection. {@code redirectUri} null means the bridge's own callback URL. */
    public record OAuthClient(String clientId, String clientSecret, String authorizeUrl, String tokenUrl,
                              String scopes, String redirectUri, Duration refreshTokenLifetime,
                              Duration accessTokenLifetime) {

        @Override
        public String toString() {
            return "OAuthClient[clientId=" + clientId + ", clientSecret=" + AuthProperties.mask(clientSecret)
                    + ", authorizeUrl=" + authorizeUrl + ", tokenUrl=" + tokenUrl + ", scopes=" + scopes + "]";
        }
    }

    private final String id;
    private final ServiceType service;
    private final CredentialKind kind;
    private final String baseUrl;
    private final String locationId;
    private final String companyId;
    private final String accountId;
    private final String staticToken;
    private final Instant staticTokenExpiresAt;
    private final OAuthClient oauth;

    private ConnectionDefinition(Builder b) {
        this.id = b.id;
        this.service = b.service;
        this.kind = b.kind;
        this.baseUrl = blankToNull(b.baseUrl);
        this.locationId = blankToNull(b.locationId);
        this.companyId = blankToNull(b.companyId);
        this.accountId = blankToNull(b.accountId);
        this.staticToken = blankToNull(b.staticToken);
        this.staticTokenExpiresAt = b.staticTokenExpiresAt;
        this.oauth = b.oauth;
    }

    public static Builder builder(String id, CredentialKind kind) {
        return new Builder(id, kind);
    }

    /** The definition {@code bridge.connections.<id>.*} describes. */
    public static ConnectionDefinition fromSettings(String id, AuthProperties.ConnectionSettings s) {
        String where = "bridge.connections." + id;
        if (s.kind() == null) {
            throw new IllegalArgumentException(where + ".kind is missing: one of location-oauth, "
                    + "private-integration (HighLevel), oauth, personal-access-token (BirdSend)");
        }
        if (s.service() != null && s.service() != s.kind().service()) {
            throw new IllegalArgumentException(where + ".kind=" + s.kind().propertyValue() + " is a "
                    + s.kind().service().displayName() + " kind, but " + where + ".service is "
                    + s.service().displayName());
        }
        Builder b = builder(id, s.kind())
                .baseUrl(s.baseUrl())
                .locationId(s.locationId())
                .companyId(s.companyId())
                .accountId(s.accountId())
                .token(s.token())
                .tokenExpiresAt(parseExpiry(where + ".token-expires-at", s.tokenExpiresAt()));
        AuthProperties.OAuthSettings o = s.oauth();
        if (o != null) {
            b.oauth(new OAuthClient(blankToNull(o.clientId()), blankToNull(o.clientSecret()),
                    blankToNull(o.authorizeUrl()), blankToNull(o.tokenUrl()), blankToNull(o.scopes()),
                    blankToNull(o.redirectUri()), o.refreshTokenLifetime(), o.accessTokenLifetime()));
        }
        return b.build();
    }

    public String id() {
        return id;
    }

    public ServiceType service() {
        return service;
    }

    public CredentialKind kind() {
        return kind;
    }

    public String baseUrl() {
        return baseUrl;
    }

    public String locationId() {
        return locationId;
    }

    public String companyId() {
        return companyId;
    }

    public String accountId() {
        return accountId;
    }

    /** The Private Integration token or personal access token; null for OAuth kinds or when not set. */
    public String staticToken() {
        return staticToken;
    }

    /** When the static token expires, if configured. */
    public Instant staticTokenExpiresAt() {
        return staticTokenExpiresAt;
    }

    /** The OAuth app; null when none is configured. */
    public OAuthClient oauth() {
        return oauth;
    }

    /** The view without secrets. */
    public Connection view() {
        return new Connection(id, service, kind, baseUrl, locationId, companyId, accountId);
    }

    /**
     * The properties that must still be set before this connection can authenticate, as
     * {@code bridge.connections.<id>.…} names; empty when nothing is missing.
     */
    public List<String> missingSettings() {
        String p = "bridge.connections." + id + ".";
        List<String> missing = new ArrayList<>();
        if (baseUrl == null) {
            missing.add(p + "base-url");
        }
        if (kind.isOAuth()) {
            if (oauth == null || oauth.clientId() == null) {
                missing.add(p + "oauth.client-id");
            }
            if (oauth == null || oauth.clientSecret() == null) {
                missing.add(p + "oauth.client-secret");
            }
            if (oauth == null || oauth.authorizeUrl() == null) {
                missing.add(p + "oauth.authorize-url");
            }
            if (oauth == null || oauth.tokenUrl() == null) {
                missing.add(p + "oauth.token-url");
            }
        } else if (staticToken == null) {
            missing.add(p + "token");
        }
        return missing;
    }

    @Override
    public String toString() {
        return "ConnectionDefinition[id=" + id + ", service=" + service + ", kind=" + kind + ", baseUrl=" + baseUrl
                + ", locationId=" + locationId + ", token=" + AuthProperties.mask(staticToken) + ", oauth=" + oauth + "]";
    }

    static Instant parseExpiry(String property, String value) {
        if (!StringUtils.hasText(value)) {
            return null;
        }
        String v = value.strip();
        try {
            return v.length() == 10 ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(property + " must be a date (2026-03-31) or an instant "
                    + "(2026-03-31T12:00:00Z), not '" + v + "'");
        }
    }

    private static String blankToNull(String s) {
        return StringUtils.hasText(s) ? s.strip() : null;
    }

    /** Builds a definition; {@link #build()} validates the id and that the kind fits the service. */
    public static final class Builder {
        private final String id;
        private final ServiceType service;
        private final CredentialKind kind;
        private String baseUrl;
        private String locationId;
        private String companyId;
        private String accountId;
        private String staticToken;
        private Instant staticTokenExpiresAt;
        private OAuthClient oauth;

        private Builder(String id, CredentialKind kind) {
            this.id = Objects.requireNonNull(id, "id");
            this.kind = Objects.requireNonNull(kind, "kind");
            this.service = kind.service();
        }

        public Builder baseUrl(String baseUrl) {
            this.baseUrl = baseUrl;
            return this;
        }

        public Builder locationId(String locationId) {
            this.locationId = locationId;
            return this;
        }

        public Builder companyId(String companyId) {
            this.companyId = companyId;
            return this;
        }

        public Builder accountId(String accountId) {
            this.accountId = accountId;
            return this;
        }

        /** The Private Integration token or personal access token (static kinds only). */
        public Builder token(String token) {
            this.staticToken = token;
            return this;
        }

        public Builder tokenExpiresAt(Instant expiresAt) {
            this.staticTokenExpiresAt = expiresAt;
            return this;
        }

        public Builder oauth(OAuthClient oauth) {
            this.oauth = oauth;
            return this;
        }

        public ConnectionDefinition build() {
            if (!ID.matcher(id).matches()) {
                throw new IllegalArgumentException("connection id '" + id + "' must be lower-case letters, "
                        + "digits and dashes (it appears in URLs and property names)");
            }
            if (kind.isOAuth() && StringUtils.hasText(staticToken)) {
                throw new IllegalArgumentException("bridge.connections." + id + ".token is set but the kind is "
                        + kind.propertyValue() + ": OAuth connections get their tokens at /oauth/connect/" + id);
            }
            return new ConnectionDefinition(this);
        }
    }
}
