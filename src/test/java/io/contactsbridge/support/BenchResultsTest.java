package io.contactsbridge.support;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class BenchResultsTest {

    @TempDir
    Path dir;

    @Test
    void eachBenchmarkHasItsSectionAndARerunReplacesOnlyItsOwn() throws Exception {
        String before = System.getProperty("bench.results.dir");
        System.setProperty("bench.results.dir", dir.toString());
        try {
            BenchResults.write("latency", "A", "first", "cmd a", Map.of("bench.contacts", "10"), List.of("p95 1 s"));
            BenchResults.write("latency", "B", "second", "cmd b", Map.of(), List.of("p95 2 s"));
            Path file = BenchResults.write("latency", "A", "first again", "cmd a", Map.of(), List.of("p95 3 s", "MET"));

            JsonNode root = new ObjectMapper().readTree(file.toFile());
            assertThat(file.getFileName().toString()).isEqualTo("latency.json");
            assertThat(root.path("scenario").asText()).isEqualTo("latency");
            assertThat(root.path("benchmarks").size()).isEqualTo(2);
            JsonNode a = root.path("benchmarks").path("A");
            assertThat(a.path("title").asText()).isEqualTo("first again");
            assertThat(a.path("figures").toString()).isEqualTo("[\"p95 3 s\",\"MET\"]");
            assertThat(a.path("settings").size()).isZero();
            assertThat(a.path("machine").path("cores").asInt()).isEqualTo(Runtime.getRuntime().availableProcessors());
            assertThat(a.path("machine").path("memoryBytes").asLong()).isPositive();
            assertThat(a.path("machine").path("java").asText()).contains(System.getProperty("java.version"));
            assertThat(a.path("date").asText()).matches("\\d{4}-\\d{2}-\\d{2}T.*Z");
            assertThat(root.path("benchmarks").path("B").path("figures").get(0).asText()).isEqualTo("p95 2 s");
        } finally {
            if (before == null) {
                System.clearProperty("bench.results.dir");
            } else {
                System.setProperty("bench.results.dir", before);
            }
        }
    }
}
