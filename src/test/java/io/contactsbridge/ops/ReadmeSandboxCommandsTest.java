package io.contactsbridge.ops;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.contactsbridge.sandbox.SandboxSimulators;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's commands run as pasted. Every fenced {@code bash} block right after the marker
 * {@value #MARKER} is run with {@code bash -e -o pipefail} against a started sandbox, and must exit 0; the
 * {@code curl} it calls fails on an HTTP error status (the README's own {@code curl -s} would print the error and
 * go on). The sandbox runs here on free ports, so the blocks' {@code localhost:8080}, {@code :8091} and
 * {@code :8092} are pointed at the bridge and the two simulators; each block runs in a folder of its own that
 * holds the sandbox's {@code data/sandbox-admin-password}, as the checkout does after {@code ./mvnw spring-boot:run}.
 *
 * <p>The commands read ids and tokens with {@code jq}. Without it this test is skipped, except under CI
 * ({@code CI=true}), where {@code .ci/run} installs it.
 */
@CamelSpringBootTest
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS) // its pollers and sync stop with it
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:readme-commands;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;"
                + "DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE",
})
@ActiveProfiles({"test", "sandbox"})
@TestPropertySource(locations = "classpath:live-sync-test.properties")
class ReadmeSandboxCommandsTest {

    static final String MARKER = "<!-- sandbox-test -->";
    private static final Path README = Path.of("README.md");
    private static final Duration BLOCK_TIMEOUT = Duration.ofSeconds(90);
    /** What a placeholder looks like: {@code <id>}, {@code <their email>}, {@code <sandbox.birdsend.token>}. */
    private static final Pattern PLACEHOLDER = Pattern.compile("<[a-z][a-z .\\-]*>");
    /** Makes every curl of a block fail on an HTTP error status, so a 401 or 404 fails the block. */
    private static final String FAIL_ON_HTTP_ERRORS = "curl() { command curl --fail-with-body \"$@\"; }\n";

    private static Path workDir;

    @Autowired
    SandboxSimulators sims;
    @LocalServerPort
    int port;

    /** The generated admin password goes to this run's folder, where the blocks find it as data/sandbox-admin-password. */
    @DynamicPropertySource
    static void passwordFile(DynamicPropertyRegistry registry) throws IOException {
        workDir = Files.createTempDirectory("readme-commands");
        registry.add("bridge.sandbox.admin-password-file", () -> workDir.resolve("data/sandbox-admin-password").toString());
    }

    @Test
    void noCommandBlockHasAPlaceholder() throws IOException {
        List<Block> blocks = blocks(false);
        assertThat(blocks).hasSizeGreaterThanOrEqualTo(5);
        for (Block block : blocks) {
            List<String> found = new ArrayList<>();
            Matcher placeholder = PLACEHOLDER.matcher(block.script());
            while (placeholder.find()) {
                found.add(placeholder.group());
            }
            assertThat(found).as("placeholders in the README block at line %d", block.line()).isEmpty();
        }
    }

    @Test
    void everySandboxCommandBlockRunsAsPasted() throws Exception {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        boolean jq = run(List.of("bash", "-c", "command -v jq"), Path.of("."), Duration.ofSeconds(10)).exit() == 0;
        if (ci) {
            assertThat(jq).as("jq is installed (CI installs it: .ci/run)").isTrue();
        }
        assumeThat(jq).as("jq is not installed: the README's sandbox commands need it (apt-get install jq); skipped").isTrue();

        List<Block> blocks = blocks(true);
        assertThat(blocks).as("README blocks marked %s", MARKER).hasSizeGreaterThanOrEqualTo(3);
        Map<String, String> ports = Map.of(
                "localhost:8080", "localhost:" + port,
                "localhost:8091", "localhost:" + URI.create(sims.highLevel().baseUrl()).getPort(),
                "localhost:8092", "localhost:" + URI.create(sims.birdSend().apiBaseUrl()).getPort());
        // The sandbox is up when its status answers and the password file is written (at ApplicationReady).
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(workDir.resolve("data/sandbox-admin-password")));

        for (Block block : blocks) {
            String script = block.script();
            for (Map.Entry<String, String> p : ports.entrySet()) {
                script = script.replace(p.getKey(), p.getValue());
            }
            Result result = run(List.of("bash", "-e", "-o", "pipefail", "-c", FAIL_ON_HTTP_ERRORS + script), workDir,
                    BLOCK_TIMEOUT);
            System.out.printf("README block at line %d: exit %d%n%s%n", block.line(), result.exit(), result.output());
            assertThat(result.exit()).as("README block at line %d exited with %d:%n%s%n---- output ----%n%s",
                    block.line(), result.exit(), block.script(), result.output()).isZero();
        }
        // The walk-through's rename reached BirdSend: the blocks did what the README says they do.
        await().atMost(Duration.ofSeconds(30)).until(() -> sims.birdSend().contacts().stream()
                .anyMatch(c -> "Okafor".equals(c.lastName())));
    }

    // ---- README blocks ------------------------------------------------------------------------------------------

    record Block(int line, String script) {
    }

    /** The README's fenced bash blocks: only those after the marker, or all of them. */
    static List<Block> blocks(boolean markedOnly) throws IOException {
        List<String> lines = Files.readAllLines(README, StandardCharsets.UTF_8);
        List<Block> blocks = new ArrayList<>();
        boolean marked = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.equals(MARKER)) {
                marked = true;
                continue;
            }
            if (line.startsWith("```")) {
                boolean bash = line.equals("```bash");
                if (marked && !bash) {
                    throw new AssertionError("README line " + (i + 1) + ": " + MARKER + " must come right before a ```bash block");
                }
                int start = i + 1;
                StringBuilder script = new StringBuilder();
                for (i = start; i < lines.size() && !lines.get(i).trim().equals("```"); i++) {
                    script.append(lines.get(i)).append('\n');
                }
                if (bash && (marked || !markedOnly)) {
                    blocks.add(new Block(start, script.toString()));
                }
                marked = false;
            } else if (!line.isEmpty()) {
                if (marked) {
                    throw new AssertionError("README line " + (i + 1) + ": " + MARKER + " must come right before a ```bash block");
                }
            }
        }
        return blocks;
    }

    // ---- running ------------------------------------------------------------------------------------------------

    record Result(int exit, String output) {
    }

    private static Result run(List<String> command, Path dir, Duration timeout) throws IOException, InterruptedException {
        Path output = Files.createTempFile("readme-block", ".out");
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                return new Result(-1, "(still running after " + timeout + ")\n" + Files.readString(output));
            }
            return new Result(process.exitValue(), Files.readString(output));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
