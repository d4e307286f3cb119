package io.contactsbridge.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.simulator.highlevel.HighLevelSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import io.contactsbridge.simulator.highlevel.StaticTokenAuthority;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.support.PackagedJar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulators jar {@code ./mvnw package} makes: both simulators, started with {@code java -jar} and its arguments,
 * answer with their seeded contacts, and the jar holds no class of the product.
 *
 * <p>A failsafe integration test: the jar exists only after {@code package}. Alone: {@code ./mvnw -B verify
 * -Dbuild.dir=/tmp/it-target -Dtest=None -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=SimulatorsJarIT}.
 */
class SimulatorsJarIT {

    private static final Pattern LISTENING = Pattern.compile("^(\\w+) simulator listening on (http://\\S+)");
    private static final Pattern BIRDSEND_TOKEN = Pattern.compile("^Personal access token: +(\\S+)");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theJarHoldsTheSimulatorsAndTheirLibrariesButNoProductClass() throws IOException {
        try (JarFile jar = new JarFile(PackagedJar.simulatorsInBuildDir().toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                    .isEqualTo(SimulatorsMain.class.getName());
            List<String> classes = jar.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class")).toList();
            assertThat(classes).filteredOn(n -> n.startsWith("io/contactsbridge/"))
                    .as("classes of this project")
                    .contains("io/contactsbridge/simulator/SimulatorsMain.class",
                            "io/contactsbridge/simulator/highlevel/HighLevelSimulator.class",
                            "io/contactsbridge/simulator/birdsend/BirdSendSimulator.class")
                    .allMatch(n -> n.startsWith("io/contactsbridge/simulator/"));
            assertThat(classes).as("no other library than Jackson, nothing of Spring Boot's packaging")
                    .allMatch(n -> n.startsWith("io/contactsbridge/simulator/") || n.startsWith("com/fasterxml/jackson/")
                            || n.startsWith("META-INF/versions/"));
            assertThat(jar.getEntry("META-INF/LICENSE")).isNotNull();
            assertThat(jar.getEntry("META-INF/NOTICE")).isNotNull();
        }
    }

    @Test
    @Timeout(120)
    void javaMinusJarStartsBothSimulatorsWhichAnswerWithTheirSeededContacts() throws Exception {
        Path jar = PackagedJar.simulatorsInBuildDir();
        Process process = new ProcessBuilder(java(), "-jar", jar.toString(), "--highlevel-port=0", "--birdsend-port=0",
                "--highlevel-seed=3", "--birdsend-seed=4").redirectErrorStream(true).start();
        List<String> output = new ArrayList<>();
        try {
            String highLevelUrl = null;
            String birdSendUrl = null;
            String birdSendToken = null;
            BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            while (highLevelUrl == null || birdSendUrl == null) {
                String line = lines.readLine();
                assertThat(line).as("the simulators' output until both listen: " + output).isNotNull();
                output.add(line);
                Matcher listening = LISTENING.matcher(line);
                Matcher token = BIRDSEND_TOKEN.matcher(line);
                if (listening.find()) {
                    if (listening.group(1).equals("highlevel")) {
                        highLevelUrl = listening.group(2);
                    } else {
                        birdSendUrl = listening.group(2);
                    }
                } else if (token.find()) {
                    birdSendToken = token.group(1);
                }
            }

            JsonNode highLevel = get(highLevelUrl + "/contacts/?locationId=" + HighLevelState.DEMO_LOCATION_ID,
                    StaticTokenAuthority.DEMO_TOKEN, HighLevelSimulator.API_VERSION);
            assertThat(highLevel.path("meta").path("total").asInt()).as(highLevel.toString()).isEqualTo(3);
            JsonNode birdSend = get(birdSendUrl + "/v1/contacts", birdSendToken, null);
            assertThat(birdSend.path("meta").path("total").asInt()).as(birdSend.toString()).isEqualTo(4);
        } finally {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        assertThat(process.exitValue()).as("stopped by SIGTERM: " + output).isEqualTo(143);
    }

    private JsonNode get(String url, String token, String version) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).header("Accept", "application/json");
        if (version != null) {
            request.header("Version", version);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(200);
        return SimJson.parse(response.body());
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
