package io.contactsbridge.sync;

import java.time.Duration;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.test.context.TestPropertySource;

/**
 * {@link SyncBirdSendDetectionBenchmark} on a 100,000-contact account: a pass is 1,000 pages, 400 s at half of the
 * budget, so no target of the 10,000-contact account applies; the report gives the bound the budget allows and how
 * close the bridge gets. Seven minutes of changes per phase (about one pass).
 */
@Tag("benchmark")
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
@CamelSpringBootTest
@TestPropertySource(properties = {
        "spring.datasource.url=jdbc:h2:mem:syncbench-detect-100k" + SyncBenchmark.H2_OPTIONS,
        "bridge.sandbox.birdsend.contacts=100000"})
class SyncBirdSendDetection100kBenchmark extends SyncBirdSendDetectionBenchmark {

    @Override
    int contacts() {
        return 100_000;
    }

    @Override
    Duration phase() {
        return Duration.ofMinutes(7);
    }

    @Override
    boolean assertTargets() {
        return false;
    }
}
