package io.contactsbridge.connectors.catalog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.contactsbridge.connectors.KameletNames;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committed catalog (actions.json, the action Kamelets, docs/catalog.md) is exactly what the
 * generator makes from the spec, the BirdSend table and the trigger Kamelets. Regenerate with
 * {@code ./mvnw test -Dtest=CatalogIsCurrentTest -Dcatalog.write=true}.
 */
class CatalogIsCurrentTest {

    @Test
    void committedCatalogIsCurrent() throws IOException {
        Map<Path, String> expected = CatalogGenerator.generate();
        if (Boolean.getBoolean("catalog.write")) {
            CatalogGenerator.write(expected);
        }
        List<String> stale = new ArrayList<>();
        for (Map.Entry<Path, String> f : expected.entrySet()) {
            if (!Files.exists(f.getKey()) || !Files.readString(f.getKey()).equals(f.getValue())) {
                stale.add(f.getKey().toString());
            }
        }
        try (Stream<Path> files = Files.list(CatalogGenerator.KAMELETS)) {
            files.filter(p -> p.getFileName().toString().endsWith("-action.kamelet.yaml"))
                    .filter(p -> !expected.containsKey(p))
                    .forEach(p -> stale.add(p + " (no longer generated)"));
        }
        assertThat(stale).as("stale catalog files; run ./mvnw test -Dtest=CatalogIsCurrentTest -Dcatalog.write=true")
                .isEmpty();
    }

    @Test
    void everyOperationOfBothReferencesHasAnAction() throws IOException {
        Map<Path, String> files = CatalogGenerator.generate();
        // the Kamelets under their current names: not the json, the markdown or the aliases of old names
        List<String> current = files.keySet().stream().map(p -> p.getFileName().toString())
                .filter(n -> n.endsWith(".kamelet.yaml")).map(n -> n.replace(".kamelet.yaml", ""))
                .filter(n -> KameletNames.VALID.matcher(n).matches()).toList();
        long highLevel = current.stream().filter(n -> n.startsWith("highlevel-")).count();
        long birdSend = current.stream().filter(n -> n.startsWith("birdsend-")).count();
        // contacts.json 32 + businesses.json 5 + the 4 location look-ups; BirdSend API.md lists 17 endpoints.
        assertThat(highLevel).isEqualTo(41);
        assertThat(birdSend).isEqualTo(17);
        System.out.printf("Connector catalog: %d HighLevel actions, %d BirdSend actions%n", highLevel, birdSend);
    }
}
