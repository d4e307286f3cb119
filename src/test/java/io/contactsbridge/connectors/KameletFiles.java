package io.contactsbridge.connectors;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.yaml.snakeyaml.Yaml;

/** The project's Kamelet files, read as YAML, in file-name order: what the catalog tests go through. */
public final class KameletFiles {

    public static final Path DIRECTORY = Path.of("src/main/resources/kamelets");

    /** One Kamelet file and its document. */
    public record KameletFile(Path file, Map<String, Object> doc) {
    }

    private KameletFiles() {
    }

    public static List<KameletFile> all() throws IOException {
        List<KameletFile> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(DIRECTORY)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".kamelet.yaml")).sorted().toList()) {
                try (Reader r = Files.newBufferedReader(file)) {
                    out.add(new KameletFile(file, new Yaml().load(r)));
                }
            }
        }
        return out;
    }
}
