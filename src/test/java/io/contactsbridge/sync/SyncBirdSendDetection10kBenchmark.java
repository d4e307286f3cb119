package io.contactsbridge.sync;

import java.time.Duration;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.test.context.TestPropertySource;

/**
 * {@link SyncBirdSendDetectionBenchmark} on a 10,000-contact account, where the targets apply: every change journaled
 * with p95 at most 60 s, the poller at most at half of BirdSend's budget. Six minutes of changes per phase.
 */
@Tag("benchmark")
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
@CamelSpringBootTest
@TestPropertySource(properties = {
        "spring.datasource.url=jdbc:h2:mem:syncbench-detect-10k" + SyncBenchmark.H2_OPTIONS,
        "bridge.sandbox.birdsend.contacts=10000"})
class SyncBirdSendDetection10kBenchmark extends SyncBirdSendDetectionBenchmark {

    @Override
    int contacts() {
        return 10_000;
    }

    @Override
    Duration phase() {
        return Duration.ofMinutes(6);
    }

    @Override
    boolean assertTargets() {
        return true;
    }
}
