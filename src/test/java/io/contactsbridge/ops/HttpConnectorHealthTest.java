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
import org.junit.jupiter.api.Test;
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
