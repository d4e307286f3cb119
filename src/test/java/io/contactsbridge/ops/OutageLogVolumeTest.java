package io.contactsbridge.ops;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.stream.Collectors;

import io.contactsbridge.journal.ContactKeys;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.outbound.DeadLetterStore;
import io.contactsbridge.support.LogCapture;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Ten minutes with both services unreachable (connection refused), time-scaled 60 to 1 into ten seconds, at the
 * production log levels: the log stays under 200 KB and reads as lines, not stack traces. Every schedule and wait
 * that paces the bridge's attempts is divided by {@link #SCALE}: the journal's back-off, the outbound retries, the
 * pollers' intervals, the backfill's pauses and the token check (the heartbeat, which only writes to the store, keeps
 * the test profile's 200 ms: its Quartz trigger is shared with the other test contexts); the circuit breakers wait their
 * minimum of 1 s (60 s scaled, twice the production 30 s: slightly fewer trial calls). Meanwhile the sync holds
 * {@link #EVENTS} changes it cannot deliver, and nothing may be lost: they all stay in the journal.
 */
@CamelSpringBootTest
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS) // its pollers and sync stop with it
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        // A store of its own, so no other test context's sync or journal sees these events.
        "spring.datasource.url=jdbc:h2:mem:outage-log;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE",
        // The production log levels (application.properties), not the test profile's.
        "logging.level.root=INFO",
        "logging.level.io.contactsbridge=INFO",
        "bridge.sync.enabled=true",
        "bridge.sync.backfill.on-startup=true",
        "bridge.capture.highlevel.enabled=true",
        "bridge.capture.birdsend.enabled=true",
        // ---- production values / 60 ----
        "bridge.capture.highlevel.interval-ms=1000",
        "bridge.capture.birdsend.quick-interval-ms=500",
        "bridge.capture.birdsend.full-interval-ms=15000",
        "bridge.journal.retry-initial-delay=17ms",
        "bridge.journal.retry-max-delay=5s",
        "bridge.outbound.retry.maximum-redeliveries=4",
        "bridge.outbound.retry.initial-delay=8ms",
        "bridge.outbound.retry.multiplier=2",
        "bridge.outbound.retry.maximum-delay=500ms",
        "bridge.auth.refresh-check-interval=1s",
        // ---- the production breakers (the test profile's open sooner), waiting their minimum ----
        "camel.resilience4j.configurations.highlevel.sliding-window-size=20",
        "camel.resilience4j.configurations.highlevel.minimum-number-of-calls=10",
        "camel.resilience4j.configurations.highlevel.wait-duration-in-open-state=1",
        "camel.resilience4j.configurations.highlevel.permitted-number-of-calls-in-half-open-state=3",
        "camel.resilience4j.configurations.birdsend.sliding-window-size=20",
        "camel.resilience4j.configurations.birdsend.minimum-number-of-calls=10",
        "camel.resilience4j.configurations.birdsend.wait-duration-in-open-state=1",
        "camel.resilience4j.configurations.birdsend.permitted-number-of-calls-in-half-open-state=3",
})
@ActiveProfiles("test")
class OutageLogVolumeTest {

    static final int SCALE = 60;
    static final Duration TEN_MINUTES_SCALED = Duration.ofMinutes(10).dividedBy(SCALE);
    static final long MAX_LOG_BYTES = 200 * 1024;
    static final int EVENTS = 40;

    @Autowired
    JournalStore journal;
    @Autowired
    DeadLetterStore deadLetters;
    @Value("${bridge.sync.consumer}")
    String consumer;

    /** Both connections point at a port nobody listens on. */
    @DynamicPropertySource
    static void unreachableServices(DynamicPropertyRegistry registry) throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closed;
        registry.add("bridge.connections.highlevel.kind", () -> "private-integration");
        registry.add("bridge.connections.highlevel.base-url", () -> url);
        registry.add("bridge.connections.highlevel.location-id", () -> "OutageLocation00000001");
        registry.add("bridge.connections.highlevel.token", () -> "pit-outage-test");
        registry.add("bridge.connections.birdsend.kind", () -> "personal-access-token");
        registry.add("bridge.connections.birdsend.base-url", () -> url + "/v1");
        registry.add("bridge.connections.birdsend.token", () -> "outage-test-token");
    }

    @Test
    void tenMinutesWithBothServicesUnreachableLogLessThan200KbAndNoStackTraces() {
        try (LogCapture log = LogCapture.open()) {
            for (int i = 0; i < EVENTS; i++) {
                String contact = "OutageContact" + i;
                journal.append(JournalSources.HIGHLEVEL_WEBHOOK, "ContactUpdate", "outage-" + i, ContactKeys.highLevel(contact),
                        "{\"type\":\"ContactUpdate\",\"locationId\":\"OutageLocation00000001\",\"id\":\"" + contact + "\"}");
            }
            long end = System.nanoTime() + TEN_MINUTES_SCALED.toNanos();
            // The sync has tried (and failed) by the time the journal shows its consumer; then the clock runs out.
            await().atMost(Duration.ofSeconds(30)).until(() -> journal.registered(consumer) && System.nanoTime() >= end);

            String summary = log.lines() + " lines, " + log.bytes() + " bytes; by logger " + log.bytesByLogger()
                    + "\n---- first lines ----\n" + log.events().stream().limit(60).map(LogCapture.Captured::text)
                    .collect(Collectors.joining());
            System.out.println("OutageLogVolumeTest: " + summary);
            assertThat(log.bytes()).as("bytes logged in ten (scaled) minutes: %s", summary).isLessThan(MAX_LOG_BYTES);
            assertThat(log.events(LogCapture.Captured::hasStackTrace)).as("stack traces: %s", summary).isEmpty();
            // The sync did try: its failures are in the log, once per attempt and not as Camel's error report.
            assertThat(log.events(c -> c.message().startsWith("Journal consumer 'contact-sync' could not process event")))
                    .as("journal consumer failures: %s", summary).isNotEmpty();
            assertThat(log.events(c -> c.message().contains("; retry 1 of 4 in "))).as("retry lines").isNotEmpty();
        }
        // Nothing given up on, nothing lost: every change still waits in the journal.
        assertThat(deadLetters.count()).isZero();
        assertThat(journal.pending(consumer)).isEqualTo(EVENTS);
    }
}
