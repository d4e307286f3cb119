package io.contactsbridge.sync;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.contactsbridge.ops.OutOfMemoryExit;
import io.contactsbridge.ops.OutOfMemoryTrigger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Out of memory is fatal, not half-dead: a bridge (a child JVM with a small heap, started as {@code java -jar} users
 * may start it, without {@code -XX:+ExitOnOutOfMemoryError}) that runs out of memory in a Camel route (where Camel
 * catches the error for its error handler) or in a thread of its own exits within seconds, with status
 * {@value OutOfMemoryExit#EXIT_STATUS} (what {@code -XX:+ExitOnOutOfMemoryError} exits with) and a line saying why.
 * The allocation is {@link OutOfMemoryTrigger}'s, a test-only route given to this child alone.
 */
class OutOfMemoryExitTest {

    private static final Duration EXIT_LIMIT = Duration.ofSeconds(15);

    private CrashTestBridge bridge;

    @AfterEach
    void stopBridge() {
        if (bridge != null) {
            bridge.close();
        }
    }

    @ParameterizedTest(name = "out of memory in {0}")
    @CsvSource({"route, Camel route test-out-of-memory-route", "thread, thread test-out-of-memory"})
    void theJvmExitsWithinSecondsWhenItRunsOutOfMemory(String where, String reported) throws Exception {
        Path runDir = CrashTestBridge.freshRunDir(CrashTestBridge.buildDir().resolve("out-of-memory-" + where));
        int port = CrashTestBridge.freePort();
        String adminPassword = UUID.randomUUID().toString();
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("bridge.mode", "sandbox");
        settings.put("server.address", "127.0.0.1");
        settings.put("server.port", Integer.toString(port));
        settings.put("bridge.admin.password", adminPassword);
        settings.put("bridge.sandbox.highlevel.port", Integer.toString(CrashTestBridge.freePort()));
        settings.put("bridge.sandbox.birdsend.port", Integer.toString(CrashTestBridge.freePort()));
        settings.put("bridge.sandbox.highlevel.contacts", "20");
        settings.put("bridge.sandbox.birdsend.contacts", "20");
        settings.put("spring.main.sources", OutOfMemoryTrigger.class.getName());
        bridge = CrashTestBridge.launchedBy("io.contactsbridge.ContactsBridgeApplication", List.of(triggerClassFolder(runDir)),
                List.of("-Xmx160m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), runDir, port, adminPassword, settings);
        bridge.start();
        bridge.awaitHealthy(Duration.ofSeconds(120));

        long start = System.nanoTime();
        try {
            request(port, adminPassword, "/test/out-of-memory/" + where);
        } catch (IOException noAnswer) {
            // The JVM halted while answering.
        }
        CrashTestBridge.Termination exit = bridge.awaitExit(EXIT_LIMIT);
        assertThat(exit).as("the bridge still ran %s after running out of memory\n%s", EXIT_LIMIT, bridge.logTail(60))
                .isNotNull();
        System.out.printf("Out of memory in a %s: exited %d after %d ms%n", where, exit.exitStatus(),
                Duration.ofNanos(System.nanoTime() - start).toMillis());
        assertThat(exit.exitStatus()).as(bridge.logTail(60)).isEqualTo(OutOfMemoryExit.EXIT_STATUS);
        assertThat(bridge.logContains("FATAL: OutOfMemoryError; halting the JVM")).as(bridge.logTail(60)).isTrue();
        assertThat(bridge.logContains("In: " + reported)).as(bridge.logTail(60)).isTrue();
    }

    /** A folder holding the trigger's class alone, for the child's class path. */
    private static Path triggerClassFolder(Path runDir) throws IOException, URISyntaxException {
        String file = OutOfMemoryTrigger.class.getName().replace('.', '/') + ".class";
        Path target = runDir.resolve("trigger-classes").resolve(file);
        Files.createDirectories(target.getParent());
        Files.copy(Path.of(OutOfMemoryTrigger.class.getClassLoader().getResource(file).toURI()), target);
        return runDir.resolve("trigger-classes");
    }

    private static void request(int port, String adminPassword, String path) throws IOException, InterruptedException {
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString(("admin:" + adminPassword).getBytes(StandardCharsets.UTF_8)))
                .timeout(EXIT_LIMIT).GET().build(), HttpResponse.BodyHandlers.discarding());
    }
}
