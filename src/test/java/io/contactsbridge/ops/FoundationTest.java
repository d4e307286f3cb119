package io.contactsbridge.ops;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.store.HeartbeatRecorder;
import io.contactsbridge.support.AppTest;
import org.apache.camel.CamelContext;
import org.apache.camel.ManagementStatisticsLevel;
import org.apache.camel.Route;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.test.spring.junit5.DisableJmx;
import io.contactsbridge.support.Http;
import io.contactsbridge.support.ProjectVersion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/** The running app in live mode: health, the status API, the admin login, Hawtio and the heartbeat route. */
@AppTest
@DisableJmx(false) // Hawtio reads Camel through JMX; these tests check that it can
class FoundationTest {

    private static final String ADMIN = "admin";
    private static final String PASSWORD = "test-admin-password";

    @LocalServerPort
    int port;
    TestRestTemplate http;

    @BeforeEach
    void client() {
        http = Http.client(port);
    }
    @Autowired
    CamelContext camel;
    @Autowired
    HeartbeatRecorder heartbeats;
    @Autowired
    BridgeProperties props;

    @Test
    void healthIsUpWithCamelInBothProbeGroups() {
        JsonNode health = http.getForObject("/actuator/health", JsonNode.class);
        assertThat(health.path("status").asText()).isEqualTo("UP");

        JsonNode liveness = http.getForObject("/actuator/health/liveness", JsonNode.class);
        assertThat(liveness.path("status").asText()).isEqualTo("UP");
        assertThat(liveness.path("components").has("camelLivenessState")).isTrue();
        assertThat(liveness.path("components").path("httpConnector").path("status").asText()).isEqualTo("UP");

        JsonNode readiness = http.getForObject("/actuator/health/readiness", JsonNode.class);
        assertThat(readiness.path("status").asText()).isEqualTo("UP");
        assertThat(readiness.path("components").has("camelHealth")).isTrue();
        assertThat(readiness.path("components").has("db")).isTrue();
        assertThat(readiness.path("components").path("httpConnector").path("status").asText()).isEqualTo("UP");
    }

    @Test
    void statusNeedsTheAdminLoginInLiveMode() {
        assertThat(http.getForEntity("/api/status", String.class).getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(http.withBasicAuth(ADMIN, "wrong").getForEntity("/api/status", String.class).getStatusCode())
                .isEqualTo(HttpStatus.UNAUTHORIZED);

        ResponseEntity<JsonNode> ok = http.withBasicAuth(ADMIN, PASSWORD).getForEntity("/api/status", JsonNode.class);
        assertThat(ok.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(ok.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
        JsonNode status = ok.getBody();
        assertThat(status.path("mode").asText()).isEqualTo("live");
        assertThat(status.path("store").asText()).isEqualTo("h2");
        assertThat(status.path("version").asText()).isNotBlank();
        assertThat(status.path("uptime").asText()).startsWith("PT");
        assertThat(status.path("uptimeSeconds").isIntegralNumber()).isTrue();
        assertThat(status.toString()).doesNotContain(PASSWORD);
    }

    @Test
    void statusAndInfoShowThePomsVersion() {
        String version = ProjectVersion.fromPom();
        JsonNode status = http.withBasicAuth(ADMIN, PASSWORD).getForObject("/api/status", JsonNode.class);
        assertThat(status.path("version").asText()).isEqualTo(version);
        // Anonymous, as a deployment check would ask; from the build-info the plugin writes (BuildProperties).
        JsonNode info = http.getForObject("/actuator/info", JsonNode.class);
        assertThat(info.path("build").path("version").asText()).isEqualTo(version);
        assertThat(info.path("build").path("artifact").asText()).isEqualTo("contacts-bridge");
    }

    @Test
    void statusAcceptsOnlyGet() {
        ResponseEntity<String> post = http.withBasicAuth(ADMIN, PASSWORD)
                .postForEntity("/api/status", "{}", String.class);
        assertThat(post.getStatusCode().is4xxClientError()).isTrue();
    }

    @Test
    void hawtioRefusesAnonymousCallersAndRedirectsBrowsersToLogin() {
        assertThat(http.getForEntity("/actuator/hawtio/", String.class).getStatusCode())
                .isEqualTo(HttpStatus.UNAUTHORIZED);

        HttpHeaders browser = new HttpHeaders();
        browser.setAccept(List.of(MediaType.TEXT_HTML));
        ResponseEntity<String> page = http.exchange("/actuator/hawtio/", HttpMethod.GET, new HttpEntity<>(browser), String.class);
        assertThat(page.getStatusCode()).isEqualTo(HttpStatus.FOUND);
        assertThat(page.getHeaders().getLocation().getPath()).isEqualTo("/login");

        assertThat(http.getForEntity("/actuator/jolokia/version", String.class).getStatusCode())
                .isEqualTo(HttpStatus.UNAUTHORIZED);
    }

    @Test
    void hawtioSeesTheCamelRoutesThroughJolokiaAfterLogin() {
        // Hawtio's JAAS login rides on Spring Security: this call fails if that bridge is missing.
        JsonNode search = http.withBasicAuth(ADMIN, PASSWORD)
                .getForObject("/actuator/jolokia/search/org.apache.camel:type=routes,*", JsonNode.class);
        assertThat(search.path("status").asInt()).isEqualTo(200);
        assertThat(search.path("value").toString()).contains("name=\\\"status-api\\\"", "name=\\\"heartbeat\\\"");

        ResponseEntity<String> console = http.withBasicAuth(ADMIN, PASSWORD).getForEntity("/actuator/hawtio/", String.class);
        assertThat(console.getStatusCode().is2xxSuccessful() || console.getStatusCode().is3xxRedirection()).isTrue();
    }

    /**
     * Hawtio draws every route of the context and looks each one up among the route MBeans: a Kamelet's route that
     * JMX did not know gave the warning "No route found for route ID 'contact-changes-source-1'". Each journal
     * consumer is an endpoint MBean with its figures.
     */
    @Test
    void everyRouteIsManagedAndEachJournalConsumerIsAnEndpointWithItsFigures() throws Exception {
        MBeanServer jmx = camel.getManagementStrategy().getManagementAgent().getMBeanServer();
        Set<String> managedRoutes = new TreeSet<>();
        for (ObjectName name : jmx.queryNames(new ObjectName("org.apache.camel:type=routes,*"), null)) {
            managedRoutes.add((String) jmx.getAttribute(name, "RouteId"));
        }
        assertThat(managedRoutes).as("the routes JMX knows")
                .containsAll(camel.getRoutes().stream().map(Route::getRouteId).toList())
                .contains("contact-sync", "contact-sync-source");

        ObjectName sync = jmx.queryNames(new ObjectName("org.apache.camel:type=endpoints,*"), null).stream()
                .filter(n -> n.getKeyProperty("name").contains("journal://contact-sync")).findFirst().orElseThrow();
        assertThat(jmx.getAttribute(sync, "Consumer")).isEqualTo("contact-sync");
        assertThat(jmx.getAttribute(sync, "Sources"))
                .isEqualTo("highlevel-webhook,highlevel-poll,birdsend-poll,birdsend-notification,backfill");
        assertThat(jmx.getAttribute(sync, "EventsCommitted")).isInstanceOf(Long.class);
        assertThat(jmx.getAttribute(sync, "EventsFailed")).isInstanceOf(Long.class);
    }

    @Test
    void managementRecordsExtendedStatistics() {
        assertThat(camel.getManagementStrategy().getManagementAgent().getStatisticsLevel())
                .isEqualTo(ManagementStatisticsLevel.Extended);
    }

    @Test
    void yamlHeartbeatRouteRecordsThisInstanceInTheStore() {
        assertThat(camel.getRoute("heartbeat")).as("routes/heartbeat.yaml is loaded").isNotNull();
        NotifyBuilder twoBeats = new NotifyBuilder(camel).fromRoute("heartbeat").whenCompleted(2).create();
        assertThat(twoBeats.matches(10, TimeUnit.SECONDS)).isTrue();

        HeartbeatRecorder.Beat beat = heartbeats.find(props.instance().id()).orElseThrow();
        assertThat(beat.beats()).isGreaterThanOrEqualTo(2);

        @SuppressWarnings("unchecked")
        Map<String, Object> status = http.withBasicAuth(ADMIN, PASSWORD).getForObject("/api/status", Map.class);
        assertThat(status).containsKey("heartbeat");
    }
}
