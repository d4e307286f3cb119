package io.contactsbridge.sync;

import java.util.Map;

import io.contactsbridge.mapping.ContactMapping;
import io.contactsbridge.ops.InvalidSettingException;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each pair's mapping: its own file, or the bridge's; a missing file stops the start naming the setting. */
class PairMappingsTest {

    private final ContactMapping bridges = ContactMapping.load(new ClassPathResource("mapping/contacts.yaml"));
    private final SyncPair north = new SyncPair("hl-north", "bs-north");
    private final SyncPair south = new SyncPair("hl-south", "bs-south");
    private final SyncPairs pairs = SyncPairs.of(Map.of("north", north, "south", south), null);

    @Test
    void aPairWithAFileOfItsOwnSyncsByItTheOthersByTheBridges() {
        PairMappings mappings = new PairMappings(bridges, pairs, new MockEnvironment()
                .withProperty("bridge.pairs.south.highlevel-connection", "hl-south")
                .withProperty("bridge.pairs.south.mapping", "classpath:mapping/contacts-sandbox.yaml"),
                new DefaultResourceLoader());

        assertThat(mappings.of(north)).isSameAs(bridges);
        assertThat(mappings.of(south)).isNotSameAs(bridges);
        assertThat(mappings.of(south).sourceName()).contains("contacts-sandbox.yaml");
        assertThat(mappings.of(new SyncPair("hl-x", "bs-x"))).as("a pair of no bridge's").isSameAs(bridges);
        assertThat(mappings.ownSources()).containsOnlyKeys("south");
    }

    @Test
    void aMissingFileStopsTheStartNamingTheSetting() {
        assertThatThrownBy(() -> new PairMappings(bridges, pairs, new MockEnvironment()
                .withProperty("bridge.pairs.south.mapping", "file:/nowhere/south.yaml"), new DefaultResourceLoader()))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("bridge.pairs.south.mapping").hasMessageContaining("no such file");
    }
}
