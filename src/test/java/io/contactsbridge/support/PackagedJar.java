package io.contactsbridge.support;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The jar `./mvnw package` made in this build's output folder ({@code -Dbuild.dir}), for the integration tests. */
public final class PackagedJar {

    private PackagedJar() {
    }

    /** {@code contacts-bridge-<version>.jar}, not the plain {@code .jar.original}. */
    public static Path inBuildDir() throws IOException {
        try (Stream<Path> files = Files.list(buildDir())) {
            List<Path> jars = files.filter(f -> f.getFileName().toString().matches("contacts-bridge-.*\\.jar")).toList();
            if (jars.size() != 1) {
                throw new IllegalStateException("expected one packaged jar in " + buildDir() + ", found " + jars
                        + " (run the integration tests with `./mvnw verify`, which packages first)");
            }
            return jars.get(0);
        }
    }

    /** The simulators' own jar, {@code simulators/contacts-bridge-simulators-<version>.jar} (the assembly in pom.xml). */
    public static Path simulatorsInBuildDir() {
        Path jar = buildDir().resolve("simulators")
                .resolve("contacts-bridge-simulators-" + ProjectVersion.fromPom() + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no simulators jar " + jar
                    + " (run the integration tests with `./mvnw verify`, which packages first)");
        }
        return jar;
    }

    /** The build's output folder, found from where the test classes were loaded (its test-classes folder's parent). */
    public static Path buildDir() {
        try {
            return Path.of(PackagedJar.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toAbsolutePath().normalize().getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the test classes", e);
        }
    }
}
