package io.contactsbridge.sandbox;

import java.time.Clock;

import io.contactsbridge.auth.ConnectionRegistry;
import io.contactsbridge.ingress.HighLevelSignatureVerifier;
import io.contactsbridge.ops.BridgeMode;
import io.contactsbridge.ops.BridgeProperties;
import io.contactsbridge.ops.StatusContributor;
import io.contactsbridge.ops.StatusReport;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.flyway.FlywayMigrationStrategy;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Sandbox mode only: starts both simulators (before the routes, since the connections point at
 * them), starts the bridge's store over with them ({@link SandboxStoreReset}), shows their URLs and
 * demo credentials in {@code /api/status}, and has the HighLevel simulator deliver its webhooks to
 * this bridge once the web server knows its port.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = BridgeMode.PROPERTY, havingValue = "sandbox")
@EnableConfigurationProperties(SandboxProperties.class)
public class SandboxConfiguration {

    /** This start's seeding of the simulators: a new world every time. */
    @Bean
    public SandboxWorld sandboxWorld(SandboxProperties props) {
        return SandboxWorld.seededBy(props);
    }

    /** Spring Boot's Flyway runs this instead of a plain migrate: the store is emptied when it holds an earlier world. */
    @Bean
    public FlywayMigrationStrategy sandboxStoreReset(SandboxWorld world, BridgeProperties bridge,
                                                     @Value("${bridge.sandbox.reset:false}") boolean reset,
                                                     @Value("${bridge.sandbox.reset-on-reseed:true}") boolean resetOnReseed) {
        return new SandboxStoreReset(world, reset, resetOnReseed, bridge.instance().id(), Clock.systemUTC());
    }

    @Bean(destroyMethod = "close")
    public SandboxSimulators sandboxSimulators(SandboxProperties props, ConnectionRegistry connections,
                                               HighLevelSignatureVerifier webhookVerifier) {
        SandboxSimulators simulators = new SandboxSimulators(props);
        simulators.registerConnections(connections);
        // The simulator signs its webhooks with its own keys; the bridge must trust those, not HighLevel's.
        var keys = simulators.highLevelWebhooks().keys();
        webhookVerifier.useKeys(keys.rsaPublicKey(), keys.ed25519PublicKey());
        return simulators;
    }

    /** Demo values only: shown in sandbox mode so a person or script can call the simulated APIs directly. */
    @Bean
    public StatusContributor sandboxStatus(SandboxSimulators sims, SandboxWorld world) {
        return new StatusContributor() {
            @Override
            public void contribute(StatusReport report) {
                report.put("sandbox.world", world.id())
                        .put("sandbox.highlevel.url", sims.highLevel().baseUrl())
                        .put("sandbox.highlevel.token", sims.highLevelToken())
                        .put("sandbox.highlevel.locationId", sims.highLevelLocationId())
                        .put("sandbox.highlevel.contacts", sims.highLevel().state().contactCount())
                        .put("sandbox.birdsend.url", sims.birdSend().apiBaseUrl())
                        .put("sandbox.birdsend.token", sims.birdSendToken())
                        .put("sandbox.birdsend.contacts", sims.birdSend().contactCount())
                        .put("sandbox.overlap", sims.seededOnBothSides());
            }

            /** The simulators' own state: shown also while the store is down. */
            @Override
            public boolean readsStore() {
                return false;
            }
        };
    }

    @Bean
    public ApplicationListener<WebServerInitializedEvent> sandboxWebhookTarget(SandboxSimulators sims) {
        return event -> {
            if (event.getApplicationContext().getServerNamespace() == null) {
                sims.deliverHighLevelWebhooksTo("http://127.0.0.1:" + event.getWebServer().getPort() + "/webhooks/highlevel");
            }
        };
    }
}
