package io.contactsbridge.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.ContactsBridgeApplication;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.DisableJmx;
import io.contactsbridge.support.Http;
import io.contactsbridge.support.Waits;
import java.time.Duration;
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
    void statusShowsBothSimulatorsAndTheirDemoCredentialsWhichWork() throws Exception {
        JsonNode sandbox = http.getForObject("/api/status", JsonNode.class).path("sandbox");
        String hlUrl = sandbox.path("highlevel").path("url").asText();
        String hlToken = sandbox.path("highlevel").path("token").asText();
        String location = sandbox.path("highlevel").path("locationId").asText();
        String bsUrl = sandbox.path("birdsend").path("url").asText();
        String bsToken = sandbox.path("birdsend").path("token").asText();
        assertThat(sandbox.path("highlevel").path("contacts").asInt()).isEqualTo(20);
        assertThat(sandbox.path("birdsend").path("contacts").asInt()).isEqualTo(20);

        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        var hl = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(hlUrl + "/contacts/?locationId=" + location))
                .header("Authorization", "Bearer " + hlToken).header("Version", "2021-07-28").build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(hl.statusCode()).isEqualTo(200);
        assertThat(hl.body()).contains("\"contacts\"");
        var bs = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(bsUrl + "/contacts"))
                .header("Authorization", "Bearer " + bsToken).header("Accept", "application/json").build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(bs.statusCode()).isEqualTo(200);
        assertThat(bs.body()).contains("\"current_page\"");
    }

    @Autowired
    io.contactsbridge.journal.JournalStore journal;

    @Test
    void anEditInTheSimulatedAppArrivesAsAVerifiedWebhookInTheJournal() throws Exception {
        JsonNode sandbox = http.getForObject("/api/status", JsonNode.class).path("sandbox").path("highlevel");
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        var contacts = client.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(sandbox.path("url").asText() + "/__admin/contacts")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        JsonNode list = new com.fasterxml.jackson.databind.ObjectMapper().readTree(contacts.body());
        JsonNode first = list.isArray() ? list.get(0) : list.path("contacts").get(0);
        String contactId = first.path("id").asText();
        long before = journal.count();

        var edit = client.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(sandbox.path("url").asText() + "/__admin/contacts/" + contactId + "/edit"))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"firstName\":\"Renée\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(edit.statusCode()).isEqualTo(200);

        Waits.until("the webhook journaled", Duration.ofSeconds(10), () -> journal.count() > before);
        var events = journal.events(java.util.List.of("highlevel-webhook"), 0, 1000);
        assertThat(events).anySatisfy(e -> {
            assertThat(e.eventType()).isEqualTo("ContactUpdate");
            assertThat(e.payload()).contains(contactId, "Renée");
        });
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
