package io.contactsbridge.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import javax.sql.DataSource;

import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Access tokens and their refresh, on H2 and PostgreSQL, against a fake token endpoint that
 * rotates refresh tokens like HighLevel and BirdSend do.
 */
class TokenRefreshTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private final MutableClock clock = MutableClock.startingAt(T0);
    private FakeTokenEndpoint fake;
    private AuthProperties props;

    @BeforeEach
    void start() {
        fake = FakeTokenEndpoint.start();
        props = AuthFixture.properties(fake);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void twoReplicasWithTwoThreadsEachRefreshOnceAndAllGetTheNewToken(Kind kind) throws Exception {
        DataSource ds = AuthFixture.emptyDatabase(kind);
        AuthFixture.Replica a = AuthFixture.replica(ds, clock, props, "pod-a");
        AuthFixture.Replica b = AuthFixture.replica(ds, clock, props, "pod-b");
        a.seed("hl", "at-0", "rt-0", T0, T0.plus(Duration.ofMinutes(2)));
        fake.acceptRefreshToken("rt-0");
        fake.delay(Duration.ofMillis(300));

        List<String> tokens = concurrently(4, i -> (i % 2 == 0 ? a : b).tokens().accessToken("hl"));

        assertThat(fake.calls("refresh_token")).isEqualTo(1);
        String issued = fake.issuedTokens().get(0);
        assertThat(tokens).containsOnly(issued);
        assertThat(b.storedRefreshToken("hl")).isEqualTo(fake.currentRefreshToken());
        StoredCredential row = b.store().find("hl").orElseThrow();
        assertThat(row.leaseOwner()).isNull();
        assertThat(row.accessExpiresAt()).isEqualTo(T0.plusSeconds(86399));
        assertThat(row.refreshExpiresAt()).isEqualTo(T0.plus(Duration.ofDays(365)));
        assertThat(row.lastRefreshAt()).isEqualTo(T0);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void theRotatedRefreshTokenIsCommittedBeforeTheNewAccessTokenIsReturned(Kind kind) {
        DataSource ds = AuthFixture.emptyDatabase(kind);
        AuthFixture.Replica r = AuthFixture.replica(ds, clock, props, "pod-a");
        r.seed("hl", "at-0", "rt-0", T0, T0.plus(Duration.ofMinutes(1)));
        fake.acceptRefreshToken("rt-0");

        String access = r.tokens().accessToken("hl");

        // A different replica (own JdbcTemplate and cipher instance) already sees the rotated token.
        AuthFixture.Replica other = AuthFixture.replica(ds, clock, props, "pod-b");
        assertThat(access).isEqualTo(fake.issuedTokens().get(0));
        assertThat(other.storedAccessToken("hl")).isEqualTo(access);
        assertThat(other.storedRefreshToken("hl")).isEqualTo(fake.currentRefreshToken()).isNotEqualTo("rt-0");
        String rawRefresh = new JdbcTemplate(ds).queryForObject(
                "SELECT refresh_token_enc FROM connection_credential WHERE connection_id = 'hl'", String.class);
        assertThat(rawRefresh).startsWith("v1.").doesNotContain(fake.currentRefreshToken());
        assertThat(fake.requests().get(0)).containsEntry("refresh_token", "rt-0")
                .containsEntry("grant_type", "refresh_token").containsEntry("user_type", "Location")
                .containsEntry("client_id", "client-hl").containsEntry("client_secret", AuthFixture.CLIENT_SECRET);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void tokensThatCouldNotBeStoredAreNeverHandedOut(Kind kind) {
        DataSource ds = AuthFixture.emptyDatabase(kind);
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        TokenCipher cipher = TokenCipher.fromBase64(AuthFixture.KEY, List.of());
        CredentialStore failingWrites = new CredentialStore(jdbc, cipher) {
            @Override
            public boolean completeRefresh(String connectionId, String owner, long expectedVersion, TokenGrant grant,
                                           Instant accessExpiresAt, Instant refreshExpiresAt, Instant now) {
                throw new DataAccessResourceFailureException("store unavailable");
            }
        };
        AuthFixture.Replica r = AuthFixture.replica(jdbc, failingWrites, cipher, clock, props, "pod-a");
        r.seed("hl", "at-0", "rt-0", T0, T0.plus(Duration.ofMinutes(1)));
        fake.acceptRefreshToken("rt-0");

        // The old token is still valid for a minute: it is used, the unsaved new one is not.
        assertThat(r.tokens().accessToken("hl")).isEqualTo("at-0");
        assertThat(fake.calls("refresh_token")).isEqualTo(1);
        assertThat(r.store().find("hl").orElseThrow().leaseOwner()).isNull();

        // Were the old refresh token still accepted (a grace period), a rejected token gets an error, not the new one.
        fake.acceptRefreshToken("rt-0");
        assertThatThrownBy(() -> r.tokens().refreshAfterRejection("hl", "at-0"))
                .isInstanceOf(ConnectionAuthException.class)
                .hasMessageContaining("could not store");
        assertThat(fake.calls("refresh_token")).isEqualTo(2);
        assertThat(r.storedAccessToken("hl")).isEqualTo("at-0");
        assertThat(r.store().find("hl").orElseThrow().leaseOwner()).isNull();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aRejectedTokenIsRefreshedOnceHoweverManyCallersReportIt(Kind kind) throws Exception {
        DataSource ds = AuthFixture.emptyDatabase(kind);
        AuthFixture.Replica a = AuthFixture.replica(ds, clock, props, "pod-a");
        AuthFixture.Replica b = AuthFixture.replica(ds, clock, props, "pod-b");
        a.seed("hl", "at-0", "rt-0", T0, T0.plus(Duration.ofHours(20)));
        fake.acceptRefreshToken("rt-0");
        fake.delay(Duration.ofMillis(200));

        List<String> retried = concurrently(4, i -> (i % 2 == 0 ? a : b).tokens().refreshAfterRejection("hl", "at-0"));

        String fresh = fake.issuedTokens().get(0);
        assertThat(retried).containsOnly(fresh);
        assertThat(fake.calls("refresh_token")).isEqualTo(1);
        // A late report of the same old token gets the new one without another refresh.
        assertThat(a.tokens().refreshAfterRejection("hl", "at-0")).isEqualTo(fresh);
        assertThat(b.tokens().accessToken("hl")).isEqualTo(fresh);
        assertThat(fake.calls("refresh_token")).isEqualTo(1);
        // The new token being rejected in turn is a new rejection: one more refresh.
        assertThat(a.tokens().refreshAfterRejection("hl", fresh)).isEqualTo(fake.issuedTokens().get(2));
        assertThat(fake.calls("refresh_token")).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void invalidGrantMarksTheConnectionForReconnectAndSaysWhere(Kind kind) {
        DataSource ds = AuthFixture.emptyDatabase(kind);
        AuthFixture.Replica r = AuthFixture.replica(ds, clock, props, "pod-a");
        r.seed("hl", "at-0", "rt-0", T0, T0.plus(Duration.ofHours(20)));
        fake.acceptRefreshToken("rt-revoked-elsewhere");

        assertThatThrownBy(() -> r.tokens().refreshAfterRejection("hl", "at-0"))
                .isInstanceOf(ConnectionAuthException.class)
                .hasMessageContaining("connection hl")
                .hasMessageContaining("invalid_grant")
                .hasMessageContaining("reconnect at http://bridge.test/oauth/connect/hl")
                .hasMessageNotContaining("rt-0")
                .satisfies(e -> assertThat(((ConnectionAuthException) e).connectionId()).isEqualTo("hl"));

        StoredCredential row = r.store().find("hl").orElseThrow();
        assertThat(row.status()).isEqualTo(ConnectionStatus.NEEDS_RECONNECT);
        assertThat(row.lastRefreshError()).contains("400 invalid_grant").doesNotContain("rt-0");
        assertThat(row.leaseOwner()).isNull();
        assertThat(r.meters().get(OAuthTokenService.FAILURES_METER).tag("connection", "hl").tag("reason", "refused")
                .counter().count()).isEqualTo(1.0);

        // From now on callers fail fast, without calling the token endpoint again.
        assertThatThrownBy(() -> r.tokens().accessToken("hl"))
                .isInstanceOf(ConnectionAuthException.class)
                .hasMessageContaining("must be reconnected")
                .hasMessageContaining("/oauth/connect/hl");
        assertThat(fake.calls("refresh_token")).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aFailingTokenEndpointKeepsTheValidTokenAndRetriesLater(Kind kind) {
        DataSource ds = AuthFixture.emptyDatabase(kind);
        AuthFixture.Replica r = AuthFixture.replica(ds, clock, props, "pod-a");
        r.seed("hl", "at-0", "rt-0", T0, T0.plus(Duration.ofMinutes(3)));
        fake.acceptRefreshToken("rt-0");
        fake.override(form -> new FakeTokenEndpoint.Reply(503, "{\"message\":\"unavailable\"}"));

        assertThat(r.tokens().accessToken("hl")).isEqualTo("at-0");
        assertThat(r.tokens().accessToken("hl")).isEqualTo("at-0");
        assertThat(fake.calls("refresh_token")).as("no retry inside the retry delay").isEqualTo(1);
        StoredCredential failed = r.store().find("hl").orElseThrow();
        assertThat(failed.status()).isEqualTo(ConnectionStatus.CONNECTED);
        assertThat(failed.lastRefreshError()).contains("503");
        assertThat(failed.refreshFailures()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(31));
        assertThat(r.tokens().accessToken("hl")).isEqualTo("at-0");
        assertThat(fake.calls("refresh_token")).isEqualTo(2);

        // Once the old token has expired there is nothing left to hand out.
        clock.advance(Duration.ofMinutes(3));
        assertThatThrownBy(() -> r.tokens().accessToken("hl"))
                .isInstanceOf(ConnectionAuthException.class)
                .hasMessageContaining("Could not refresh the access token of connection hl")
                .hasMessageContaining("will retry");

        fake.override(null);
        String fresh = r.tokens().accessToken("hl");
        assertThat(fresh).isEqualTo(fake.issuedTokens().get(0));
        StoredCredential healed = r.store().find("hl").orElseThrow();
        assertThat(healed.lastRefreshError()).isNull();
        assertThat(healed.refreshFailures()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aRefreshAnswerWithoutRefreshTokenKeepsTheStoredOne(Kind kind) {
        DataSource ds = AuthFixture.emptyDatabase(kind);
        AuthFixture.Replica r = AuthFixture.replica(ds, clock, props, "pod-a");
        r.seed("bs", "at-0", "rt-0", T0, T0.plus(Duration.ofMinutes(1)));
        fake.override(form -> new FakeTokenEndpoint.Reply(200, "{\"access_token\":\"at-non-rotating\"}"));

        assertThat(r.tokens().accessToken("bs")).isEqualTo("at-non-rotating");
        assertThat(r.storedRefreshToken("bs")).isEqualTo("rt-0");
        StoredCredential row = r.store().find("bs").orElseThrow();
        // No expires_in: BirdSend's configured assumption (60 days) applies; the refresh expiry is kept.
        assertThat(row.accessExpiresAt()).isEqualTo(T0.plus(Duration.ofDays(60)));
        assertThat(row.refreshExpiresAt()).isEqualTo(T0.plus(Duration.ofDays(365)));
        assertThat(fake.requests().get(0)).containsEntry("scope", "write").doesNotContainKey("user_type");
    }

    @Test
    void theScheduledRefreshRenewsTokensBeforeTheyEnterTheMargin() {
        AuthFixture.Replica r = AuthFixture.replica(AuthFixture.emptyDatabase(Kind.H2), clock, props, "pod-a");
        r.seed("hl", "at-0", "rt-0", T0, T0.plus(Duration.ofMinutes(10)));
        fake.acceptRefreshToken("rt-0");
        Duration window = Duration.ofMinutes(6);

        assertThat(r.tokens().refreshIfDue("hl", window)).isEqualTo(OAuthTokenService.RefreshOutcome.NOT_DUE);
        assertThat(r.tokens().refreshIfDue("pit", window)).isEqualTo(OAuthTokenService.RefreshOutcome.NOT_APPLICABLE);
        assertThat(r.tokens().refreshIfDue("bs", window)).isEqualTo(OAuthTokenService.RefreshOutcome.NOT_APPLICABLE);
        clock.advance(Duration.ofMinutes(5));
        assertThat(r.tokens().refreshIfDue("hl", window)).isEqualTo(OAuthTokenService.RefreshOutcome.REFRESHED);
        assertThat(r.tokens().accessToken("hl")).isEqualTo(fake.issuedTokens().get(0));
        assertThat(fake.calls("refresh_token")).isEqualTo(1);
    }

    @Test
    void staticTokensAreHandedOutAsConfiguredAndARejectionSaysWhatToReplace() {
        AuthFixture.Replica r = AuthFixture.replica(AuthFixture.emptyDatabase(Kind.H2), clock, props, "pod-a");
        assertThat(r.tokens().accessToken("pit")).isEqualTo(AuthFixture.PIT);
        assertThatThrownBy(() -> r.tokens().refreshAfterRejection("pit", AuthFixture.PIT))
                .isInstanceOf(ConnectionAuthException.class)
                .hasMessageContaining("HighLevel rejected the Private Integration token of connection pit")
                .hasMessageContaining("bridge.connections.pit.token")
                .hasMessageNotContaining(AuthFixture.PIT);

        r.registry().register(ConnectionDefinition.builder("bird", CredentialKind.PERSONAL_ACCESS_TOKEN)
                .baseUrl("http://birdsend.test").build());
        assertThatThrownBy(() -> r.tokens().accessToken("bird"))
                .isInstanceOf(ConnectionAuthException.class)
                .hasMessageContaining("has no personal access token: set bridge.connections.bird.token");
        assertThatThrownBy(() -> r.tokens().accessToken("nope"))
                .isInstanceOf(ConnectionAuthException.class)
                .hasMessageContaining("Unknown connection 'nope'")
                .hasMessageContaining("[bird, bs, hl, pit]");
        assertThatThrownBy(() -> r.tokens().accessToken("hl"))
                .isInstanceOf(ConnectionAuthException.class)
                .hasMessageContaining("not connected yet")
                .hasMessageContaining("http://bridge.test/oauth/connect/hl");
        assertThat(fake.requests()).isEmpty();
    }

    /** Runs {@code n} calls at once (released together) and returns their results. */
    private static List<String> concurrently(int n, java.util.function.IntFunction<String> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                Supplier<String> task = () -> call.apply(index);
                futures.add(pool.submit(() -> {
                    go.await();
                    return task.get();
                }));
            }
            go.countDown();
            List<String> results = new ArrayList<>();
            for (Future<String> f : futures) {
                results.add(f.get(10, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
