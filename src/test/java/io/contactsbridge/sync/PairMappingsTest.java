package io.contactsbridge.sync;

import java.util.Map;

import io.contactsbridge.mapping.ContactMapping;
import io.contactsbridge.ops.InvalidSettingException;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.DefaultResourceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each pair's mapping: its own file, or the bridge's; a missing file stops the start naming the setting. */
class PairMappingsTest {

    private final ContactMapping bridges = ContactMapping.load(new ClassPathResource("mapping/contacts.yaml"));
    private final SyncPair north = new SyncPair("hl-north", "bs-north");
    private final SyncPair south = new SyncPair("hl-south", "bs-south");
    private final PairMappingLoader loader = new PairMappingLoader(new DefaultResourceLoader());

    @Test
    void aPairWithAFileOfItsOwnSyncsByItTheOthersByTheBridges() {
        Map<String, PairMapping> configured = loader.configured(Map.of("south",
                new SyncPairs.PairSettings("hl-south", null, " classpath:mapping/contacts-sandbox.yaml ")));
        SyncPairs pairs = SyncPairs.stored(Map.of("north", north, "south", south), configured, null, null, loader);
        PairMappings mappings = PairMappings.of(bridges, pairs);

        assertThat(mappings.of(north)).isSameAs(bridges);
        assertThat(mappings.of(south)).isNotSameAs(bridges);
        assertThat(mappings.of(south).sourceName()).contains("contacts-sandbox.yaml");
        assertThat(mappings.of(new SyncPair("hl-x", "bs-x"))).as("a pair of no bridge's").isSameAs(bridges);
        assertThat(mappings.of(new SyncPair("hl-south", "bs-x"))).as("south's location with another account").isSameAs(bridges);
        assertThat(pairs.mappingOf("south").map(PairMapping::location)).contains("classpath:mapping/contacts-sandbox.yaml");
        assertThat(pairs.mappingOf("north")).isEmpty();
    }

    @Test
    void aMissingFileStopsTheStartNamingTheSetting() {
        assertThatThrownBy(() -> loader.configured(Map.of("south",
                new SyncPairs.PairSettings(null, null, "file:/nowhere/south.yaml"))))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("bridge.pairs.south.mapping").hasMessageContaining("no such file");
    }
}
