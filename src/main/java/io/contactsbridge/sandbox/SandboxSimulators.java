package io.contactsbridge.sandbox;

import io.contactsbridge.auth.ConnectionDefinition;
import io.contactsbridge.auth.ConnectionRegistry;
import io.contactsbridge.auth.CredentialKind;
import io.contactsbridge.simulator.SandboxPeople;
import io.contactsbridge.simulator.birdsend.BirdSendSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelOAuthServer;
import io.contactsbridge.simulator.highlevel.HighLevelSandbox;
import io.contactsbridge.simulator.highlevel.HighLevelSimulator;
import io.contactsbridge.simulator.highlevel.HighLevelState;
import io.contactsbridge.simulator.highlevel.HighLevelWebhookPublisher;
import io.contactsbridge.simulator.highlevel.StaticTokenAuthority;
import io.contactsbridge.simulator.sim.Seeding;
import io.contactsbridge.simulator.sim.SimClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Both simulated services as sandbox mode runs them: the HighLevel simulator with its OAuth server,
 * its real rate limits and its signed webhooks, and the BirdSend simulator, each on its own port,
 * seeded, with demo credentials. The bridge's connections are pointed at them, so nothing in sandbox
 * mode can reach a real service.
 */
public final class SandboxSimulators implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SandboxSimulators.class);

    private final SimClock clock;
    private final HighLevelSandbox highLevel;
    private final BirdSendSimulator birdSend;
    private final String birdSendToken;
    private final int seededOnBothSides;

    public SandboxSimulators(SandboxProperties props) {
        this.clock = SimClock.scaled(props.timeScale());
        this.highLevel = HighLevelSandbox.create(clock);
        this.birdSend = BirdSendSimulator.builder().clock(clock).build();
        this.birdSendToken = birdSend.issuePersonalAccessToken();
        try {
            LOG.info("Seeding the sandbox simulators: {} HighLevel and {} BirdSend contacts", props.highlevel().contacts(),
                    props.birdsend().contacts());
            // Seeded together: a share of the BirdSend people are HighLevel people too. This runs in Spring's start-up,
            // which a SIGTERM's shutdown waits for: the shutdown interrupts it, so a large seeding does not hold it up.
            this.seededOnBothSides = Seeding.interruptedOnShutdown("sandbox-seeding", () -> SandboxPeople.seed(
                    highLevel.simulator().state(), birdSend, props.highlevel().contacts(), props.birdsend().contacts(),
                    props.overlap(), props.randomSeed())).shared();
            if (!props.extraFields()) {
                removeExtraFields();
            }
            highLevel.simulator().start(props.highlevel().port());
            birdSend.start(props.birdsend().port());
        } catch (RuntimeException e) {
            close(); // the webhook publisher's threads and any server already started
            throw e;
        }
        LOG.info("Sandbox simulators: HighLevel at {} ({} contacts), BirdSend at {} ({} contacts), {} people on both",
                highLevel().baseUrl(), props.highlevel().contacts(), birdSend.apiBaseUrl(), props.birdsend().contacts(),
                seededOnBothSides);
    }

    /**
     * Makes both accounts like any new account, as with {@code bridge.sandbox.extra-fields=false}: the sandbox's own
     * fields are deleted with their values (so seeding stays the same otherwise). HighLevel's phone and companyName
     * are standard contact properties and stay.
     */
    private void removeExtraFields() {
        for (String key : SandboxPeople.BIRDSEND_EXTRA_FIELDS) {
            birdSend.removeField(birdSend.defaultAccountId(), key);
        }
        highLevel.simulator().state().deleteCustomField(highLevelLocationId(), SandboxPeople.COLOUR_FIELD_KEY);
    }

    /** Points the bridge's default connections at the simulators, with the demo tokens. */
    public void registerConnections(ConnectionRegistry registry) {
        registry.register(ConnectionDefinition.builder("highlevel", CredentialKind.PRIVATE_INTEGRATION)
                .baseUrl(highLevel().baseUrl())
                .locationId(highLevelLocationId())
                .companyId(HighLevelState.DEMO_COMPANY_ID)
                .token(highLevelToken())
                .build());
        registry.register(ConnectionDefinition.builder("birdsend", CredentialKind.PERSONAL_ACCESS_TOKEN)
                .baseUrl(birdSend.apiBaseUrl())
                .accountId(Long.toString(birdSend.defaultAccountId()))
                .token(birdSendToken)
                .build());
    }

    /** Where the HighLevel simulator delivers its signed webhooks (the bridge's ingress). */
    public void deliverHighLevelWebhooksTo(String url) {
        highLevel.webhooks().setTargetUrl(url);
    }

    public SimClock clock() {
        return clock;
    }

    public HighLevelSimulator highLevel() {
        return highLevel.simulator();
    }

    public HighLevelOAuthServer highLevelOAuth() {
        return highLevel.oauth();
    }

    public HighLevelWebhookPublisher highLevelWebhooks() {
        return highLevel.webhooks();
    }

    /** The simulator's fixed demo Private Integration token (a fake value, the same every run). */
    public String highLevelToken() {
        return StaticTokenAuthority.DEMO_TOKEN;
    }

    public String highLevelLocationId() {
        return HighLevelState.DEMO_LOCATION_ID;
    }

    public BirdSendSimulator birdSend() {
        return birdSend;
    }

    public String birdSendToken() {
        return birdSendToken;
    }

    /** How many people were seeded on both sides (the same email, ignoring case); later edits do not change it. */
    public int seededOnBothSides() {
        return seededOnBothSides;
    }

    @Override
    public void close() {
        highLevel.close();
        birdSend.stop();
    }
}
