package io.contactsbridge.ops;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.contactsbridge.support.ProjectVersion;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Dockerfile and the Kubernetes manifests agree, without Docker: the image name and tag (pom.xml's version, also
 * the changelog's and the README's), the ports, the probe paths and port, the user, the data folder and the JVM's
 * memory against the container's limit. {@link ContainerImageLayersIT} checks the layers against the packaged jar.
 */
class ContainerImageTest {

    private static final Pattern IMAGE_REFERENCE = Pattern.compile("contacts-bridge:(\\d+\\.\\d+\\.\\d+[\\w.-]*)");
    /** The heap the bridge is sized for (README "Memory and restarts"). */
    private static final long SIZED_HEAP = 256L << 20;
    /** Room beyond the capped regions: symbols, thread stacks, GC structures (measured 30 MB; README). */
    private static final long UNCAPPED_ROOM = 64L << 20;

    static Dockerfile dockerfile;
    static Dockerfile.Stage runtime;
    static Map<String, Object> container;
    static Map<String, Object> podSpec;
    static Properties app;
    static String version;

    @BeforeAll
    static void read() throws IOException {
        dockerfile = Dockerfile.read();
        runtime = dockerfile.runtime();
        Map<String, Object> deployment = k8s("deployment.yaml", "Deployment");
        podSpec = map(map(map(deployment, "spec"), "template"), "spec");
        List<Map<String, Object>> containers = list(podSpec, "containers");
        assertThat(containers).as("containers of the Deployment").hasSize(1);
        container = containers.get(0);
        app = new Properties();
        try (Reader r = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
            app.load(r);
        }
        version = ProjectVersion.fromPom();
    }

    @Test
    void theImageIsNamedWithThePomsVersionWhereverItIsNamed() throws IOException {
        String image = (String) container.get("image");
        assertThat(image.substring(image.lastIndexOf('/') + 1)).as("k8s image (a registry may come before it)")
                .isEqualTo("contacts-bridge:" + version);

        List<String> elsewhere = new ArrayList<>();
        List<Path> files = new ArrayList<>(List.of(Dockerfile.PATH, Path.of("README.md")));
        try (Stream<Path> k8s = Files.list(Path.of("k8s"))) {
            k8s.filter(f -> f.toString().endsWith(".yaml")).sorted().forEach(files::add);
        }
        for (Path file : files) {
            Matcher m = IMAGE_REFERENCE.matcher(Files.readString(file));
            while (m.find()) {
                elsewhere.add(file + ": " + m.group());
            }
        }
        assertThat(elsewhere).as("image references").isNotEmpty()
                .allSatisfy(ref -> assertThat(ref).endsWith("contacts-bridge:" + version));
        assertThat(Files.readString(Path.of("README.md"))).contains("build -t contacts-bridge:" + version + " .");
    }

    @Test
    void theChangelogDescribesThePomsVersion() throws IOException {
        List<String> headings = Files.readAllLines(Path.of("CHANGELOG.md")).stream()
                .filter(l -> l.startsWith("## ")).map(l -> l.substring(3).strip()).toList();
        assertThat(headings).as("CHANGELOG.md's version headings").isNotEmpty();
        if (version.endsWith("-SNAPSHOT")) {
            assertThat(headings.get(0)).as("a snapshot's changes gather under").isEqualTo("Unreleased");
        } else {
            // The newest release first, under an (empty or not) Unreleased section, as Keep a Changelog has it.
            String newest = headings.get(0).equals("Unreleased") ? headings.get(1) : headings.get(0);
            assertThat(newest).matches(Pattern.quote(version) + " - \\d{4}-\\d{2}-\\d{2}");
        }
    }

    @Test
    void thePortsAreTheOnesTheAppServesAndTheImageExposes() {
        Set<Integer> exposed = new LinkedHashSet<>();
        for (Dockerfile.Instruction expose : runtime.all("EXPOSE")) {
            for (String port : expose.arguments().split(" ")) {
                exposed.add(Integer.parseInt(port.replace("/tcp", "")));
            }
        }
        assertThat(exposed).as("EXPOSE").contains(serverPort()).contains(managementPort());
        Set<Integer> containerPorts = new LinkedHashSet<>();
        for (Map<String, Object> port : list(container, "ports")) {
            containerPorts.add((Integer) port.get("containerPort"));
        }
        // The Deployment adds the management port it moves the management endpoints to (MANAGEMENT_SERVER_PORT).
        assertThat(containerPorts).as("k8s containerPorts").containsAll(exposed).contains(deploymentManagementPort());

        Map<String, Object> service = k8s("service.yaml", "Service");
        for (Map<String, Object> port : list(map(service, "spec"), "ports")) {
            assertThat(resolvePort(port.get("targetPort"))).as("Service targetPort").isEqualTo(serverPort());
        }
    }

    @Test
    void theHealthCheckAndTheProbesAskTheHealthGroupsOnTheManagementPort() {
        URI check = healthCheckUrl();
        assertThat(check.getPort()).as("HEALTHCHECK port (the image's own settings)").isEqualTo(managementPort());
        assertThat(check.getPath()).as("HEALTHCHECK path").isEqualTo(healthPath("readiness"));

        Map<String, Object> readiness = map(map(container, "readinessProbe"), "httpGet");
        Map<String, Object> liveness = map(map(container, "livenessProbe"), "httpGet");
        assertThat(readiness.get("path")).as("readinessProbe path").isEqualTo(check.getPath());
        assertThat(liveness.get("path")).as("livenessProbe path").isEqualTo(healthPath("liveness"));
        assertThat(resolvePort(readiness.get("port"))).as("readinessProbe port").isEqualTo(deploymentManagementPort());
        assertThat(resolvePort(liveness.get("port"))).as("livenessProbe port").isEqualTo(deploymentManagementPort());
    }

    @Test
    void theDeploymentRunsAsTheImagesNumericNonRootUser() {
        String user = runtime.one("USER");
        assertThat(user).as("USER: a numeric uid[:gid], which runAsNonRoot can check").matches("\\d+(:\\d+)?");
        String[] ids = user.split(":");
        assertThat(Integer.parseInt(ids[0])).as("uid").isPositive();
        assertThat(securityContextValue("runAsUser")).as("runAsUser").isEqualTo(Integer.parseInt(ids[0]));
        if (ids.length > 1) {
            assertThat(securityContextValue("runAsGroup")).as("runAsGroup").isEqualTo(Integer.parseInt(ids[1]));
        }
        assertThat(securityContextValue("runAsNonRoot")).as("runAsNonRoot").isEqualTo(true);
    }

    @Test
    void theDataVolumeIsWhereTheDefaultStoreLivesAndTheDeploymentMountsIt() {
        String url = app.getProperty("spring.datasource.url");
        Matcher h2 = Pattern.compile("jdbc:h2:file:\\./([^;/]+)/").matcher(url);
        assertThat(h2.find()).as("the default store is an H2 file under a folder of the working directory: " + url).isTrue();
        String dataDir = Path.of(runtime.one("WORKDIR")).resolve(h2.group(1)).toString();

        assertThat(runtime.one("VOLUME")).as("VOLUME").isIn(dataDir, "[\"" + dataDir + "\"]");
        List<Object> mounts = new ArrayList<>();
        for (Map<String, Object> mount : list(container, "volumeMounts")) {
            mounts.add(mount.get("mountPath"));
        }
        assertThat(mounts).as("k8s volumeMounts").contains(dataDir);
    }

    @Test
    void theJvmGetsTheSizedHeapFromTheContainerLimitAndExitsOnOutOfMemory() {
        List<String> env = new ArrayList<>();
        for (Map<String, Object> e : list(container, "env")) {
            env.add((String) e.get("name"));
        }
        // A JAVA_TOOL_OPTIONS in the Deployment would replace the image's whole value.
        assertThat(env).as("k8s env (the image's JAVA_TOOL_OPTIONS apply)").doesNotContain("JAVA_TOOL_OPTIONS");
        List<String> options = List.of(runtime.env().get("JAVA_TOOL_OPTIONS").split(" "));
        assertThat(options).as("Dockerfile JAVA_TOOL_OPTIONS").contains("-XX:+ExitOnOutOfMemoryError")
                .noneMatch(o -> o.startsWith("-Xmx")); // the heap follows the limit

        long limit = quantity((String) map(map(container, "resources"), "limits").get("memory"));
        double percent = Double.parseDouble(option(options, "-XX:MaxRAMPercentage="));
        long heap = (long) (limit * percent / 100);
        assertThat(heap).as("heap from the k8s memory limit").isGreaterThanOrEqualTo(SIZED_HEAP);
        long capped = heap + size(option(options, "-XX:MaxMetaspaceSize=")) + size(option(options, "-XX:ReservedCodeCacheSize="))
                + size(option(options, "-XX:MaxDirectMemorySize="));
        assertThat(capped + UNCAPPED_ROOM).as("heap, metaspace, code cache and direct memory, with room, within the limit")
                .isLessThanOrEqualTo(limit);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------

    private static int serverPort() {
        return Integer.parseInt(app.getProperty("server.port", "8080"));
    }

    private static int managementPort() {
        String port = app.getProperty("management.server.port");
        return port != null ? Integer.parseInt(port) : serverPort();
    }

    /** The management port in the Deployment: its MANAGEMENT_SERVER_PORT, else the application's. */
    private static int deploymentManagementPort() {
        for (Map<String, Object> e : list(container, "env")) {
            if ("MANAGEMENT_SERVER_PORT".equals(e.get("name"))) {
                return Integer.parseInt((String) e.get("value"));
            }
        }
        return managementPort();
    }

    private static String healthPath(String group) {
        assertThat(app.getProperty("management.endpoint.health.group." + group + ".include"))
                .as("the health group " + group).isNotBlank();
        return app.getProperty("management.endpoints.web.base-path", "/actuator") + "/health/" + group;
    }

    private static URI healthCheckUrl() {
        Matcher m = Pattern.compile("http://[^\\s/]+\\S*").matcher(runtime.one("HEALTHCHECK"));
        assertThat(m.find()).as("a URL in the HEALTHCHECK").isTrue();
        return URI.create(m.group());
    }

    /** A container port by number or name, as probes and Services give it. */
    private static int resolvePort(Object port) {
        if (port instanceof Integer number) {
            return number;
        }
        for (Map<String, Object> p : list(container, "ports")) {
            if (port.equals(p.get("name"))) {
                return (Integer) p.get("containerPort");
            }
        }
        throw new AssertionError("no container port named " + port);
    }

    /** The container's securityContext setting, else the pod's. */
    private static Object securityContextValue(String key) {
        Object value = container.get("securityContext") instanceof Map<?, ?> c ? c.get(key) : null;
        if (value == null && podSpec.get("securityContext") instanceof Map<?, ?> p) {
            value = p.get(key);
        }
        return value;
    }

    private static String option(List<String> options, String prefix) {
        return options.stream().filter(o -> o.startsWith(prefix)).map(o -> o.substring(prefix.length())).findFirst()
                .orElseThrow(() -> new AssertionError("JAVA_TOOL_OPTIONS has no " + prefix));
    }

    /** A JVM size ({@code 160m}, {@code 1g}, {@code 512k}). */
    private static long size(String value) {
        long n = Long.parseLong(value.substring(0, value.length() - 1));
        return switch (Character.toLowerCase(value.charAt(value.length() - 1))) {
            case 'k' -> n << 10;
            case 'm' -> n << 20;
            case 'g' -> n << 30;
            default -> throw new AssertionError("size not understood: " + value);
        };
    }

    /** A Kubernetes memory quantity ({@code 640Mi}, {@code 1Gi}, {@code 700M}). */
    private static long quantity(String value) {
        Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi|k|M|G)?").matcher(value);
        assertThat(m.matches()).as("memory quantity " + value).isTrue();
        long n = Long.parseLong(m.group(1));
        return m.group(2) == null ? n : switch (m.group(2)) {
            case "Ki" -> n << 10;
            case "Mi" -> n << 20;
            case "Gi" -> n << 30;
            case "k" -> n * 1_000;
            case "M" -> n * 1_000_000;
            default -> n * 1_000_000_000;
        };
    }

    private static Map<String, Object> k8s(String file, String kind) {
        try (Reader r = Files.newBufferedReader(Path.of("k8s", file))) {
            for (Object doc : new Yaml().loadAll(r)) {
                if (doc instanceof Map<?, ?> m && kind.equals(m.get("kind"))) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> found = (Map<String, Object>) m;
                    return found;
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read k8s/" + file, e);
        }
        throw new AssertionError("no " + kind + " in k8s/" + file);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertThat(value).as(key).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertThat(value).as(key).isInstanceOf(List.class);
        return (List<Map<String, Object>>) value;
    }
}
