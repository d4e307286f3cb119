package io.contactsbridge.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.ContactsBridgeApplication;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.DisableJmx;
import io.contactsbridge.support.Http;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** Sandbox mode: open status, a generated admin password that still guards the console. */
@CamelSpringBootTest
@DisableJmx(false)
@SpringBootTest(classes = ContactsBridgeApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles({"test", "sandbox"})
@TestPropertySource(properties = "bridge.admin.password=")
class SandboxModeTest {

    @LocalServerPort
    int port;
    TestRestTemplate http;

    @BeforeEach
    void client() {
        http = Http.client(port);
    }
    @Autowired
    Environment env;

    @Test
    void statusIsOpenAndSaysSandbox() {
        JsonNode status = http.getForObject("/api/status", JsonNode.class);
        assertThat(status.path("mode").asText()).isEqualTo("sandbox");
        assertThat(status.path("store").asText()).isEqualTo("h2");
    }

    @Test
    void adminPasswordIsGeneratedAndRequiredForTheConsole() {
        String generated = env.getProperty("bridge.admin.password");
        assertThat(generated).hasSizeGreaterThanOrEqualTo(20);
        assertThat(http.getForEntity("/actuator/jolokia/version", String.class).getStatusCode())
                .isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(http.withBasicAuth("admin", generated).getForEntity("/actuator/jolokia/version", String.class)
                .getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(http.getForObject("/api/status", String.class)).doesNotContain(generated);
    }
}
