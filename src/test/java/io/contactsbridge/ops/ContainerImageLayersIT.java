package io.contactsbridge.ops;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.contactsbridge.support.PackagedJar;
import io.contactsbridge.support.ProjectVersion;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code docker build} does with the packaged jar, done without Docker: the Dockerfile's extract command, run as
 * written on the jar, makes the layers its COPY lines take (all of the jar's layers, in its order), and the folder they
 * make together starts the bridge with the Dockerfile's ENTRYPOINT and JAVA_TOOL_OPTIONS.
 *
 * <p>A failsafe integration test: the jar exists only after {@code package}. Alone: {@code ./mvnw -B verify
 * -Dbuild.dir=/tmp/it-target -Dtest=None -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ContainerImageLayersIT}.
 */
class ContainerImageLayersIT {

    /** {@code COPY --from=<stage> <source> <dest>}. */
    private static final Pattern COPY_FROM = Pattern.compile("--from=(\\S+) (\\S+) (\\S+)");

    @TempDir
    static Path work;

    static Path jar;
    static Dockerfile dockerfile;
    /** The stage that extracts the jar, its folder and the extract command's arguments after {@code -jar <jar>}. */
    static Dockerfile.Stage layersStage;
    static List<String> extractArguments;
    static Path extracted;
    /** The extract's destination in the layers stage, as the COPY lines name it: /build/extracted/. */
    static String stageFolder;
    /** Where the runtime stage's COPY lines put things together: /application. */
    static Path application;

    @BeforeAll
    static void extractAsTheDockerfileDoes() throws Exception {
        jar = PackagedJar.inBuildDir();
        dockerfile = Dockerfile.read();
        layersStage = dockerfile.stages().get(0);
        String run = layersStage.all("RUN").stream().map(Dockerfile.Instruction::arguments)
                .filter(a -> a.contains("-Djarmode=tools")).findFirst()
                .orElseThrow(() -> new AssertionError("no RUN with -Djarmode=tools in the first stage"));
        List<String> words = List.of(run.split(" "));
        assertThat(words.subList(0, 3)).as("the extract command").containsExactly("java", "-Djarmode=tools", "-jar");
        // The jar's name inside the stage is the COPY's destination; the arguments after it go to the tools as written,
        // with only the destination folder moved into this test's temporary folder.
        assertThat(words.get(3)).isEqualTo(layersStage.one("COPY").split(" ")[1]);
        extractArguments = new ArrayList<>(words.subList(4, words.size()));
        int destination = extractArguments.indexOf("--destination");
        assertThat(destination).as("--destination in the extract command").isNotNegative();
        String destinationInStage = extractArguments.get(destination + 1);
        extracted = work.resolve(destinationInStage);
        extractArguments.set(destination + 1, extracted.toString());

        List<String> extract = new ArrayList<>(List.of(java(), "-Djarmode=tools", "-jar", jar.toString()));
        extract.addAll(extractArguments);
        Result result = run(extract, work, Map.of(), 120);
        assertThat(result.exit()).as("extract: " + result.output()).isZero();

        // The runtime stage's COPY --from=<layers stage> lines, in order, into its WORKDIR (as Docker would).
        application = work.resolve("application");
        Files.createDirectories(application);
        stageFolder = layersStage.one("WORKDIR") + "/" + destinationInStage + "/";
        for (String source : copiedLayers()) {
            copyTree(extracted.resolve(source.substring(stageFolder.length())), application);
        }
    }

    @Test
    void theDockerfileCopiesEveryLayerOfTheJarInItsOrder() throws Exception {
        Result layers = run(List.of(java(), "-Djarmode=tools", "-jar", jar.toString(), "list-layers"), work, Map.of(), 60);
        assertThat(layers.exit()).as("list-layers: " + layers.output()).isZero();
        List<String> jarLayers = layers.output().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        assertThat(jarLayers).as("the jar's layers").contains("dependencies", "application");

        List<String> copied = copiedLayers().stream().map(s -> s.substring(stageFolder.length()).replace("/", ""))
                .toList();
        assertThat(copied).as("the layers the Dockerfile copies").isEqualTo(jarLayers);
        for (String layer : jarLayers) {
            assertThat(extracted.resolve(layer)).as("extracted layer " + layer).isDirectory();
        }
        assertThat(extracted.resolve("dependencies/BOOT-INF/lib")).as("the libraries' layer").isNotEmptyDirectory();
    }

    @Test
    void theImagesFolderHoldsTheLauncherTheApplicationItsVersionAndItsLicence() throws IOException {
        List<String> entrypoint = dockerfile.runtime().entrypoint();
        String mainClass = entrypoint.get(entrypoint.size() - 1);
        assertThat(application.resolve(mainClass.replace('.', '/') + ".class")).as("ENTRYPOINT's class").isRegularFile();
        assertThat(application.resolve("BOOT-INF/classes/io/contactsbridge/ContactsBridgeApplication.class")).isRegularFile();
        assertThat(application.resolve("BOOT-INF/classes/routes")).as("the packaged routes").isNotEmptyDirectory();

        Properties build = new Properties();
        try (InputStream in = Files.newInputStream(application.resolve("META-INF/build-info.properties"))) {
            build.load(in);
        }
        assertThat(build.getProperty("build.version")).as("build-info's version").isEqualTo(ProjectVersion.fromPom());
        assertThat(application.resolve("META-INF/LICENSE")).content().contains("Apache License");
        assertThat(application.resolve("META-INF/NOTICE")).isRegularFile();

        // The Dockerfile creates the data folder itself; nothing of the jar may sit where the volume goes.
        String workdir = dockerfile.runtime().one("WORKDIR");
        String volume = dockerfile.runtime().one("VOLUME");
        assertThat(volume).startsWith(workdir + "/");
        assertThat(application.resolve(volume.substring(workdir.length() + 1))).doesNotExist();
    }

    @Test
    void theEntrypointStartsTheBridgeFromTheLayers() throws Exception {
        Dockerfile.Stage runtime = dockerfile.runtime();
        String workdir = runtime.one("WORKDIR");
        List<String> command = new ArrayList<>();
        for (String word : runtime.entrypoint()) {
            command.add(word.equals("java") ? java() : word.equals(workdir) ? application.toString() : word);
        }
        assertThat(command).as("ENTRYPOINT with the image's folder here").contains(application.toString());
        // The image's environment, and none of this machine's bridge settings: live mode without its settings must
        // get as far as refusing to start for them (the classes, the configuration and the JVM options all work).
        Map<String, String> env = runtime.env();
        Result start = run(command, application, env, 120);
        assertThat(start.output()).as("the start")
                .contains("Picked up JAVA_TOOL_OPTIONS: " + env.get("JAVA_TOOL_OPTIONS"))
                .contains("contacts-bridge is in live mode", "BRIDGE_ADMIN_PASSWORD")
                .doesNotContain("ClassNotFoundException", "Unrecognized VM option");
        assertThat(start.exit()).as("exit status").isEqualTo(1);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------

    /** The sources of the runtime stage's COPY --from=<the layers stage> lines. */
    private static List<String> copiedLayers() {
        List<String> sources = new ArrayList<>();
        for (Dockerfile.Instruction copy : dockerfile.runtime().all("COPY")) {
            Matcher m = COPY_FROM.matcher(copy.arguments());
            if (m.matches() && m.group(1).equals(layersStage.name())) {
                assertThat(m.group(3)).as("COPY destination (the WORKDIR)").isEqualTo("./");
                sources.add(m.group(2));
            }
        }
        assertThat(sources).as("COPY --from=" + layersStage.name()).isNotEmpty();
        return sources;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    record Result(int exit, String output) {
    }

    private static Result run(List<String> command, Path dir, Map<String, String> env, int timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        // Settings of this machine's environment must not reach the child (a CI with BRIDGE_* set would start it).
        builder.environment().keySet().removeIf(k -> k.startsWith("BRIDGE_") || k.startsWith("SPRING_")
                || k.equals("JAVA_TOOL_OPTIONS") || k.equals("JDK_JAVA_OPTIONS"));
        builder.environment().putAll(env);
        Path log = Files.createTempFile(work, "process", ".log");
        builder.redirectOutput(log.toFile());
        Process process = builder.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not end within " + timeoutSeconds + " s: "
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
