package io.contactsbridge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.contactsbridge.simulator.highlevel.HighLevelReference;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fresh clone builds and tests with nothing beside it: no build file, source, test or CI script reaches
 * for the reference folder that sits beside this project's own checkout, and the HighLevel files the tests
 * read are in the repository with their licence and provenance.
 */
class RepositoryIsSelfContainedTest {

    /** Spelled in two parts so that this file does not find itself. */
    private static final String OUTSIDE_FOLDER = ".." + "/shared";

    @Test
    void nothingInTheBuildReadsOutsideTheRepository() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path root : List.of(Path.of("pom.xml"), Path.of("src"), Path.of(".ci"), Path.of("routes"))) {
            if (!Files.exists(root)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    // ISO-8859-1 decodes any bytes, so binary files are scanned too, without failing.
                    String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                    if (text.contains(OUTSIDE_FOLDER) || text.contains(OUTSIDE_FOLDER.replace('/', '\\'))) {
                        offenders.add(file.toString());
                    }
                }
            }
        }
        assertThat(offenders).as("files that refer to " + OUTSIDE_FOLDER).isEmpty();
        assertThat(Path.of("src")).isDirectory(); // the scan ran in the project folder
    }

    @Test
    void theHighLevelReferenceIsInTheRepositoryWithItsLicence() throws IOException {
        Path dir = HighLevelReference.DIR;
        for (String file : List.of("apps/contacts.json", "apps/businesses.json", "apps/locations.json",
                "common/common-schemas.json", "webhook-events/ContactUpdate.md")) {
            assertThat(dir.resolve(file)).isRegularFile();
        }
        assertThat(Files.readString(dir.resolve("LICENSE"))).contains("CC0 1.0 Universal");
        assertThat(Files.readString(dir.resolve("README.md")))
                .contains("HighLevel's official API docs repository, copied 2026-12-02");
    }
}
