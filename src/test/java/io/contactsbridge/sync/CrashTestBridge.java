package io.contactsbridge.sync;

import io.contactsbridge.support.Waits;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.ContactsBridgeApplication;
import io.contactsbridge.support.PackagedJar;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import io.contactsbridge.simulator.highlevel.HighLevelWebhookKeys;
import io.contactsbridge.simulator.highlevel.StaticTokenAuthority;

/**
 * The bridge as a separate operating-system process ({@code java ... ContactsBridgeApplication}), so a test can kill
 * it the way an outage does: {@code SIGKILL}, no shutdown hooks, no graceful drain, transactions cut wherever they are.
 * Every launch uses the same arguments (same store, same port), as a restarted container would.
 *
 * <p>The child gets the test JVM's class path minus the test classes: those hold Spring test configurations that
 * component scanning would otherwise pick up. Its output goes to one log file per launch.
 */
final class CrashTestBridge implements AutoCloseable {

    /** Exit status of a process killed by SIGKILL (128 + 9), as Java reports it on Linux. */
    static final int SIGKILL_EXIT = 137;

    private static final ObjectMapper JSON = new ObjectMapper();

    private List<String> command;
    private final Path workDir;
    private final int port;
    private final String adminAuthorization;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Path> logs = new ArrayList<>();
    private Process process;

    /**
     * Settings every kill-and-restart test gives its child: leases (journal partitions, pollers) short enough that a
     * restarted process takes over a dead one's in seconds (the defaults, 30 s and 2 min, are for production; the
     * backfill's lease is renewed at each progress report, so its progress interval must stay under half of it), rate
     * budgets under the simulators' limits scaled 10x (BirdSend 5 per 100 ms, HighLevel 100 per 1 s), quiet logs.
     */
    /**
     * The sync as a user runs it, scaled for a test: sync and backfill at start-up on, both captures polling every
     * {@code pollIntervalMs}, BirdSend's rolling scan at most every 5 s, the journal read every 200 ms.
     */
    static void putLiveSyncSettings(java.util.Map<String, String> settings, long pollIntervalMs) {
        settings.put("bridge.sync.enabled", "true");
        settings.put("bridge.sync.backfill.on-startup", "true");
        settings.put("bridge.sync.poll-interval-ms", "200");
        settings.put("bridge.capture.highlevel.enabled", "true");
        settings.put("bridge.capture.highlevel.interval-ms", Long.toString(pollIntervalMs));
        settings.put("bridge.capture.birdsend.enabled", "true");
        settings.put("bridge.capture.birdsend.quick-interval-ms", Long.toString(pollIntervalMs));
        settings.put("bridge.capture.birdsend.min-pass-interval", "5s");
    }

    static void putRestartSettings(java.util.Map<String, String> settings) {
        settings.put("bridge.journal.lease-duration", "5s");
        settings.put("bridge.capture.lease-duration", "5s");
        settings.put("bridge.capture.lease-wait", "5s");
        settings.put("bridge.sync.backfill.lease-duration", "5s");
        settings.put("bridge.sync.backfill.progress-interval", "2s");
        settings.put("bridge.sync.backfill.startup-check-interval-ms", "1000");
        settings.put("bridge.outbound.birdsend.rate.windows.second.limit", "4");
        settings.put("bridge.outbound.birdsend.rate.windows.second.period", "100ms");
        settings.put("bridge.outbound.highlevel.rate.windows.burst.limit", "80");
        settings.put("bridge.outbound.highlevel.rate.windows.burst.period", "1s");
        settings.put("logging.level.root", "WARN");
        settings.put("logging.level.io.contactsbridge", "INFO");
    }

    /**
     * @param workDir  the child's working directory (its logs go here too); being outside the checkout, the
     *                 bridge loads the YAML routes packaged on the class path
     * @param settings Spring properties, passed as {@code --key=value} arguments
     */
    CrashTestBridge(Path workDir, int port, String adminPassword, Map<String, String> settings) {
        this(workDir, port, adminPassword, settings, List.of("-cp", applicationClassPath(),
                ContactsBridgeApplication.class.getName()));
    }

    private CrashTestBridge(Path workDir, int port, String adminPassword, Map<String, String> settings,
                            List<String> launch) {
        // Start fast on a busy machine: C1 only, a small serial heap.
        this(workDir, port, adminPassword, settings, List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), launch);
    }

    private CrashTestBridge(Path workDir, int port, String adminPassword, Map<String, String> settings,
                            List<String> jvmOptions, List<String> launch) {
        this.workDir = workDir;
        this.port = port;
        this.adminAuthorization = "Basic " + Base64.getEncoder()
                .encodeToString(("admin:" + adminPassword).getBytes(StandardCharsets.UTF_8));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        cmd.addAll(launch);
        settings.forEach((key, value) -> cmd.add("--" + key + "=" + value));
        this.command = List.copyOf(cmd);
    }

    /** The packaged application ({@code java -jar}), as an operator runs it, with the same settings mechanism. */
    static CrashTestBridge packagedJar(Path jar, Path workDir, int port, String adminPassword, Map<String, String> settings) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no packaged jar at " + jar + " (it exists after `./mvnw package`)");
        }
        return new CrashTestBridge(workDir, port, adminPassword, settings, List.of("-jar", jar.toString()));
    }

    /**
     * The packaged jar in the build folder ({@code contacts-bridge-<version>.jar}, not the plain {@code .jar.original}).
     */
    static Path packagedJarInBuildDir() throws IOException {
        return PackagedJar.inBuildDir();
    }

    /** A port nobody listens on right now (the child binds it later; a collision only fails the start loudly). */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    /**
     * A new, empty folder for one run (store and logs) under {@code parent}; earlier runs' folders are removed, so
     * the build folder keeps only the latest run to look at.
     */
    static Path freshRunDir(Path parent) throws IOException {
        if (Files.isDirectory(parent)) {
            try (Stream<Path> old = Files.walk(parent)) {
                for (Path p : old.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(parent)).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return Files.createDirectories(parent.resolve("run-" + System.currentTimeMillis()));
    }

    /** The build's output folder ({@code -Dbuild.dir}), found from where this class was loaded. */
    static Path buildDir() {
        return testClassesDir().getParent();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * What every live-mode child needs to run against simulators in the test JVM: its instance id, port and login, a
     * fresh encryption key, both connections with the simulators' demo credentials, and the simulator's webhook keys
     * (a live bridge trusts exactly the keys it is given). Callers add their own schedules and limits.
     */
    static Map<String, String> liveSettings(String instanceId, int port, String adminPassword, String highLevelBaseUrl,
                                            String birdSendApiBaseUrl, String birdSendToken, HighLevelWebhookKeys webhookKeys) {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Map<String, String> s = new LinkedHashMap<>();
        s.put("bridge.mode", "live");
        s.put("bridge.instance.id", instanceId);
        s.put("server.address", "127.0.0.1");
        s.put("server.port", Integer.toString(port));
        s.put("bridge.admin.password", adminPassword);
        s.put("bridge.encryption.key", Base64.getEncoder().encodeToString(key));
        s.put("bridge.connections.highlevel.kind", "private-integration");
        s.put("bridge.connections.highlevel.base-url", highLevelBaseUrl);
        s.put("bridge.connections.highlevel.location-id", HighLevelState.DEMO_LOCATION_ID);
        s.put("bridge.connections.highlevel.token", StaticTokenAuthority.DEMO_TOKEN);
        s.put("bridge.connections.birdsend.kind", "personal-access-token");
        s.put("bridge.connections.birdsend.base-url", birdSendApiBaseUrl);
        s.put("bridge.connections.birdsend.token", birdSendToken);
        s.put("bridge.highlevel.webhook.rsa-public-key", webhookKeys.rsaPublicKeyBase64());
        s.put("bridge.highlevel.webhook.ed25519-public-key", webhookKeys.ed25519PublicKeyBase64());
        return s;
    }

    /** A HighLevel connection {@code id} (Private Integration token of one location), as {@code bridge.connections.<id>.*}. */
    static void putHighLevelConnection(Map<String, String> s, String id, String baseUrl, String locationId, String token) {
        s.put("bridge.connections." + id + ".service", "highlevel");
        s.put("bridge.connections." + id + ".kind", "private-integration");
        s.put("bridge.connections." + id + ".base-url", baseUrl);
        s.put("bridge.connections." + id + ".location-id", locationId);
        s.put("bridge.connections." + id + ".token", token);
    }

    /** A BirdSend connection {@code id} (personal access token of one account), as {@code bridge.connections.<id>.*}. */
    static void putBirdSendConnection(Map<String, String> s, String id, String apiBaseUrl, String token) {
        s.put("bridge.connections." + id + ".service", "birdsend");
        s.put("bridge.connections." + id + ".kind", "personal-access-token");
        s.put("bridge.connections." + id + ".base-url", apiBaseUrl);
        s.put("bridge.connections." + id + ".token", token);
    }

    /**
     * Gives the next {@link #start} a different value for one of the settings it was made with, e.g. a new instance id
     * for a restart "on another host" (the same setting twice on the command line would be joined by Spring, not
     * replaced).
     */
    void changeSetting(String key, String value) {
        String prefix = "--" + key + "=";
        List<String> changed = new ArrayList<>(command);
        int at = -1;
        for (int i = 0; i < changed.size(); i++) {
            if (changed.get(i).startsWith(prefix)) {
                at = i;
            }
        }
        if (at < 0) {
            throw new IllegalArgumentException("the bridge was not started with setting " + key);
        }
        changed.set(at, prefix + value);
        command = List.copyOf(changed);
    }

    /** Starts a new child process; the previous one must be gone. */
    void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the bridge is already running (pid " + process.pid() + ")");
        }
        Path log = workDir.resolve("bridge-" + (logs.size() + 1) + ".log");
        logs.add(log);
        if (logs.size() == 1) {
            // Should the test JVM exit without @AfterAll (e.g. System.exit), the child must not outlive it.
            Runtime.getRuntime().addShutdownHook(new Thread(this::close, "crash-test-bridge-cleanup"));
        }
        process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    long pid() {
        return process.pid();
    }

    /**
     * Kills the child with SIGKILL ({@link Process#destroyForcibly()} on Linux) and returns its exit status,
     * {@link #SIGKILL_EXIT} if the signal did it.
     */
    int killHard() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            throw new AssertionError("the bridge (pid " + process.pid() + ") did not die within 20 s of SIGKILL");
        }
        return process.exitValue();
    }

    /**
     * Stops the child the way a redeploy does, with SIGTERM (Spring's graceful shutdown), and returns its exit status;
     * one that is still alive after {@code timeout} is killed with SIGKILL.
     */
    int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return killHard();
        }
        return process.exitValue();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Exit status of a JVM that ran its shutdown hooks after SIGTERM (128 + 15), as Java reports it on Linux. */
    static final int SIGTERM_EXIT = 143;

    /** How a {@link #terminate} went: the exit status and the time from the signal to the exit. */
    record Termination(int exitStatus, Duration took) {
    }

    /**
     * Sends SIGTERM ({@link Process#destroy()} on Linux), as {@code docker stop} or Kubernetes do, and waits for the
     * exit; fails if the process still runs after {@code timeout}.
     */
    Termination terminate(Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the bridge (pid " + process.pid() + ") still ran " + timeout + " after SIGTERM\n"
                    + logTail(80));
        }
        return new Termination(process.exitValue(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** Waits until {@code /actuator/health} answers UP; fails early, with the log, if the process exits. */
    void awaitHealthy(Duration timeout) {
        String[] last = {"no answer"};
        try {
            Waits.until("the bridge healthy", timeout, () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("the bridge exited with status " + process.exitValue() + " while starting\n"
                            + logTail(80));
                }
                try {
                    HttpResponse<String> health = send(HttpRequest.newBuilder(uri("/actuator/health")).GET(), false);
                    last[0] = health.statusCode() + " " + health.body();
                    return health.statusCode() == 200 && "UP".equals(JSON.readTree(health.body()).path("status").asText());
                } catch (IOException notListeningYet) {
                    last[0] = notListeningYet.toString();
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }, Duration.ofMillis(250));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the bridge was not healthy within " + timeout + " (last: " + last[0] + ")\n"
                    + logTail(80), e);
        }
    }

    /**
     * A full GC in the bridge, then what its heap pools held right after their last collection (their
     * {@code CollectionUsage}; with the serial GC the full GC leaves the live objects in the old generation): the live
     * heap, undisturbed by what is allocated between the GC and the reading. The GC is run by {@code jcmd} (the bridge's
     * Jolokia policy allows no JVM operations, as a reviewer expects), the pools are read over Jolokia.
     */
    long heapAfterGc() throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process gc = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), "GC.run").redirectErrorStream(true).start();
        String gcOut = new String(gc.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!gc.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || gc.exitValue() != 0) {
            throw new AssertionError("jcmd GC.run failed: " + gcOut);
        }
        JsonNode pools = getJson("/actuator/jolokia/read/java.lang:type=MemoryPool,name=*/CollectionUsage");
        if (!pools.path("value").isObject()) {
            throw new AssertionError("Jolokia did not give the pools: " + pools);
        }
        long used = 0;
        for (JsonNode pool : pools.path("value")) {
            used += pool.path("CollectionUsage").path("used").asLong(0);
        }
        return used;
    }

    /** GET with the admin login; the body as JSON. */
    JsonNode getJson(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)).GET(), true);
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** POST of a JSON body with the admin login; the answer as JSON (fails on a status other than 200 or 202). */
    JsonNode postJson(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)), true);
        if (response.statusCode() != 200 && response.statusCode() != 202) {
            throw new AssertionError("POST " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body() == null || response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
    }

    private HttpResponse<String> send(HttpRequest.Builder request, boolean admin) throws IOException, InterruptedException {
        request.timeout(Duration.ofSeconds(10));
        if (admin) {
            request.header("Authorization", adminAuthorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create(baseUrl() + path);
    }

    /** The last {@code lines} lines of every launch's log, for failure messages. */
    String logTail(int lines) {
        StringBuilder out = new StringBuilder();
        for (Path log : logs) {
            out.append("----- ").append(log).append(" (last ").append(lines).append(" lines) -----\n");
            try {
                List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
                all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> out.append(l).append('\n'));
            } catch (IOException e) {
                out.append("(unreadable: ").append(e).append(")\n");
            }
        }
        return out.toString();
    }

    List<Path> logs() {
        return List.copyOf(logs);
    }

    /** Kills the child if it still runs; never throws, so it is safe in {@code @AfterAll}. */
    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The application's class path plus {@code extraClassPath} (folders with a test's own launcher, which are not on the
     * application's class path, so no other test's child sees them), started by {@code mainClass} with these JVM
     * options.
     */
    static CrashTestBridge launchedBy(String mainClass, List<Path> extraClassPath, List<String> jvmOptions, Path workDir,
                                      int port, String adminPassword, Map<String, String> settings) {
        List<String> classPath = new ArrayList<>(List.of(applicationClassPath()));
        extraClassPath.forEach(entry -> classPath.add(entry.toString()));
        return new CrashTestBridge(workDir, port, adminPassword, settings, jvmOptions,
                List.of("-cp", String.join(File.pathSeparator, classPath), mainClass));
    }

    /** Whether a log of this child so far has {@code text}. */
    boolean logContains(String text) {
        for (Path log : logs) {
            try {
                if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(text)) {
                    return true;
                }
            } catch (IOException e) {
                // Half-written UTF-8 at the end of a log being written: read it again on the next poll.
            }
        }
        return false;
    }

    /** Waits for the child to exit by itself; its exit status and how long that took, or null if it still runs. */
    Termination awaitExit(Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return null;
        }
        return new Termination(process.exitValue(), Duration.ofNanos(System.nanoTime() - start));
    }

    private static String applicationClassPath() {
        Path testClasses = testClassesDir();
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isBlank() && !Path.of(entry).toAbsolutePath().normalize().equals(testClasses)) {
                entries.add(entry);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static Path testClassesDir() {
        try {
            return Path.of(CrashTestBridge.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toAbsolutePath().normalize();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the test classes", e);
        }
    }
}
