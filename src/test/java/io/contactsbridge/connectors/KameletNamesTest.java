package io.contactsbridge.connectors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every Kamelet is named in lower-case kebab-case ending in its type (-source, -sink, -action), as Kubernetes
 * resource names and Kamelet catalogs require, under a file of the same name; the only exceptions are the alias
 * Kamelets of old names, kept for one release, which call the Kamelet that replaced them.
 */
class KameletNamesTest {

    static final Path KAMELETS = Path.of("src/main/resources/kamelets");
    static final String RENAMED_TO = "contacts-bridge/renamed-to";

    @Test
    void canonicalNamesAreLowerCaseKebabCase() {
        assertThat(KameletNames.canonical("highlevel-delete-Business-action")).isEqualTo("highlevel-delete-business-action");
        assertThat(KameletNames.canonical("highlevel-get-contacts-by-businessId-action"))
                .isEqualTo("highlevel-get-contacts-by-business-id-action");
        assertThat(KameletNames.canonical("birdsend-list-tags-action")).isEqualTo("birdsend-list-tags-action");
        assertThat(KameletNames.VALID.matcher("highlevel-get-contacts-by-business-id-action").matches()).isTrue();
        assertThat(KameletNames.VALID.matcher("highlevel-delete-Business-action").matches()).isFalse();
        assertThat(KameletNames.VALID.matcher("contact-changes").matches()).as("no type at the end").isFalse();
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyKameletIsNamedInLowerCaseAfterItsFileAndType() throws IOException {
        List<String> wrong = new ArrayList<>();
        List<String> aliases = new ArrayList<>();
        int checked = 0;
        for (KameletFiles.KameletFile kamelet : KameletFiles.all()) {
            Path file = kamelet.file();
            Map<String, Object> doc = kamelet.doc();
            Map<String, Object> metadata = (Map<String, Object>) doc.get("metadata");
            String name = (String) metadata.get("name");
            String type = (String) ((Map<String, Object>) metadata.get("labels")).get("camel.apache.org/kamelet.type");
            Map<String, Object> annotations = (Map<String, Object>) metadata.getOrDefault("annotations", Map.of());
            String fileName = file.getFileName().toString();
            checked++;
            if (!fileName.equals(name + ".kamelet.yaml")) {
                wrong.add(fileName + ": metadata.name is " + name);
            }
            if (!name.endsWith("-" + type)) {
                wrong.add(name + ": its label camel.apache.org/kamelet.type is " + type);
            }
            Object renamedTo = annotations.get(RENAMED_TO);
            if (renamedTo != null) {
                aliases.add(name);
                if (!renamedTo.equals(KameletNames.canonical(name)) || !Files.exists(KAMELETS.resolve(renamedTo + ".kamelet.yaml"))) {
                    wrong.add(name + ": an alias of " + renamedTo + ", which is not its lower-case name or does not exist");
                }
                if (!Files.readString(file).contains("uri: \"kamelet:" + renamedTo + "\"")) {
                    wrong.add(name + ": an alias that does not call " + renamedTo);
                }
            } else if (!KameletNames.VALID.matcher(name).matches()) {
                wrong.add(name + ": not lower-case kebab-case ending in -source, -sink or -action");
            }
        }
        assertThat(checked).isGreaterThan(60);
        assertThat(wrong).as("Kamelets named wrongly").isEmpty();
        assertThat(aliases).as("old names accepted for one release")
                .containsExactlyInAnyOrder("highlevel-delete-Business-action", "highlevel-get-contacts-by-businessId-action");
    }
}
