package io.contactsbridge.ops;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.ContactsBridgeApplication;
import org.apache.catalina.connector.Connector;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Health reflects a dead application port. With the management endpoints on a port of their own (as the issue saw:
 * the app port dead, the health check still 200), stopping the application's Tomcat connector turns liveness and
 * readiness DOWN on the management port, with why; starting it again turns them UP.
 */
@CamelSpringBootTest
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS) // its connector is stopped and started
@SpringBootTest(classes = ContactsBridgeApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "management.server.port=0")
@ActiveProfiles("test")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HttpConnectorHealthTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @LocalServerPort
    int appPort;
    @LocalManagementPort
    int managementPort;
    @Autowired
    ServletWebServerApplicationContext context;

    @Test
    @Order(2)
    void livenessAndReadinessGoDownWhileTheAppPortsConnectorIsStopped() throws Exception {
        assertThat(managementPort).isNotEqualTo(appPort);
        assertThat(health("liveness").path("status").asText()).isEqualTo("UP");
        assertThat(health("liveness").path("components").path("httpConnector").path("details").path("port").asInt())
                .isEqualTo(appPort);

        Connector connector = ((TomcatWebServer) context.getWebServer()).getTomcat().getService().findConnectors()[0];
        connector.stop();
        try {
            assertThatThrownBy(() -> get(appPort, "/actuator/health")).as("the app port is dead").isInstanceOf(Exception.class);
            for (String group : new String[] {"liveness", "readiness"}) {
                JsonNode health = health(group);
                assertThat(health.path("status").asText()).as(group).isEqualTo("DOWN");
                assertThat(health.path("components").path("httpConnector").path("status").asText()).isEqualTo("DOWN");
                assertThat(health.path("components").path("httpConnector").path("details").path("problems").toString())
                        .contains("STOPPED");
            }
        } finally {
            connector.start();
        }
        assertThat(health("liveness").path("status").asText()).isEqualTo("UP");
        assertThat(health("readiness").path("status").asText()).isEqualTo("UP");
    }

    /**
     * With the management endpoints on their own port (as k8s/deployment.yaml runs them, so that the Service exposes the
     * application port only): they answer there, behind the admin login as on the shared port, and the application
     * port serves none of them; the admin API stays on the application port.
     */
    @Test
    @Order(1) // before the connector is stopped and started again (on a new random port)
    void theManagementPortServesTheEndpointsBehindTheLoginAndTheAppPortNone() throws Exception {
        // (No /actuator/prometheus here: Boot tests leave metrics export off; AutomationEndToEndTest scrapes it.)
        for (String path : new String[] {"/actuator/jolokia/read/java.lang:type=Memory",
                "/actuator/metrics", "/actuator/camelroutes"}) {
            assertThat(anonymous(managementPort, path).statusCode()).as("anonymous " + path + " on the management port")
                    .isEqualTo(401);
            assertThat(get(managementPort, path).statusCode()).as("the admin's " + path + " on the management port")
                    .isEqualTo(200);
            assertThat(get(appPort, path).statusCode()).as(path + " on the application port").isEqualTo(404);
        }
        assertThat(anonymous(managementPort, "/actuator/health/readiness").statusCode()).as("probes need no login")
                .isEqualTo(200);
        assertThat(get(managementPort, "/actuator/hawtio/").statusCode()).as("Hawtio's page on the management port")
                .isIn(200, 302);
        // A browser (port-forwarded to the management port) is sent to the login form, served on that port too.
        HttpResponse<String> browser = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort
                + "/actuator/hawtio/")).header("Accept", "text/html").timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(browser.statusCode()).isEqualTo(302);
        String login = browser.headers().firstValue("Location").orElseThrow();
        HttpResponse<String> form = anonymous(managementPort, URI.create(login).getPath());
        assertThat(form.statusCode()).as("the login form on the management port").isEqualTo(200);
        assertThat(get(appPort, "/api/status").statusCode()).as("the admin API on the application port").isEqualTo(200);
    }

    private static HttpResponse<String> anonymous(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A health group on the management port, whatever its status (503 when DOWN); details are shown to the admin. */
    private JsonNode health(String group) throws Exception {
        return JSON.readTree(get(managementPort, "/actuator/health/" + group).body());
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder()
                        .encodeToString("admin:test-admin-password".getBytes()))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
