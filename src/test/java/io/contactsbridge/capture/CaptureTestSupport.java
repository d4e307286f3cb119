package io.contactsbridge.capture;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.auth.ConnectionDefinition;
import io.contactsbridge.auth.ConnectionRegistry;
import io.contactsbridge.auth.CredentialKind;
import io.contactsbridge.journal.JournalEvent;
import io.contactsbridge.journal.JournalStore;
import io.contactsbridge.outbound.OutboundClient;
import io.contactsbridge.outbound.OutboundProperties;
import io.contactsbridge.sandbox.SandboxSimulators;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * What the capture tests share: the running simulators, the beans a poller is built from, and one fresh connection
 * per test (its own cursor row, its own rate budget; for BirdSend its own account), so tests never see each
 * other's progress.
 */
abstract class CaptureTestSupport {

    /**
     * The simulators' real-service limits (HighLevel 100 per 10 s, BirdSend 5 per second) sped up ten times, so
     * they sit above the test profile's outbound budgets (20 per 500 ms, 10 per 250 ms) instead of below them.
     */
    static final double SIMULATOR_TIME_SCALE = 10;

    private static final AtomicInteger CONNECTIONS = new AtomicInteger();

    @Autowired
    SandboxSimulators sims;
    @Autowired
    ConnectionRegistry registry;
    @Autowired
    OutboundClient client;
    @Autowired
    OutboundProperties outbound;
    @Autowired
    JournalStore journal;
    @Autowired
    CaptureStore store;
    @Autowired
    CaptureMetrics metrics;
    @Autowired
    ObjectMapper json;
    @Autowired
    Clock clock;

    private double previousTimeScale;

    @BeforeEach
    void scaleSimulatorTime() {
        previousTimeScale = sims.clock().timeScale();
        sims.clock().setTimeScale(SIMULATOR_TIME_SCALE);
    }

    @AfterEach
    void restoreSimulatorTime() {
        sims.clock().setTimeScale(previousTimeScale);
    }

    /** A new HighLevel connection to the simulator's demo location. */
    String highLevelConnection() {
        String id = "hl-capture-" + CONNECTIONS.incrementAndGet();
        registry.register(ConnectionDefinition.builder(id, CredentialKind.PRIVATE_INTEGRATION)
                .baseUrl(sims.highLevel().baseUrl())
                .locationId(sims.highLevelLocationId())
                .companyId(HighLevelState.DEMO_COMPANY_ID)
                .token(sims.highLevelToken())
                .build());
        return id;
    }

    /** A new BirdSend account in the simulator and a connection to it. */
    BirdSendAccount birdSendAccount() {
        String id = "bs-capture-" + CONNECTIONS.incrementAndGet();
        long account = sims.birdSend().createAccount(id + "@example.com", "Capture", "Test", "Capture Co", "UTC");
        String token = sims.birdSend().issuePersonalAccessToken(account);
        registry.register(ConnectionDefinition.builder(id, CredentialKind.PERSONAL_ACCESS_TOKEN)
                .baseUrl(sims.birdSend().apiBaseUrl())
                .accountId(Long.toString(account))
                .token(token)
                .build());
        return new BirdSendAccount(id, account, token);
    }

    record BirdSendAccount(String connectionId, long accountId, String token) {
    }

    /**
     * The BirdSend poller's settings for a test account: {@code perPage} contacts per page, the quick scan sorting
     * by {@code quickOrderBy}, a rolling scan that reads for {@code rollingSlice} per run and starts passes back to
     * back, half of the budget, 5 quick pages, 500 deletion checks.
     */
    static CaptureProperties.BirdSend birdSendSettings(BirdSendAccount account, int perPage, String quickOrderBy,
                                                       boolean emitExisting, Duration rollingSlice) {
        return new CaptureProperties.BirdSend(true, 30_000L, 1_000L, rollingSlice, Duration.ZERO, account.connectionId(), perPage,
                quickOrderBy, Duration.ofHours(1), 5, 0.5, emitExisting, 500);
    }

    /** A BirdSend poller of a test account (see {@link #birdSendSettings}), with the app's outbound budget. */
    BirdSendContactPoller birdSendPoller(CaptureProperties.BirdSend settings, Duration leaseWait) {
        CaptureProperties props = new CaptureProperties(null, settings, Duration.ofSeconds(5), leaseWait);
        return new BirdSendContactPoller(client, journal, store, props, outbound, metrics, json, clock, "test");
    }

    /** {@code settings} with another {@code request-share}. */
    static CaptureProperties.BirdSend withShare(CaptureProperties.BirdSend s, double share) {
        return new CaptureProperties.BirdSend(s.enabled(), s.quickIntervalMs(), s.rollingIntervalMs(), s.rollingSlice(),
                s.minPassInterval(), s.connectionId(), s.perPage(), s.quickOrderBy(), s.orderProbeInterval(), s.quickMaxPages(),
                share, s.emitExistingOnFirstScan(), s.maxDeletionChecks());
    }

    /** The events of a source about one contact, oldest first. */
    List<JournalEvent> events(String source, String contactKey) {
        return journal.events(List.of(source), 0, 1_000_000).stream().filter(e -> e.contactKey().equals(contactKey)).toList();
    }

    static String uniqueEmail(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }
}
