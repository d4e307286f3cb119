package io.contactsbridge.simulator.highlevel;

import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;

/**
 * The HighLevel simulator wired with everything a real installation has: OAuth endpoints and
 * tokens ({@link HighLevelOAuthServer}, installing into the demo location, plus the fixed
 * {@link StaticTokenAuthority#DEMO_TOKEN}), per-(app, location) rate limits
 * ({@link HighLevelRateLimits}, after authentication) and signed webhooks
 * ({@link HighLevelWebhookPublisher}, no target until one is set). Used by
 * {@link HighLevelSimulatorMain}; embeddable wherever a whole fake HighLevel is wanted.
 *
 * <p>The publisher stands for the Default Webhook URL of the app(s) installed through the admin API: it
 * gets their INSTALL and UNINSTALL, and a location's events carry the {@code appId} of the app installed on
 * it ({@link HighLevelOAuthServer#appInstalledOn}); a location without one sends events without
 * {@code appId}, as the per-event docs show them.
 */
public final class HighLevelSandbox implements AutoCloseable {

    private final HighLevelSimulator simulator;
    private final HighLevelOAuthServer oauth;
    private final HighLevelRateLimits rateLimits;
    private final HighLevelWebhookPublisher webhooks;

    private HighLevelSandbox(HighLevelSimulator simulator, HighLevelOAuthServer oauth, HighLevelRateLimits rateLimits,
                             HighLevelWebhookPublisher webhooks) {
        this.simulator = simulator;
        this.oauth = oauth;
        this.rateLimits = rateLimits;
        this.webhooks = webhooks;
    }

    /** Builds (does not start) the wired simulator. */
    public static HighLevelSandbox create(SimClock clock) {
        StaticTokenAuthority demoToken = StaticTokenAuthority.withDemoToken();
        HighLevelOAuthServer oauth = new HighLevelOAuthServer(clock, HighLevelState.DEMO_COMPANY_ID,
                HighLevelState.DEMO_LOCATION_ID);
        HighLevelRateLimits rateLimits = new HighLevelRateLimits(clock);
        HighLevelWebhookPublisher webhooks = new HighLevelWebhookPublisher(clock);
        HighLevelSimulator simulator = HighLevelSimulator.builder()
                .clock(clock)
                .tokenAuthority(token -> demoToken.authenticate(token).or(() -> oauth.authenticate(token)))
                .extraFilter(rateLimits)
                .listener(event -> webhooks.onEvent(withAppId(event, oauth)))
                .build();
        oauth.addListener(webhooks);
        oauth.registerRoutes(simulator.server());
        oauth.registerAdminRoutes(simulator.server());
        rateLimits.registerAdminRoutes(simulator.server());
        webhooks.registerAdminRoutes(simulator.server());
        return new HighLevelSandbox(simulator, oauth, rateLimits, webhooks);
    }

    /** The event with the {@code appId} of the app installed on its location added to its entity, if there is one. */
    private static HighLevelEvent withAppId(HighLevelEvent event, HighLevelOAuthServer oauth) {
        return oauth.appInstalledOn(event.locationId())
                .map(appId -> new HighLevelEvent(event.type(), event.locationId(),
                        (event.entity() == null ? SimJson.object() : event.entity().deepCopy()).put("appId", appId)))
                .orElse(event);
    }

    public HighLevelSimulator simulator() {
        return simulator;
    }

    public HighLevelOAuthServer oauth() {
        return oauth;
    }

    public HighLevelRateLimits rateLimits() {
        return rateLimits;
    }

    public HighLevelWebhookPublisher webhooks() {
        return webhooks;
    }

    @Override
    public void close() {
        simulator.stop();
        webhooks.close();
    }
}
