package io.contactsbridge.sync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.contactsbridge.sync.PairMappingLoader.UnusableMappingException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.DefaultResourceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The mappings named through the API: which locations are read, and what a person is told about the others. */
class PairMappingLoaderTest {

    private final PairMappingLoader loader = new PairMappingLoader(new DefaultResourceLoader());

    @TempDir
    Path dir;

    @Test
    void readsAFileOrAClasspathMapping() throws IOException {
        Path file = dir.resolve("acme.yaml");
        Files.writeString(file, "fields:\n  - name: email\n    birdsend: email\n    highlevel: email\n"
                + "    transforms: [trim, lowercase]\n");
        PairMapping own = loader.requested(file.toUri().toString());
        assertThat(own.location()).isEqualTo(file.toUri().toString());
        assertThat(own.mapping().sourceName()).contains("acme.yaml");
        assertThat(own.mapping().fields()).hasSize(1);
        assertThat(loader.requested("classpath:mapping/contacts-sandbox.yaml").mapping().sourceName())
                .isEqualTo("classpath:mapping/contacts-sandbox.yaml");
    }

    @Test
    void refusesLocationsElsewhereThanTheBridgesFilesAndJar() {
        for (String location : new String[] {"http://config.example.com/acme.yaml", "https://example.com/acme.yaml",
                "ftp://example.com/acme.yaml", "jar:file:/app.jar!/acme.yaml", "/config/acme.yaml", "acme.yaml",
                "FILE:/config/acme.yaml"}) {
            assertThatThrownBy(() -> loader.requested(location)).as(location).isInstanceOf(UnusableMappingException.class)
                    .hasMessageContaining("file: or classpath:");
        }
        assertThatThrownBy(() -> loader.requested("file:/" + "x".repeat(PairMappingLoader.MAX_LOCATION) + ".yaml"))
                .isInstanceOf(UnusableMappingException.class).hasMessageContaining("longer than 500");
    }

    @Test
    void readsOnlyYamlFilesSoNoOtherFileOfTheHostEndsUpInAnAnswer() {
        for (String location : new String[] {"file:/etc/passwd", "file:/proc/self/environ", "file:/etc/passwd#.yaml",
                "file:/etc/passwd?.yml", "classpath:application.properties"}) {
            assertThatThrownBy(() -> loader.requested(location)).as(location).isInstanceOf(UnusableMappingException.class)
                    .hasMessageContaining(".yaml or .yml file");
        }
    }

    @Test
    void aMissingUnreadableOrInvalidMappingSaysWhatIsWrong() throws IOException {
        assertThatThrownBy(() -> loader.requested("file:/nowhere/acme.yaml")).isInstanceOf(UnusableMappingException.class)
                .hasMessage("the mapping file file:/nowhere/acme.yaml does not exist");
        assertThatThrownBy(() -> loader.requested("classpath:mapping/nowhere.yaml")).isInstanceOf(UnusableMappingException.class)
                .hasMessageContaining("does not exist");
        Path folder = Files.createDirectory(dir.resolve("folder.yaml"));
        assertThatThrownBy(() -> loader.requested("file:" + folder)).isInstanceOf(UnusableMappingException.class)
                .hasMessageContaining("cannot be used").hasMessageContaining("cannot be read");
        assertThatThrownBy(() -> loader.requested("classpath:mapping/broken-contacts.yaml"))
                .isInstanceOf(UnusableMappingException.class)
                .hasMessageStartingWith("the mapping classpath:mapping/broken-contacts.yaml cannot be used: line ")
                .hasMessageContaining("unknown transform 'uppercse'").hasMessageContaining("unknown direction 'sideways'");
        Path notAMapping = dir.resolve("list.yaml");
        Files.writeString(notAMapping, "- a\n- b\n");
        assertThatThrownBy(() -> loader.requested(notAMapping.toUri().toString())).isInstanceOf(UnusableMappingException.class)
                .hasMessageContaining("line 1: the top level must be a mapping");
    }
}
