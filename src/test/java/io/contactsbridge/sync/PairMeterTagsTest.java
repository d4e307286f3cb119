package io.contactsbridge.sync;

import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/** Every meter gets the {@code pair} it belongs to, from its {@code connection} or as the whole bridge's. */
class PairMeterTagsTest {

    @Test
    void aBridgeOfOnePairTagsEveryMeterWithItsDefaultPair() {
        MeterRegistry registry = registry(new MockEnvironment().withProperty("bridge.sync.highlevel-connection", "hl")
                .withProperty("bridge.sync.birdsend-connection", "bs"));
        assertThat(counter(registry, "journal.events").getId().getTag("pair")).isEqualTo("default");
        assertThat(counter(registry, "calls", "connection", "bs").getId().getTag("pair")).isEqualTo("default");
        assertThat(counter(registry, "calls", "connection", "other").getId().getTag("pair")).as("a connection of no pair")
                .isEqualTo("none");
    }

    @Test
    void severalPairsTagByConnectionAndTheRestAsAllAndFollowPairsAddedLater() {
        PairMeterTags tags = new PairMeterTags(new MockEnvironment()
                .withProperty("bridge.pairs.north.highlevel-connection", "hl-north")
                .withProperty("bridge.pairs.north.birdsend-connection", "bs-north")
                .withProperty("bridge.pairs.south.highlevel-connection", "hl-south")
                .withProperty("bridge.pairs.south.birdsend-connection", "bs-south"));
        MeterRegistry registry = new SimpleMeterRegistry();
        registry.config().meterFilter(tags);

        assertThat(counter(registry, "calls", "connection", "bs-south").getId().getTag("pair")).isEqualTo("south");
        assertThat(counter(registry, "calls", "connection", "hl-north").getId().getTag("pair")).isEqualTo("north");
        assertThat(counter(registry, "journal.events").getId().getTag("pair")).isEqualTo("all");
        assertThat(counter(registry, "sync.events", "pair", "south").getId().getTag("pair")).as("tagged already").isEqualTo("south");

        tags.update(Map.of("hl-north", "north", "bs-north", "north", "hl-west", "west", "bs-west", "west"),
                Map.of("north", 1, "west", 2));
        assertThat(counter(registry, "calls", "connection", "bs-west").getId().getTag("pair")).isEqualTo("west");
        assertThat(counter(registry, "budget", "connection", "bs-south").getId().getTag("pair")).as("south removed")
                .isEqualTo("none");
    }

    private static MeterRegistry registry(MockEnvironment env) {
        MeterRegistry registry = new SimpleMeterRegistry();
        registry.config().meterFilter(new PairMeterTags(env));
        return registry;
    }

    private static Counter counter(MeterRegistry registry, String name, String... tags) {
        return Counter.builder(name).tags(tags).register(registry);
    }
}
