package io.contactsbridge.sandbox;

import io.contactsbridge.auth.ConnectionRegistry;
import io.contactsbridge.inbound.HighLevelSignatureVerifier;
import io.contactsbridge.ops.BridgeMode;
import io.contactsbridge.ops.StatusContributor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Sandbox mode only: starts both simulators (before the routes, since the connections point at
 * them), shows their URLs and demo credentials in {@code /api/status}, and has the HighLevel
 * simulator deliver its webhooks to this bridge once the web server knows its port.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = BridgeMode.PROPERTY, havingValue = "sandbox")
@EnableConfigurationProperties(SandboxProperties.class)
public class SandboxConfiguration {

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
    public StatusContributor sandboxStatus(SandboxSimulators sims) {
        return report -> report
                .put("sandbox.highlevel.url", sims.highLevel().baseUrl())
                .put("sandbox.highlevel.token", sims.highLevelToken())
                .put("sandbox.highlevel.locationId", sims.highLevelLocationId())
                .put("sandbox.highlevel.contacts", sims.highLevel().state().contactCount())
                .put("sandbox.birdsend.url", sims.birdSend().apiBaseUrl())
                .put("sandbox.birdsend.token", sims.birdSendToken())
                .put("sandbox.birdsend.contacts", sims.birdSend().contactCount())
                .put("sandbox.overlap", sims.seededOnBothSides());
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
