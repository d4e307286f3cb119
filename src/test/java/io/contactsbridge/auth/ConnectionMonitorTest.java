package io.contactsbridge.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.contactsbridge.auth.ConnectionAssessment.State;
import io.contactsbridge.ops.StatusReport;
import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Expiry monitoring: health, status, the expiry gauge and warnings logged once per state change. */
class ConnectionMonitorTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private final MutableClock clock = MutableClock.startingAt(T0);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger monitorLog = (Logger) LoggerFactory.getLogger(ConnectionMonitor.class);
    private FakeTokenEndpoint fake;
    private DataSource ds;
    private AuthFixture.Replica r;

    @BeforeEach
    void start() {
        fake = FakeTokenEndpoint.start();
        ds = AuthFixture.emptyDatabase(Kind.H2);
        r = AuthFixture.replica(ds, clock, AuthFixture.properties(fake), "pod-a");
        logs.start();
        monitorLog.addAppender(logs);
    }

    @AfterEach
    void stop() {
        monitorLog.detachAppender(logs);
        fake.close();
    }

    @Test
    void notYetConnectedIsAWarningButNotDown() {
        Health health = new ConnectionsHealthIndicator(r.monitor()).health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(state(health, "hl")).isEqualTo("NOT_CONNECTED");
        assertThat(state(health, "pit")).isEqualTo("OK");
        assertThat(warnings(health)).anySatisfy(w -> assertThat(w)
                .contains("Connection hl (HighLevel) is not connected")
                .contains("http://bridge.test/oauth/connect/hl"));
    }

    @Test
    void aConnectionThatNeedsReconnectingIsDown() {
        r.seed("hl", "at-0", "rt-0", T0, T0.plus(Duration.ofMinutes(1)));
        fake.acceptRefreshToken("something-else");
        r.tokens().refreshIfDue("hl", Duration.ofMinutes(6));

        Health health = new ConnectionsHealthIndicator(r.monitor()).health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(state(health, "hl")).isEqualTo("NEEDS_RECONNECT");
        assertThat(warnings(health)).anySatisfy(w -> assertThat(w).contains("must be reconnected")
                .contains("invalid_grant").contains("/oauth/connect/hl"));
        assertThat(health.toString()).doesNotContain("at-0").doesNotContain("rt-0")
                .doesNotContain(AuthFixture.CLIENT_SECRET).doesNotContain(AuthFixture.PIT);
    }

    @Test
    void expiringSoonWarnsInHealthStatusAndLogOncePerStateChange() {
        r.seed("hl", "at-0", "rt-0", T0, T0.plus(Duration.ofHours(20)));
        assertThat(r.monitor().check()).filteredOn(a -> a.connection().id().equals("hl"))
                .extracting(ConnectionAssessment::state).containsExactly(State.OK);
        logs.list.clear();

        // 359 days on, nothing refreshed: the refresh token (a year) is within the 7-day warning window.
        clock.advance(Duration.ofDays(359));
        r.monitor().check();
        r.monitor().check();
        r.monitor().check();
        List<String> warnings = messages(Level.WARN);
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("Connection hl (HighLevel)").contains("refresh token expires at")
                .contains("in 6 days").contains("reconnect at http://bridge.test/oauth/connect/hl");

        Health health = new ConnectionsHealthIndicator(r.monitor()).health();
        assertThat(health.getStatus()).as("expiring is not an outage").isEqualTo(Status.UP);
        assertThat(state(health, "hl")).isEqualTo("EXPIRING");

        StatusReport report = new StatusReport();
        new ConnectionsStatus(r.monitor()).contribute(report);
        @SuppressWarnings("unchecked")
        Map<String, Object> hl = (Map<String, Object>) ((Map<String, Object>) report.asMap().get("connections")).get("hl");
        assertThat(hl).containsEntry("service", "highlevel").containsEntry("kind", "location-oauth")
                .containsEntry("status", "EXPIRING").containsEntry("locationId", "loc-1")
                .containsKeys("accessTokenExpiresAt", "refreshTokenExpiresAt", "connectedAt", "message");
        assertThat(report.asMap().toString()).doesNotContain("at-0").doesNotContain("rt-0").doesNotContain("v1.");

        // A refresh renews the refresh token for a year: fine again, said once at INFO.
        fake.acceptRefreshToken("rt-0");
        r.tokens().refreshAfterRejection("hl", "at-0");
        r.monitor().check();
        r.monitor().check();
        assertThat(messages(Level.WARN)).hasSize(1);
        assertThat(messages(Level.INFO)).containsExactly("Connection hl is fine again (was EXPIRING)");
    }

    @Test
    void refreshesThatKeepFailingAreReportedOnceAndTheTokenCountsDown() {
        r.seed("hl", "at-0", "rt-0", T0, T0.plus(Duration.ofMinutes(4)));
        fake.acceptRefreshToken("rt-0");
        fake.override(form -> new FakeTokenEndpoint.Reply(502, "{}"));
        assertThat(r.meters().get(ConnectionMonitor.EXPIRY_GAUGE).tag("connection", "hl").gauge().value())
                .isEqualTo(240.0);

        for (int i = 0; i < 3; i++) {
            r.tokens().refreshIfDue("hl", Duration.ofMinutes(6));
            r.monitor().check();
            clock.advance(Duration.ofSeconds(40));
        }
        assertThat(r.store().find("hl").orElseThrow().refreshFailures()).isEqualTo(3);
        assertThat(r.meters().get(OAuthTokenService.FAILURES_METER).tag("connection", "hl").tag("reason", "transient")
                .counter().count()).isEqualTo(3.0);
        assertThat(messages(Level.WARN)).filteredOn(m -> m.contains("Connection hl")).singleElement()
                .satisfies(m -> assertThat(m).contains("refreshing the access token keeps failing")
                        .contains("502"));
        assertThat(new ConnectionsHealthIndicator(r.monitor()).health().getStatus()).isEqualTo(Status.UP);

        // Expired while refreshes still fail: down.
        clock.advance(Duration.ofMinutes(3));
        assertThat(r.meters().get(ConnectionMonitor.EXPIRY_GAUGE).tag("connection", "hl").gauge().value()).isNegative();
        assertThat(new ConnectionsHealthIndicator(r.monitor()).health().getStatus()).isEqualTo(Status.DOWN);
        r.monitor().check();
        assertThat(messages(Level.WARN)).filteredOn(m -> m.contains("access token expired at")).hasSize(1);
    }

    @Test
    void aStaticTokenWithAKnownExpiryIsWatchedToo() {
        r.registry().register(ConnectionDefinition.builder("pit2", CredentialKind.PRIVATE_INTEGRATION)
                .baseUrl("http://highlevel.test").token("pit-secret-value").tokenExpiresAt(T0.plus(Duration.ofDays(3)))
                .build());
        assertThat(r.meters().get(ConnectionMonitor.EXPIRY_GAUGE).tag("connection", "pit2").gauge().value())
                .isEqualTo(Duration.ofDays(3).toSeconds());
        assertThat(r.meters().get(ConnectionMonitor.EXPIRY_GAUGE).tag("connection", "pit").gauge().value()).isNaN();

        r.monitor().check();
        assertThat(messages(Level.WARN)).filteredOn(m -> m.contains("pit2")).singleElement()
                .satisfies(m -> assertThat(m).contains("Private Integration token expires at")
                        .contains("bridge.connections.pit2.token").doesNotContain("pit-secret-value"));
        assertThat(new ConnectionsHealthIndicator(r.monitor()).health().getStatus()).isEqualTo(Status.UP);

        clock.advance(Duration.ofDays(4));
        assertThat(new ConnectionsHealthIndicator(r.monitor()).health().getStatus()).isEqualTo(Status.DOWN);
    }

    @Test
    void aConfiguredTokenTheServiceRefusedIsDownUntilACallWorksAgain() {
        assertThat(state(new ConnectionsHealthIndicator(r.monitor()).health(), "pit")).isEqualTo("OK");

        // Nothing can renew a Private Integration token: the refusal is the provider's last word on it.
        assertThatThrownBy(() -> r.tokens().refreshAfterRejection("pit", AuthFixture.PIT))
                .isInstanceOf(ConnectionAuthException.class);

        Health refused = new ConnectionsHealthIndicator(r.monitor()).health();
        assertThat(refused.getStatus()).isEqualTo(Status.DOWN);
        assertThat(state(refused, "pit")).isEqualTo("REJECTED");
        assertThat(warnings(refused)).filteredOn(w -> w.contains("Connection pit ")).singleElement().satisfies(w -> assertThat(w)
                .contains("Connection pit (HighLevel): HighLevel refused its Private Integration token at " + T0)
                .contains("set bridge.connections.pit.token").doesNotContain(AuthFixture.PIT));
        StatusReport report = new StatusReport();
        new ConnectionsStatus(r.monitor()).contribute(report);
        assertThat(report.asMap().toString()).contains("REJECTED").doesNotContain(AuthFixture.PIT);
        r.monitor().check();
        r.monitor().check();
        assertThat(messages(Level.WARN)).filteredOn(m -> m.contains("refused its Private Integration token")).hasSize(1);

        // Another connection's success changes nothing; a call of its own that works ends it.
        r.tokens().tokenAccepted("hl");
        assertThat(state(new ConnectionsHealthIndicator(r.monitor()).health(), "pit")).isEqualTo("REJECTED");
        r.tokens().tokenAccepted("pit");
        Health back = new ConnectionsHealthIndicator(r.monitor()).health();
        assertThat(back.getStatus()).isEqualTo(Status.UP);
        assertThat(state(back, "pit")).isEqualTo("OK");
        r.monitor().check();
        assertThat(messages(Level.INFO)).contains("Connection pit is fine again (was REJECTED)");
    }

    @Test
    void aRefusalOfAReplacedTokenIsNotTheNewOnes() {
        ConnectionDefinition old = ConnectionDefinition.builder("pit2", CredentialKind.PRIVATE_INTEGRATION)
                .baseUrl("http://highlevel.test").locationId("loc-2").token("pit-old-value").build();
        r.registry().register(old);
        assertThatThrownBy(() -> r.tokens().refreshAfterRejection("pit2", "pit-old-value"))
                .isInstanceOf(ConnectionAuthException.class);
        assertThat(state(new ConnectionsHealthIndicator(r.monitor()).health(), "pit2")).isEqualTo("REJECTED");

        r.registry().unregister("pit2");
        r.registry().register(ConnectionDefinition.builder("pit2", CredentialKind.PRIVATE_INTEGRATION)
                .baseUrl("http://highlevel.test").locationId("loc-2").token("pit-new-value").build());
        assertThat(state(new ConnectionsHealthIndicator(r.monitor()).health(), "pit2")).isEqualTo("OK");
    }

    @Test
    void tokensWrittenWithAnotherKeyMakeTheConnectionDown() {
        r.seed("hl", "at-0", "rt-0", T0, T0.plus(Duration.ofHours(20)));
        AuthProperties otherKey = new AuthProperties(AuthFixture.properties(fake).connections(), "http://bridge.test",
                new AuthProperties.Encryption(TokenCipher.generateKey(), null, null), AuthFixture.timing());
        AuthFixture.Replica rotatedWrongly = AuthFixture.replica(ds, clock,
                otherKey, "pod-b");

        Health health = new ConnectionsHealthIndicator(rotatedWrongly.monitor()).health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(state(health, "hl")).isEqualTo("UNREADABLE");
        assertThat(warnings(health)).anySatisfy(w -> assertThat(w).contains("bridge.encryption.previous-keys"));
    }

    private List<String> messages(Level level) {
        return logs.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }

    @SuppressWarnings("unchecked")
    private static String state(Health health, String id) {
        Map<String, Object> connections = (Map<String, Object>) health.getDetails().get("connections");
        return (String) ((Map<String, Object>) connections.get(id)).get("status");
    }

    @SuppressWarnings("unchecked")
    private static List<String> warnings(Health health) {
        return (List<String>) health.getDetails().get("warnings");
    }
}
