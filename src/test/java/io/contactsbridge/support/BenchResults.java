package io.contactsbridge.support;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where a benchmark leaves its figures for {@code bench/} (issue 15): {@code bench/results/<scenario>.json}, one
 * section per benchmark of the scenario (a later run of the same benchmark replaces its section), each with the date,
 * the commit, the machine (cores, memory, Java), the command, the settings and the figures as printed.
 * {@code -Dbench.results.dir} writes elsewhere (the default is the checkout's {@code bench/results}).
 */
public final class BenchResults {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchResults() {
    }

    /**
     * Records one benchmark's figures under its scenario.
     *
     * @param scenario  {@code backfill}, {@code ingest}, {@code latency}, {@code detection} (bench/README.md)
     * @param benchmark the benchmark's name within the scenario (its class, or class and case)
     * @param title     what it measures, one line
     * @param command   the command that measures it again
     * @param settings  what it ran with (sizes, time scale, limits)
     * @param figures   the figures, as the benchmark printed them
     */
    public static Path write(String scenario, String benchmark, String title, String command, Map<String, ?> settings,
                             List<String> figures) {
        Path file = Path.of(System.getProperty("bench.results.dir", "bench/results")).resolve(scenario + ".json");
        try {
            Files.createDirectories(file.getParent());
            ObjectNode root = Files.exists(file) ? (ObjectNode) JSON.readTree(file.toFile()) : JSON.createObjectNode();
            root.put("scenario", scenario);
            ObjectNode section = root.with("benchmarks").putObject(benchmark);
            section.put("title", title);
            section.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            section.put("commit", commit());
            section.set("machine", machine());
            section.put("command", command);
            section.set("settings", JSON.valueToTree(settings));
            ArrayNode lines = section.putArray("figures");
            figures.forEach(lines::add);
            JSON.writeValue(file.toFile(), root);
            return file;
        } catch (IOException e) {
            throw new IllegalStateException("could not write " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** The settings given on the command line for benchmarks: every {@code -Dbench.*} and {@code -Dintake.*}. */
    public static Map<String, String> givenSettings() {
        Map<String, String> given = new java.util.TreeMap<>();
        System.getProperties().forEach((k, v) -> {
            String key = k.toString();
            if ((key.startsWith("bench.") || key.startsWith("intake.")) && !key.equals("bench.results.dir")) {
                given.put(key, v.toString());
            }
        });
        return given;
    }

    /** Cores, memory and Java of the machine the figures come from. */
    public static ObjectNode machine() {
        ObjectNode m = JSON.createObjectNode();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            m.put("memoryBytes", os.getTotalMemorySize());
        }
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        return m;
    }

    /** The checkout's commit (with "+changes" when it has uncommitted ones), or null outside a git checkout. */
    static String commit() {
        try {
            String head = run("git", "rev-parse", "--short=12", "HEAD");
            if (head == null) {
                return null;
            }
            String changes = run("git", "status", "--porcelain", "--untracked-files=no");
            return changes == null || changes.isBlank() ? head : head + "+changes";
        } catch (IOException e) {
            return null;
        }
    }

    private static String run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
