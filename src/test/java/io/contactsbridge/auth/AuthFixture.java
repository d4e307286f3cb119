package io.contactsbridge.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.support.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Builds the auth services over a data source the way the application wires them, so a test can
 * run several "replicas" (independent service instances) against one store.
 */
final class AuthFixture {

    /** One key for the whole test JVM: every replica of a test must read what the others wrote. */
    static final String KEY = TokenCipher.generateKey();
    static final String CLIENT_SECRET = "client-secret-d41d8cd98f";
    static final String PIT = "pit-3f2a9c1e-static-token";

    private static final Map<TestDatabases.Kind, DataSource> DATABASES = new EnumMap<>(TestDatabases.Kind.class);

    private AuthFixture() {
    }

    /**
     * A migrated database of {@code kind} without auth rows. Created once per kind and test JVM and
     * emptied for each caller: a fresh PostgreSQL database per test would cost a second each.
     */
    static synchronized DataSource emptyDatabase(TestDatabases.Kind kind) {
        DataSource ds = DATABASES.computeIfAbsent(kind, TestDatabases::migrated);
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        jdbc.update("DELETE FROM connection_credential");
        jdbc.update("DELETE FROM oauth_state");
        jdbc.update("DELETE FROM api_connection");
        return ds;
    }

    /** Test timings: a 5-minute margin as in production, but short lease polling and timeouts. */
    static AuthProperties.Timing timing() {
        return new AuthProperties.Timing(Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofSeconds(30),
                Duration.ofDays(7), Duration.ofMinutes(10), Duration.ofSeconds(2), Duration.ofSeconds(10),
                Duration.ofSeconds(5), Duration.ofMillis(20));
    }

    /**
     * Connections {@code hl} (HighLevel location OAuth), {@code bs} (BirdSend OAuth) against the fake
     * endpoint, and {@code pit} (HighLevel Private Integration token).
     */
    static AuthProperties properties(FakeTokenEndpoint fake) {
        AuthProperties.OAuthSettings hlOAuth = new AuthProperties.OAuthSettings("client-hl", CLIENT_SECRET,
                fake.authorizeUrl(), fake.tokenUrl(), "contacts.readonly contacts.write", null,
                Duration.ofDays(365), null);
        AuthProperties.OAuthSettings bsOAuth = new AuthProperties.OAuthSettings("client-bs", CLIENT_SECRET,
                fake.authorizeUrl(), fake.tokenUrl(), "write", null, null, Duration.ofDays(60));
        return new AuthProperties(Map.of(
                "hl", new AuthProperties.ConnectionSettings(ServiceType.HIGHLEVEL, CredentialKind.LOCATION_OAUTH,
                        "http://highlevel.test", null, null, null, null, null, hlOAuth),
                "bs", new AuthProperties.ConnectionSettings(ServiceType.BIRDSEND, CredentialKind.OAUTH,
                        "http://birdsend.test", null, null, null, null, null, bsOAuth),
                "pit", new AuthProperties.ConnectionSettings(ServiceType.HIGHLEVEL, CredentialKind.PRIVATE_INTEGRATION,
                        "http://highlevel.test", "loc-pit", null, null, PIT, null, null)),
                "http://bridge.test", new AuthProperties.Encryption(KEY, List.of(), null), timing());
    }

    /** One replica: its own registry, store objects, lock map and meters over the shared data source. */
    record Replica(JdbcTemplate jdbc, TokenCipher cipher, CredentialStore store, ConnectionRegistry registry,
                   OAuthTokenService tokens, ConnectionMonitor monitor, SimpleMeterRegistry meters,
                   OAuthStateStore states, TokenEndpointClient endpoint) {

        ConnectionDefinition definition(String id) {
            return registry.definition(id).orElseThrow();
        }

        /** Stores tokens as a completed connect would. */
        StoredCredential seed(String id, String access, String refresh, Instant now, Instant accessExpiresAt) {
            return store.saveConnected(definition(id), new TokenGrant(access, refresh, null, null, "contacts.readonly",
                    "loc-1", "comp-1", "Location", null), accessExpiresAt, now.plus(Duration.ofDays(365)), now);
        }

        String storedRefreshToken(String id) {
            return store.refreshToken(store.find(id).orElseThrow());
        }

        String storedAccessToken(String id) {
            return store.accessToken(store.find(id).orElseThrow());
        }
    }

    static Replica replica(DataSource ds, Clock clock, AuthProperties props, String name) {
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        TokenCipher cipher = TokenCipher.fromBase64(props.encryption().key(), props.encryption().previousKeys());
        return replica(jdbc, new CredentialStore(jdbc, cipher), cipher, clock, props, name);
    }

    static Replica replica(JdbcTemplate jdbc, CredentialStore store, TokenCipher cipher, Clock clock,
                           AuthProperties props, String name) {
        ConnectionRegistry registry = new ConnectionRegistry(props, store);
        TokenEndpointClient endpoint = new TokenEndpointClient(props, new ObjectMapper());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        StaticTokenRejections staticRejections = new StaticTokenRejections();
        OAuthTokenService tokens = new OAuthTokenService(registry, store, endpoint, clock, props, meters, staticRejections,
                name);
        ConnectionMonitor monitor = new ConnectionMonitor(registry, store, clock, props, meters, staticRejections);
        return new Replica(jdbc, cipher, store, registry, tokens, monitor, meters, new OAuthStateStore(jdbc), endpoint);
    }
}
