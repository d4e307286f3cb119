package io.contactsbridge.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import javax.sql.DataSource;

import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** The credential and OAuth-state tables, on H2 and PostgreSQL. */
class CredentialStoreTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private AuthFixture.Replica replica(DataSource ds, String name) {
        // No token call happens in these tests: the endpoint URL only has to be well-formed.
        AuthProperties props = new AuthProperties(Map.of("hl", new AuthProperties.ConnectionSettings(
                ServiceType.HIGHLEVEL, CredentialKind.LOCATION_OAUTH, "http://highlevel.test", null, null, null, null,
                null, new AuthProperties.OAuthSettings("client", "secret", "http://auth.test/authorize",
                "http://auth.test/token", "contacts.readonly", null, null, null))),
                "http://bridge.test", new AuthProperties.Encryption(AuthFixture.KEY, null, null), AuthFixture.timing());
        return AuthFixture.replica(ds, MutableClock.startingAt(T0), props, name);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void tokensAreStoredEncryptedAndReadBack(Kind kind) {
        DataSource ds = AuthFixture.emptyDatabase(kind);
        AuthFixture.Replica r = replica(ds, "pod-a");
        StoredCredential saved = r.seed("hl", "access-plain-123", "refresh-plain-456", T0, T0.plusSeconds(86399));

        Map<String, Object> raw = new JdbcTemplate(ds).queryForMap(
                "SELECT access_token_enc, refresh_token_enc, status, version, location_id FROM connection_credential");
        assertThat(raw.toString()).doesNotContain("access-plain-123").doesNotContain("refresh-plain-456");
        assertThat((String) raw.get("access_token_enc")).startsWith("v1." + r.cipher().keyId() + ".");
        assertThat(raw.get("status")).isEqualTo("CONNECTED");
        assertThat(r.storedAccessToken("hl")).isEqualTo("access-plain-123");
        assertThat(r.storedRefreshToken("hl")).isEqualTo("refresh-plain-456");
        assertThat(saved.version()).isEqualTo(1);
        assertThat(saved.accessExpiresAt()).isEqualTo(T0.plusSeconds(86399));
        assertThat(saved.toString()).doesNotContain(saved.accessTokenEnc());

        // A reconnect replaces the tokens in place and bumps the version.
        StoredCredential again = r.seed("hl", "access-2", "refresh-2", T0, T0.plusSeconds(60));
        assertThat(again.version()).isEqualTo(2);
        assertThat(r.storedAccessToken("hl")).isEqualTo("access-2");
        assertThat(r.store().findAll()).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void theRefreshLeaseGoesToOneReplicaUntilReleasedOrRunOut(Kind kind) {
        DataSource ds = AuthFixture.emptyDatabase(kind);
        AuthFixture.Replica a = replica(ds, "pod-a");
        CredentialStore store = a.store();
        StoredCredential c = a.seed("hl", "a0", "r0", T0, T0.plusSeconds(60));
        Instant until = T0.plusSeconds(60);

        assertThat(store.tryAcquireLease("hl", "pod-a", until, T0)).isTrue();
        assertThat(store.tryAcquireLease("hl", "pod-b", until, T0.plusSeconds(59))).isFalse();
        store.releaseLease("hl", "pod-b");
        assertThat(store.find("hl").orElseThrow().leaseOwner()).as("only the holder releases").isEqualTo("pod-a");

        // The holder died: once its lease ran out, another replica takes over, and the late holder's
        // write is refused.
        assertThat(store.tryAcquireLease("hl", "pod-b", T0.plusSeconds(120), T0.plusSeconds(61))).isTrue();
        TokenGrant grant = new TokenGrant("a1", "r1", null, null, null, null, null, null, null);
        assertThat(store.completeRefresh("hl", "pod-a", c.version(), grant, null, null, T0)).isFalse();
        assertThat(store.completeRefresh("hl", "pod-b", c.version() + 1, grant, null, null, T0)).isFalse();
        assertThat(store.completeRefresh("hl", "pod-b", c.version(), grant, T0.plusSeconds(3600), null, T0)).isTrue();

        StoredCredential after = store.find("hl").orElseThrow();
        assertThat(after.leaseOwner()).isNull();
        assertThat(after.leaseUntil()).isNull();
        assertThat(after.version()).isEqualTo(c.version() + 1);
        assertThat(store.accessToken(after)).isEqualTo("a1");
        assertThat(store.refreshToken(after)).isEqualTo("r1");
        assertThat(store.tryAcquireLease("hl", "pod-a", until, T0)).isTrue();
        assertThat(store.tryAcquireLease("unknown", "pod-a", until, T0)).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void anOAuthStateIsGoodOnceForItsConnectionUntilItExpires(Kind kind) {
        DataSource ds = AuthFixture.emptyDatabase(kind);
        OAuthStateStore states = replica(ds, "pod-a").states();
        states.save("state-1", "hl", T0, T0.plus(Duration.ofMinutes(10)));
        states.save("state-2", "hl", T0, T0.plus(Duration.ofMinutes(10)));
        states.save("state-3", "hl", T0, T0.plus(Duration.ofMinutes(10)));

        assertThat(states.consume("state-1", "bs", T0)).isEqualTo(OAuthStateStore.Check.OTHER_CONNECTION);
        assertThat(states.consume("state-1", "hl", T0.plusSeconds(30))).isEqualTo(OAuthStateStore.Check.VALID);
        assertThat(states.consume("state-1", "hl", T0.plusSeconds(31))).isEqualTo(OAuthStateStore.Check.ALREADY_USED);
        assertThat(states.consume("state-2", "hl", T0.plus(Duration.ofMinutes(10)))).isEqualTo(OAuthStateStore.Check.EXPIRED);
        assertThat(states.consume("forged", "hl", T0)).isEqualTo(OAuthStateStore.Check.UNKNOWN);
        assertThat(states.consume(null, "hl", T0)).isEqualTo(OAuthStateStore.Check.UNKNOWN);
        assertThat(new JdbcTemplate(ds).queryForList("SELECT state_hash FROM oauth_state", String.class))
                .hasSize(3).doesNotContain("state-1", "state-2", "state-3");

        assertThat(states.purgeExpiredBefore(T0.plus(Duration.ofMinutes(11)))).isEqualTo(3);
        assertThat(states.consume("state-3", "hl", T0)).isEqualTo(OAuthStateStore.Check.UNKNOWN);
    }
}
