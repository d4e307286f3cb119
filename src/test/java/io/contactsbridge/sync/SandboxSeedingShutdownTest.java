package io.contactsbridge.sync;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SIGTERM stops a sandbox that is still seeding a huge account. Seeding runs inside Spring's start-up, and Spring's
 * shutdown hook waits for the start-up to end; a seeding that never looked up would keep the process alive until it
 * finished (with 5,000,000 contacts a side, minutes, or never once the heap is full). The shutdown interrupts the
 * seeding, the start-up fails, and the JVM exits (status 143: its shutdown hooks ran).
 */
class SandboxSeedingShutdownTest {

    private static final Duration STOP_LIMIT = Duration.ofSeconds(10);

    private CrashTestBridge bridge;

    @AfterEach
    void stopBridge() {
        if (bridge != null) {
            bridge.close();
        }
    }

    @Test
    void sigtermStopsASandboxSeedingAHugeAccountWithinSeconds() throws Exception {
        Path runDir = CrashTestBridge.freshRunDir(CrashTestBridge.buildDir().resolve("sandbox-seeding-shutdown"));
        int port = CrashTestBridge.freePort();
        String adminPassword = UUID.randomUUID().toString();
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("bridge.mode", "sandbox");
        settings.put("server.address", "127.0.0.1");
        settings.put("server.port", Integer.toString(port));
        settings.put("bridge.admin.password", adminPassword);
        settings.put("bridge.sandbox.highlevel.port", Integer.toString(CrashTestBridge.freePort()));
        settings.put("bridge.sandbox.birdsend.port", Integer.toString(CrashTestBridge.freePort()));
        settings.put("bridge.sandbox.highlevel.contacts", "5000000");
        settings.put("bridge.sandbox.birdsend.contacts", "5000000");
        bridge = new CrashTestBridge(runDir, port, adminPassword, settings);
        bridge.start();

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                .until(() -> bridge.logContains("Seeding the sandbox simulators") || !bridge.isAlive());
        assertThat(bridge.isAlive()).as("the sandbox is seeding\n%s", bridge.logTail(60)).isTrue();

        CrashTestBridge.Termination stopped = bridge.terminate(STOP_LIMIT);

        assertThat(stopped.exitStatus()).as(bridge.logTail(60)).isEqualTo(CrashTestBridge.SIGTERM_EXIT);
        assertThat(bridge.logContains("seeding was interrupted")).as(bridge.logTail(60)).isTrue();
        System.out.printf("SIGTERM while seeding: exited %d after %d ms%n", stopped.exitStatus(), stopped.took().toMillis());
    }
}
