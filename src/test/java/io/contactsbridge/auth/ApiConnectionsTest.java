package io.contactsbridge.auth;

import java.time.Instant;
import java.util.Map;

import javax.sql.DataSource;

import io.contactsbridge.simulator.sim.MutableClock;
import io.contactsbridge.support.TestDatabases.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Connections added through the API: stored with the token encrypted, seen by the other replicas, removed by them. */
class ApiConnectionsTest {

    private static final String TOKEN = "pit-0a1b2c3d4e5f-secret";

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aConnectionAddedOnOneReplicaIsUsedByTheOtherAndGoesWhenRemoved(Kind kind) {
        DataSource ds = AuthFixture.emptyDatabase(kind);
        MutableClock clock = MutableClock.startingAt(Instant.parse("2026-03-01T10:00:00Z"));
        AuthProperties props = new AuthProperties(Map.of(), "http://bridge.test",
                new AuthProperties.Encryption(AuthFixture.KEY, null, null), AuthFixture.timing());
        AuthFixture.Replica a = AuthFixture.replica(ds, clock, props, "pod-a");
        AuthFixture.Replica b = AuthFixture.replica(ds, clock, props, "pod-b");
        ApiConnections onA = new ApiConnections(a.jdbc(), a.cipher(), a.registry(), clock);
        ApiConnections onB = new ApiConnections(b.jdbc(), b.cipher(), b.registry(), clock);

        Connection added = onA.add(new ApiConnections.Request("hl-acme", "private-integration", null, "loc-acme", TOKEN));
        assertThat(added.locationId()).isEqualTo("loc-acme");
        assertThat(added.baseUrl()).as("the service's own by default").isEqualTo("https://services.leadconnectorhq.com");
        assertThat(new JdbcTemplate(ds).queryForObject("SELECT token_enc FROM api_connection", String.class))
                .as("stored encrypted").doesNotContain(TOKEN);

        assertThat(b.registry().find("hl-acme")).isEmpty();
        clock.advanceMillis(1);
        onB.refresh();
        assertThat(b.registry().definition("hl-acme").map(ConnectionDefinition::staticToken)).contains(TOKEN);
        assertThat(onB.added("hl-acme")).isTrue();

        assertThatThrownBy(() -> onB.add(new ApiConnections.Request("hl-acme", "private-integration", null, "x", "y")))
                .isInstanceOf(IllegalStateException.class);
        onA.remove("hl-acme");
        onB.refresh();
        assertThat(b.registry().find("hl-acme")).as("removed on the other replica").isEmpty();
        assertThat(new JdbcTemplate(ds).queryForObject("SELECT token_enc FROM api_connection", String.class))
                .as("the token goes with it").isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = "H2")
    void badRequestsSayWhatIsWrongWithoutTheToken(Kind kind) {
        DataSource ds = AuthFixture.emptyDatabase(kind);
        MutableClock clock = MutableClock.startingAt(Instant.parse("2026-03-01T10:00:00Z"));
        AuthProperties props = new AuthProperties(Map.of(), "http://bridge.test",
                new AuthProperties.Encryption(AuthFixture.KEY, null, null), AuthFixture.timing());
        AuthFixture.Replica a = AuthFixture.replica(ds, clock, props, "pod-a");
        ApiConnections api = new ApiConnections(a.jdbc(), a.cipher(), a.registry(), clock);

        assertThatThrownBy(() -> api.add(new ApiConnections.Request("hl-x", "private-integration", null, null, TOKEN)))
                .hasMessageContaining("locationId").hasMessageNotContaining(TOKEN);
        assertThatThrownBy(() -> api.add(new ApiConnections.Request("bs-x", "oauth", null, null, TOKEN)))
                .hasMessageContaining("kind").hasMessageNotContaining(TOKEN);
        assertThatThrownBy(() -> api.add(new ApiConnections.Request("bs-x", "personal-access-token", "ftp://x", null, TOKEN)))
                .hasMessageContaining("baseUrl");
        assertThatThrownBy(() -> api.add(new ApiConnections.Request("BS X", "personal-access-token", null, null, TOKEN)))
                .hasMessageContaining("lower-case");
        assertThatThrownBy(() -> api.add(new ApiConnections.Request("bs-x", "personal-access-token", null, null, " ")))
                .hasMessageContaining("token");
    }
}
