package io.contactsbridge.ops;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import io.contactsbridge.ContactsBridgeApplication;
import io.contactsbridge.sandbox.SandboxSimulators;
import io.contactsbridge.sandbox.SandboxWorld;
import io.contactsbridge.simulator.birdsend.BirdSendNewContact;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.support.LogCapture;
import io.contactsbridge.sync.Backfill;
import io.contactsbridge.sync.BackfillProgress;
import io.contactsbridge.sync.ContactLink;
import io.contactsbridge.sync.LinkStore;
import io.contactsbridge.sync.SyncProperties;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ./mvnw spring-boot:run} twice in a row, as a newcomer does: the sandbox (sync, start-up backfill and both
 * pollers on, time-scaled) runs on an H2 file store, stops, and starts again on the same file. The simulators are
 * seeded afresh at the second start (BirdSend reuses its contact ids, HighLevel's are new), so the store starts over
 * with them, and the demo works as the first time: the backfill runs again, no pair is unlinked, a new BirdSend
 * contact (with the id the first run's new contact had) reaches HighLevel and a new HighLevel contact reaches
 * BirdSend, none skipped as "partner deleted". Then a live bridge started on that store with
 * {@code bridge.sandbox.reset=true} leaves it as it is: the reset never applies in live mode.
 *
 * <p>Each start is a Spring application of its own, closed before the next one starts, as a stopped process is.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxRestartTest {

    private static final Duration ARRIVAL = Duration.ofSeconds(30);

    @TempDir
    static Path dataDir;

    /** The first run's new BirdSend contact id: the second run's new contact gets it again. */
    static long firstRunNewBirdSendId;
    static String firstRunBackfill;

    @Test
    @Order(1)
    void theFirstRunSyncsNewContactsBothWays() throws IOException {
        try (ConfigurableApplicationContext app = sandbox()) {
            BackfillProgress backfill = awaitBackfill(app);
            firstRunBackfill = backfill.runId();
            firstRunNewBirdSendId = newBirdSendContactReachesHighLevel(app, "first");
            newHighLevelContactReachesBirdSend(app, "first");
            assertAllLinksLive(app);
        }
    }

    @Test
    @Order(2)
    void theSecondRunIsTheSameDemo() throws IOException {
        assertThat(firstRunBackfill).as("the first run ran").isNotNull();
        try (ConfigurableApplicationContext app = sandbox()) {
            BackfillProgress backfill = awaitBackfill(app);
            assertThat(backfill.runId()).as("the backfill runs again for the new world").isNotEqualTo(firstRunBackfill);
            assertThat(backfill.counts()).doesNotContainKeys("unlinked", "failed");
            assertAllLinksLive(app);
            assertThat(store(app).queryForObject("SELECT world_id FROM sandbox_world", String.class))
                    .isEqualTo(app.getBean(SandboxWorld.class).id());

            try (LogCapture log = LogCapture.open()) {
                long bsId = newBirdSendContactReachesHighLevel(app, "second");
                assertThat(bsId).as("BirdSend reuses the first run's id").isEqualTo(firstRunNewBirdSendId);
                newHighLevelContactReachesBirdSend(app, "second");
                assertAllLinksLive(app);
                assertThat(log.events(c -> c.message().contains("was deleted")).stream().map(LogCapture.Captured::text))
                        .as("contacts skipped for a partner deleted").isEmpty();
            }
        }
    }

    @Test
    @Order(3)
    void aLiveBridgeNeverResetsTheStore() throws IOException {
        assertThat(firstRunBackfill).as("the sandbox ran").isNotNull();
        JdbcTemplate file = new JdbcTemplate(new org.springframework.jdbc.datasource.SingleConnectionDataSource(
                storeUrl(), "sa", "", true));
        long links = file.queryForObject("SELECT COUNT(*) FROM sync_link", Long.class);
        String world = file.queryForObject("SELECT world_id FROM sandbox_world", String.class);
        ((org.springframework.jdbc.datasource.SingleConnectionDataSource) file.getDataSource()).destroy();
        assertThat(links).isPositive();

        try (ConfigurableApplicationContext app = start(List.of("test"), args(false,
                "--bridge.sandbox.reset=true", "--bridge.sandbox.reset-on-reseed=true", "--bridge.sync.enabled=false",
                "--bridge.sync.backfill.on-startup=false"))) {
            assertThat(app.getEnvironment().getProperty("bridge.mode")).isEqualTo("live");
            assertThat(count(app, "sync_link")).isEqualTo(links);
            assertThat(store(app).queryForObject("SELECT world_id FROM sandbox_world", String.class)).isEqualTo(world);
        }
    }

    // ---- the two flows --------------------------------------------------------------------------------

    private static long newBirdSendContactReachesHighLevel(ConfigurableApplicationContext app, String run) {
        SandboxSimulators sims = app.getBean(SandboxSimulators.class);
        String email = "restart-bs-" + run + "@example.com";
        long bsId = sims.birdSend().seedContact(BirdSendNewContact.of(email, "Bea", "Restart")).contactId();
        ContactLink link = await("BirdSend contact " + bsId + " linked").atMost(ARRIVAL)
                .until(() -> links(app).byBirdSend(pair(app), Long.toString(bsId)), Optional::isPresent).get();
        assertThat(link.isLive()).isTrue();
        assertThat(sims.highLevel().state().contact(link.highlevelId())).get()
                .satisfies(c -> assertThat(c.path("email").asText()).isEqualToIgnoringCase(email));
        return bsId;
    }

    private static void newHighLevelContactReachesBirdSend(ConfigurableApplicationContext app, String run) {
        SandboxSimulators sims = app.getBean(SandboxSimulators.class);
        String email = "restart-hl-" + run + "@example.com";
        String hlId = sims.highLevel().state().createContactAsUser(sims.highLevelLocationId(), SimJson.object()
                .put("email", email).put("firstName", "Hal").put("lastName", "Restart")).get("id").asText();
        ContactLink link = await("HighLevel contact " + hlId + " linked").atMost(ARRIVAL)
                .until(() -> links(app).byHighLevel(pair(app), hlId), Optional::isPresent).get();
        assertThat(link.isLive()).isTrue();
        assertThat(sims.birdSend().contact(Long.parseLong(link.birdsendId()))).get()
                .satisfies(c -> assertThat(c.email()).isEqualToIgnoringCase(email));
    }

    /** Every link is live and names contacts that exist in this run's simulators. */
    private static void assertAllLinksLive(ConfigurableApplicationContext app) {
        SandboxSimulators sims = app.getBean(SandboxSimulators.class);
        Map<String, ContactLink> all = links(app).all(pair(app));
        assertThat(all).isNotEmpty();
        List<String> problems = new ArrayList<>();
        all.values().forEach(l -> {
            if (!l.isLive()) {
                problems.add(l.birdsendId() + " <-> " + l.highlevelId() + " unlinked (" + l.unlinkedSide() + ")");
            } else if (sims.highLevel().state().contact(l.highlevelId()).isEmpty()
                    || sims.birdSend().contact(Long.parseLong(l.birdsendId())).isEmpty()) {
                problems.add(l.birdsendId() + " <-> " + l.highlevelId() + " names a contact this run does not have");
            }
        });
        assertThat(problems).isEmpty();
    }

    // ---- starting the app -------------------------------------------------------------------------------

    private static BackfillProgress awaitBackfill(ConfigurableApplicationContext app) {
        Backfill backfill = app.getBean(Backfill.class);
        await("the start-up backfill done").atMost(Duration.ofSeconds(90))
                .until(() -> "done".equals(backfill.snapshot().state()));
        return backfill.snapshot();
    }

    private static ConfigurableApplicationContext sandbox(String... extra) throws IOException {
        return start(List.of("test", "sandbox"), args(true, extra));
    }

    private static ConfigurableApplicationContext start(List<String> profiles, String[] args) {
        return new SpringApplicationBuilder(ContactsBridgeApplication.class)
                .profiles(profiles.toArray(String[]::new))
                .run(args);
    }

    /**
     * Command-line arguments (above every configuration file): the store is an H2 file as in application.properties,
     * under this test's folder; the live sync as the end-to-end tests run it (live-sync-test.properties); the reset
     * as it is by default, not as the test profile has it; free ports; no JMX (other test contexts may be open).
     */
    private static String[] args(boolean liveSync, String... extra) throws IOException {
        List<String> args = new ArrayList<>();
        args.add("--spring.datasource.url=" + storeUrl());
        args.add("--server.port=0");
        args.add("--bridge.sandbox.reset-on-reseed=true");
        args.add("--camel.main.jmx-enabled=false");
        args.add("--spring.jmx.enabled=false");
        if (liveSync) {
            Properties sync = new Properties();
            try (InputStream in = SandboxRestartTest.class.getResourceAsStream("/live-sync-test.properties")) {
                sync.load(in);
            }
            sync.stringPropertyNames().forEach(name -> args.add("--" + name + "=" + sync.getProperty(name)));
        }
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    private static String storeUrl() {
        return "jdbc:h2:file:" + dataDir.resolve("contacts-bridge").toAbsolutePath()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
    }

    private static LinkStore links(ConfigurableApplicationContext app) {
        return app.getBean(LinkStore.class);
    }

    private static io.contactsbridge.sync.SyncPair pair(ConfigurableApplicationContext app) {
        return app.getBean(SyncProperties.class).pair();
    }

    private static JdbcTemplate store(ConfigurableApplicationContext app) {
        return app.getBean(JdbcTemplate.class);
    }

    private static long count(ConfigurableApplicationContext app, String table) {
        return store(app).queryForObject("SELECT COUNT(*) FROM " + table, Long.class);
    }
}
