package io.contactsbridge.auth;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code bridge.*} settings the auth package owns. Defaults live in {@code config/auth.properties};
 * the compact constructors repeat them so code that builds these records directly (tests, tools)
 * gets the same behaviour.
 *
 * @param connections every connection by id ({@code bridge.connections.<id>.*})
 * @param publicUrl   where browsers and OAuth providers reach this bridge; OAuth redirect URIs start with it
 * @param encryption  the key that encrypts stored tokens
 * @param auth        refresh, lease and monitoring timings ({@code bridge.auth.*})
 */
@ConfigurationProperties(prefix = "bridge")
public record AuthProperties(Map<String, ConnectionSettings> connections, String publicUrl,
                             Encryption encryption, Timing auth) {

    public AuthProperties {
        connections = connections == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(connections));
        publicUrl = publicUrl == null || publicUrl.isBlank() ? "http://localhost:8080" : publicUrl.strip();
        encryption = encryption == null ? new Encryption(null, null, null) : encryption;
        auth = auth == null ? Timing.defaults() : auth;
    }

    /**
     * One connection as configured. Secrets ({@code token}, {@code oauth.client-secret}) are masked in
     * {@link #toString()}.
     *
     * @param service        highlevel or birdsend
     * @param kind           location-oauth / private-integration (HighLevel), oauth / personal-access-token (BirdSend)
     * @param baseUrl        the API base URL
     * @param locationId     HighLevel sub-account id; for OAuth it is learnt from the token answer when blank
     * @param companyId      HighLevel agency id, when known
     * @param accountId      BirdSend account id, when known
     * @param token          the Private Integration token or personal access token (static kinds)
     * @param tokenExpiresAt when the static token expires, if the person knows (ISO date or instant), so
     *                       the bridge can warn before it does
     * @param oauth          the OAuth app (OAuth kinds)
     */
    public record ConnectionSettings(ServiceType service, CredentialKind kind, String baseUrl, String locationId,
                                     String companyId, String accountId, String token, String tokenExpiresAt,
                                     OAuthSettings oauth) {

        @Override
        public String toString() {
            return "ConnectionSettings[service=" + service + ", kind=" + kind + ", baseUrl=" + baseUrl
                    + ", locationId=" + locationId + ", token=" + mask(token) + ", oauth=" + oauth + "]";
        }
    }

    /**
     * An OAuth app registered with the service.
     *
     * @param scopes               space-separated scopes asked for
     * @param redirectUri          overrides {@code <public-url>/oauth/callback/<id>}; must match the app's registration
     * @param refreshTokenLifetime how long a refresh token lives when the token answer does not say
     *                             (HighLevel: a year from issue); empty when unknown
     * @param accessTokenLifetime  assumed access-token lifetime when the answer carries no {@code expires_in}
     */
    public record OAuthSettings(String clientId, String clientSecret, String authorizeUrl, String tokenUrl,
                                String scopes, String redirectUri, Duration refreshTokenLifetime,
                                Duration accessTokenLifetime) {

        @Override
        public String toString() {
            return "OAuthSettings[clientId=" + clientId + ", clientSecret=" + mask(clientSecret)
                    + ", authorizeUrl=" + authorizeUrl + ", tokenUrl=" + tokenUrl + ", scopes=" + scopes + "]";
        }
    }

    /**
     * @param key           base64 of 32 random bytes (AES-256); required in live mode
     * @param previousKeys  older keys still accepted for reading, so a key can be rotated without
     *                      reconnecting; values are re-encrypted with {@code key} when next written
     * @param sandboxKeyFile where sandbox mode keeps its generated key when the store is a file
     */
    public record Encryption(String key, List<String> previousKeys, String sandboxKeyFile) {

        public Encryption {
            previousKeys = previousKeys == null ? List.of() : List.copyOf(previousKeys);
            sandboxKeyFile = sandboxKeyFile == null || sandboxKeyFile.isBlank()
                    ? "./data/sandbox-encryption.key" : sandboxKeyFile;
        }

        @Override
        public String toString() {
            return "Encryption[key=" + mask(key) + ", previousKeys=" + previousKeys.size()
                    + ", sandboxKeyFile=" + sandboxKeyFile + "]";
        }
    }

    /**
     * @param refreshMargin        refresh an access token this long before it expires
     * @param refreshCheckInterval how often the {@code token-refresh} route looks for tokens to refresh
     * @param refreshRetryDelay    after a failed refresh (5xx, network) wait this long before an
     *                             on-demand retry while the old token still works
     * @param expiryWarning        warn this long before a refresh token or static token expires
     * @param stateTtl             how long an OAuth connect attempt (its {@code state}) stays valid
     * @param httpTimeout          connect and request timeout of token calls
     * @param leaseDuration        how long a replica may hold a connection's refresh lease; longer
     *                             than a token call can take, so a live holder never loses it
     * @param leaseWait            how long a caller waits for another replica's refresh before giving up
     * @param leasePoll            how often such a caller re-reads the row
     */
    public record Timing(Duration refreshMargin, Duration refreshCheckInterval, Duration refreshRetryDelay,
                         Duration expiryWarning, Duration stateTtl, Duration httpTimeout,
                         Duration leaseDuration, Duration leaseWait, Duration leasePoll) {

        public Timing {
            refreshMargin = orDefault(refreshMargin, Duration.ofMinutes(5));
            refreshCheckInterval = orDefault(refreshCheckInterval, Duration.ofMinutes(1));
            refreshRetryDelay = orDefault(refreshRetryDelay, Duration.ofSeconds(30));
            expiryWarning = orDefault(expiryWarning, Duration.ofDays(7));
            stateTtl = orDefault(stateTtl, Duration.ofMinutes(10));
            httpTimeout = orDefault(httpTimeout, Duration.ofSeconds(20));
            leaseDuration = orDefault(leaseDuration, Duration.ofMinutes(2));
            leaseWait = orDefault(leaseWait, Duration.ofSeconds(45));
            leasePoll = orDefault(leasePoll, Duration.ofMillis(200));
            if (leaseDuration.compareTo(httpTimeout.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("bridge.auth.lease-duration (" + leaseDuration
                        + ") must be at least twice bridge.auth.http-timeout (" + httpTimeout
                        + "), so a replica never loses its refresh lease while its token call is still running");
            }
        }

        public static Timing defaults() {
            return new Timing(null, null, null, null, null, null, null, null, null);
        }

        private static Duration orDefault(Duration value, Duration fallback) {
            return value == null ? fallback : value;
        }
    }

    static String mask(String secret) {
        return secret == null || secret.isEmpty() ? "<none>" : "****";
    }
}
