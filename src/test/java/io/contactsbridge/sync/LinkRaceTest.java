package io.contactsbridge.sync;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.mapping.CanonicalContact;
import io.contactsbridge.sandbox.SandboxSimulators;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import io.contactsbridge.support.LogCapture;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The race the design expects between the backfill and the live sync: both decide a person is unlinked, both link
 * them, and the second insert hits the unique index {@code sync_link_highlevel}. It is resolved by doing the work
 * again (which finds the link), so it must read as at most one INFO line: no ERROR, no WARN, no stack trace.
 * {@link RacingLinkStore} forces the race deterministically: the insert it is told to race is preceded by the same
 * link inserted "by someone else", once in the start-up backfill and once in the live sync of a new contact.
 */
@CamelSpringBootTest
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS) // its pollers and sync stop with it
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        // A store of its own (see SyncEndToEndTest).
        "spring.datasource.url=jdbc:h2:mem:link-race" + SyncBenchmark.H2_OPTIONS,
        // Started by the test, once the log is captured (Spring Boot sets up logging afresh while it starts).
        "bridge.sync.backfill.on-startup=false",
})
@ActiveProfiles({"test", "sandbox"})
@TestPropertySource(locations = "classpath:live-sync-test.properties")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LinkRaceTest {

    private LogCapture log;

    /** The link the other writer made just before the sync's own insert: HighLevel id, BirdSend id. */
    static final AtomicReference<String[]> RACED = new AtomicReference<>();
    /** Inserts still to race. */
    static final AtomicInteger RACES_PENDING = new AtomicInteger();

    /** A LinkStore whose next insert finds the same link made a moment before, as the other writer would. */
    static class RacingLinkStore extends LinkStore {
        RacingLinkStore(JdbcTemplate jdbc, ObjectMapper json, Clock clock) {
            super(jdbc, json, clock);
        }

        @Override
        public ContactLink insert(SyncPair pair, String highlevelId, String birdsendId, String email, CanonicalContact shadow) {
            if (RACES_PENDING.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                super.insert(pair, highlevelId, birdsendId, email, shadow);
                RACED.set(new String[] {highlevelId, birdsendId});
            }
            return super.insert(pair, highlevelId, birdsendId, email, shadow);
        }

        /** A contact the sync just created is linked this way: raced the same. */
        @Override
        public ContactLink insertCreated(SyncPair pair, String highlevelId, String birdsendId, String email,
                                         CanonicalContact shadow) {
            if (RACES_PENDING.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                super.insert(pair, highlevelId, birdsendId, email, shadow);
                RACED.set(new String[] {highlevelId, birdsendId});
            }
            return super.insertCreated(pair, highlevelId, birdsendId, email, shadow);
        }
    }

    @TestConfiguration
    static class Racing {
        @Bean
        @Primary
        LinkStore racingLinkStore(JdbcTemplate jdbc, ObjectMapper json, Clock clock) {
            return new RacingLinkStore(jdbc, json, clock);
        }
    }

    @Autowired
    SandboxSimulators sims;
    @Autowired
    Backfill backfill;
    @Autowired
    LinkStore links;
    @Autowired
    SyncProperties props;
    @Autowired
    JournalStore journal;
    @Value("${bridge.sync.consumer}")
    String consumer;

    @BeforeEach
    void capture() {
        log = LogCapture.open();
    }

    @AfterEach
    void stopCapturing() {
        log.close();
    }

    @Test
    @Order(1)
    void aBackfillRaceIsOneInfoLine() {
        RACES_PENDING.set(1);
        assertThat(backfill.start(false, false)).isPresent();
        await("backfill done").atMost(Duration.ofSeconds(60)).until(() -> "done".equals(backfill.snapshot().state()));
        String[] raced = RACED.get();
        assertThat(raced).as("the backfill's first link was raced").isNotNull();
        assertThat(links.byHighLevel(props.pair(), raced[0])).get().extracting(ContactLink::birdsendId).isEqualTo(raced[1]);
        assertThat(backfill.snapshot().counts()).doesNotContainKey("failed");
        assertQuiet(raced);
    }

    @Test
    @Order(2)
    void aLiveSyncRaceIsOneInfoLine() {
        await("backfill done").atMost(Duration.ofSeconds(60)).until(() -> "done".equals(backfill.snapshot().state()));
        await("the sync caught up").atMost(Duration.ofSeconds(30)).until(() -> journal.pending(consumer) == 0);
        RACED.set(null);
        RACES_PENDING.set(1);
        long bsId = sims.birdSend().seedContact(BirdSendNewContact.of("racer-" + System.nanoTime() + "@example.com",
                "Rae", "Racer")).contactId();
        Optional<ContactLink> link = await("the new BirdSend contact linked").atMost(Duration.ofSeconds(30))
                .until(() -> links.byBirdSend(props.pair(), Long.toString(bsId)), Optional::isPresent);
        String[] raced = RACED.get();
        assertThat(raced).as("the live sync's link was raced").isNotNull();
        assertThat(raced[1]).isEqualTo(Long.toString(bsId));
        assertThat(link.get().highlevelId()).isEqualTo(raced[0]);
        assertThat(sims.highLevel().state().contacts().stream()
                .filter(c -> c.path("id").asText().equals(raced[0]))).hasSize(1);
        // The event is done, not left failing in the journal to be retried later.
        await("the sync caught up").atMost(Duration.ofSeconds(10)).until(() -> journal.pending(consumer) == 0);
        assertQuiet(raced);
    }

    /** About the raced link: one INFO line and no warning; no ERROR and no stack trace at all. */
    private void assertQuiet(String[] raced) {
        List<LogCapture.Captured> aboutIt = log.events(c -> c.message().contains("linked meanwhile")
                && c.message().contains(raced[0]));
        assertThat(aboutIt).as("lines about the conflict").hasSize(1);
        assertThat(aboutIt.get(0).event().getLevel().toString()).isEqualTo("INFO");
        String backfillKey = "b:" + "0".repeat(Math.max(0, 20 - raced[1].length())) + raced[1];
        assertThat(log.events(c -> c.event().getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN)
                && (c.text().contains(raced[0]) || c.text().contains("birdsend:" + raced[1])
                || c.text().contains(backfillKey) || c.text().contains("BirdSend contact " + raced[1])))
                .stream().map(LogCapture.Captured::text)).as("warnings about the raced contacts").isEmpty();
        assertThat(log.events(c -> c.event().getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.ERROR))
                .stream().map(LogCapture.Captured::text)).as("errors").isEmpty();
        assertThat(log.events(LogCapture.Captured::hasStackTrace).stream().map(LogCapture.Captured::text))
                .as("stack traces").isEmpty();
        assertThat(log.events(c -> c.text().contains("DuplicateKey") || c.text().contains("sync_link_"))).isEmpty();
    }
}
