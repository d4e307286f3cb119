package io.contactsbridge.simulator.highlevel;

import io.contactsbridge.simulator.sim.RecordedRequest;
import io.contactsbridge.simulator.sim.SimClock;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * HighLevel's official Node SDK ({@code @gohighlevel/api-client}, pinned in src/test/node/sdk-conformance) as a
 * conformance client of the simulator: the script calls every contact operation the SDK offers at the SDK's
 * default settings (its {@code Version: 2023-02-21} among them; only the base URL points here), checks the
 * rate-limit headers it reads, and verifies the webhooks the simulator signs with the SDK's own verification and
 * INSTALL/UNINSTALL handling. Any error fails. Needs Node.js and {@code npm ci} in that folder ({@code .ci/run} does
 * it); without either the test says so and is skipped, never passed.
 */
class SdkConformanceTest {

    static final Path PROJECT = Path.of("src", "test", "node", "sdk-conformance");
    static final String CLIENT = "sdkapp31-c0nf0rmance";
    static final String SECRET = "sdk-app-secret";
    static final String REDIRECT = "http://sdk.test/oauth/callback";

    @Test
    void theOfficialSdkRunsEveryContactOperationAndVerifiesTheSimulatorsWebhooks() throws Exception {
        Optional<String> node = nodeVersion();
        skipUnless(node.isPresent(), "Node.js is not installed (no `node` on the PATH), so HighLevel's official SDK "
                + "cannot be run against the simulator. Install Node.js 18 or later and run `npm ci` in " + PROJECT);
        skipUnless(Files.isDirectory(PROJECT.resolve("node_modules/@gohighlevel/api-client")), "HighLevel's official "
                + "SDK is not installed: run `npm ci` in " + PROJECT + " (.ci/run does) to run this test");

        try (HighLevelSandbox sandbox = HighLevelSandbox.create(SimClock.system())) {
            HighLevelSimulator sim = sandbox.simulator().start(0);
            Set<String> scopes = new LinkedHashSet<>(StaticTokenAuthority.ALL_SCOPES);
            scopes.add("oauth.write");
            scopes.add("oauth.readonly");
            sandbox.oauth().registerApp(CLIENT, SECRET, List.of(REDIRECT), scopes);

            ProcessBuilder script = new ProcessBuilder("node", "conformance.js").directory(PROJECT.toFile())
                    .redirectErrorStream(true);
            script.environment().putAll(Map.of(
                    "HIGHLEVEL_URL", sim.baseUrl(),
                    "HIGHLEVEL_TOKEN", StaticTokenAuthority.DEMO_TOKEN,
                    "LOCATION_ID", HighLevelState.DEMO_LOCATION_ID,
                    "COMPANY_ID", HighLevelState.DEMO_COMPANY_ID,
                    "CLIENT_ID", CLIENT,
                    "CLIENT_SECRET", SECRET,
                    "REDIRECT_URI", REDIRECT));
            Process process = script.start();
            CompletableFuture<String> output = readAll(process.getInputStream());
            boolean finished = process.waitFor(3, TimeUnit.MINUTES);
            if (!finished) {
                process.destroyForcibly();
            }
            String log = output.get(10, TimeUnit.SECONDS);
            System.out.println("SDK conformance (node " + node.get() + "):\n" + log);

            assertThat(finished).as("the script finished within 3 minutes:\n" + log).isTrue();
            assertThat(process.exitValue()).as(log).isZero();
            assertThat(log).contains("SDK CONFORMANCE OK: 32 contact operations").contains("Version 2023-02-21");

            // What the simulator saw: every contact operation answered 2xx, every call with the SDK's default Version.
            Set<String> contactOperations = new LinkedHashSet<>();
            new HighLevelApi(sim.state(), sim::baseUrl).operations().stream()
                    .filter(op -> op.path().startsWith("/contacts")).forEach(op -> contactOperations.add(op.operationId()));
            assertThat(contactOperations).hasSize(32);
            for (String operation : contactOperations) {
                assertThat(sim.server().calls().recent(operation)).as(operation).isNotEmpty()
                        .allSatisfy(call -> assertThat(call.status()).as(operation).isBetween(200, 299));
            }
            List<RecordedRequest> api = sim.server().calls().recent().stream()
                    .filter(call -> call.path().startsWith("/contacts")).toList();
            assertThat(api).allSatisfy(call -> assertThat(call.header("Version")).isEqualTo("2023-02-21"));
            assertThat(sim.server().calls().recent(HighLevelOAuthServer.LOCATION_TOKEN_OPERATION))
                    .as("the SDK turned its agency token into a location token on INSTALL").singleElement()
                    .satisfies(call -> assertThat(call.status()).isEqualTo(200));
        }
    }

    private static void skipUnless(boolean condition, String reason) {
        if (!condition) {
            System.err.println("SKIPPED SdkConformanceTest: " + reason);
        }
        assumeTrue(condition, reason);
    }

    private static Optional<String> nodeVersion() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? Optional.of(version) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static CompletableFuture<String> readAll(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output unreadable: " + e + ")";
            }
        });
    }
}
