package io.contactsbridge.outbound;

import java.time.Duration;
import java.util.Map;

import io.contactsbridge.auth.ServiceType;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Connections as configured in bridge.connections.<id>.*. */
class PropertyOutboundTargetsTest {

    private final MockEnvironment env = new MockEnvironment();
    private final PropertyOutboundTargets targets = new PropertyOutboundTargets(env, properties());

    @Test
    void serviceAndBaseUrlFromTheConnection() {
        env.setProperty("bridge.connections.acme.service", "highlevel");
        env.setProperty("bridge.connections.acme.base-url", "http://127.0.0.1:9999/");
        assertThat(targets.resolve("acme")).isEqualTo(new OutboundTarget("acme", ServiceType.HIGHLEVEL, "http://127.0.0.1:9999"));
    }

    @Test
    void theKindNamesTheServiceAndTheServiceDefaultUrlApplies() {
        env.setProperty("bridge.connections.news.kind", "personal-access-token");
        assertThat(targets.resolve("news")).isEqualTo(new OutboundTarget("news", ServiceType.BIRDSEND,
                "https://api.birdsend.co/v1"));
    }

    @Test
    void unknownOrMisconfiguredConnectionsSayWhatToSet() {
        assertThatThrownBy(() -> targets.resolve("ghost")).isInstanceOf(OutboundRequestException.class)
                .hasMessageContaining("bridge.connections.ghost.service");
        env.setProperty("bridge.connections.odd.service", "mailchimp");
        assertThatThrownBy(() -> targets.resolve("odd")).isInstanceOf(OutboundRequestException.class)
                .hasMessageContaining("use highlevel or birdsend");
    }

    private static OutboundProperties properties() {
        OutboundProperties.Rate rate = new OutboundProperties.Rate(Map.of("w",
                new OutboundProperties.Window(1, Duration.ofSeconds(1), null, null, null)), Duration.ofSeconds(1), null);
        Duration s = Duration.ofSeconds(1);
        return new OutboundProperties(
                new OutboundProperties.Service("https://services.leadconnectorhq.com", "2021-07-28", s, s, s, 1, rate),
                new OutboundProperties.Service("https://api.birdsend.co/v1", null, s, s, s, 1, rate),
                new OutboundProperties.Retry(0, s, 2, s));
    }
}
