package io.contactsbridge.ops;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kustomization in {@code k8s/} rendered and checked against the application: probes on the health groups and the
 * management port, a Service that exposes the application port only, the routes ConfigMaps holding every route file and
 * mounted where {@code BRIDGE_ROUTES_PATTERN} looks, every setting live mode requires, a shared PostgreSQL store for the
 * replicas, a disruption budget, a grace period longer than a stop takes.
 *
 * <p>The rendering is this test's own (resources, nested kustomizations, ConfigMap generators: all the kustomization
 * uses), so CI needs no kubectl. Where {@code kubectl} is installed, its rendering must name the same objects with the
 * same ConfigMap keys, which keeps this one honest.
 */
class KubernetesManifestsTest {

    private static final Path K8S = Path.of("k8s");
    private static List<Map<String, Object>> objects;
    private static Map<String, Object> deployment;
    private static Map<String, Object> podSpec;
    private static Map<String, Object> container;
    private static Properties app;

    @BeforeAll
    static void render() throws IOException {
        objects = Kustomize.build(K8S);
        deployment = one("Deployment");
        podSpec = map(map(map(deployment, "spec"), "template"), "spec");
        List<Map<String, Object>> containers = list(podSpec, "containers");
        assertThat(containers).as("containers of the Deployment").hasSize(1);
        container = containers.get(0);
        app = new Properties();
        for (String file : List.of("application.properties", "config/sync.properties")) {
            try (Reader r = Files.newBufferedReader(Path.of("src/main/resources", file))) {
                app.load(r);
            }
        }
    }

    @Test
    void theKustomizationRendersTheBridgeItsServiceBudgetAndRoutes() {
        assertThat(objects.stream().map(o -> o.get("kind") + "/" + name(o)).toList()).containsExactlyInAnyOrder(
                "Deployment/contacts-bridge", "Service/contacts-bridge", "PodDisruptionBudget/contacts-bridge",
                "ConfigMap/contacts-bridge-routes", "ConfigMap/contacts-bridge-automations");
        assertThat((Integer) map(deployment, "spec").get("replicas")).as("replicas").isGreaterThanOrEqualTo(2);
    }

    @Test
    void probesAskTheHealthGroupsOnTheManagementPortAndTheServiceExposesTheApplicationPortOnly() {
        int management = managementPort();
        int application = Integer.parseInt(app.getProperty("server.port", "8080"));
        assertThat(management).as("the management port (MANAGEMENT_SERVER_PORT)").isNotEqualTo(application);
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            Map<String, Object> get = map(map(container, probe), "httpGet");
            String group = probe.equals("readinessProbe") ? "readiness" : "liveness";
            assertThat(get.get("path")).as(probe + " path").isEqualTo(healthPath(group));
            assertThat(containerPort(get.get("port"))).as(probe + " port").isEqualTo(management);
        }
        Map<String, Object> service = one("Service");
        assertThat(map(map(service, "spec"), "selector")).as("the Service selects the pods")
                .isEqualTo(podLabels());
        for (Map<String, Object> port : list(map(service, "spec"), "ports")) {
            assertThat(containerPort(port.get("targetPort"))).as("Service targetPort").isEqualTo(application);
        }
        Map<String, Object> annotations = map(map(map(map(deployment, "spec"), "template"), "metadata"), "annotations");
        assertThat(annotations.get("prometheus.io/port")).as("scrape port").isEqualTo(Integer.toString(management));
        assertThat(annotations.get("prometheus.io/path"))
                .isEqualTo(app.getProperty("management.endpoints.web.base-path", "/actuator") + "/prometheus");
        assertThat(app.getProperty("management.endpoints.web.exposure.include")).contains("prometheus", "health");
    }

    @Test
    void theRoutesConfigMapsHoldEveryRouteFileAndAreMountedWhereTheRoutesPatternLooks() throws IOException {
        Map<String, String> mounts = new LinkedHashMap<>(); // mount path -> ConfigMap
        Map<String, String> volumes = new LinkedHashMap<>();
        for (Map<String, Object> v : list(podSpec, "volumes")) {
            if (v.get("configMap") instanceof Map<?, ?> cm) {
                volumes.put((String) v.get("name"), (String) cm.get("name"));
            }
        }
        for (Map<String, Object> m : list(container, "volumeMounts")) {
            if (volumes.containsKey(m.get("name"))) {
                mounts.put((String) m.get("mountPath"), volumes.get(m.get("name")));
            }
        }
        String pattern = env().get("BRIDGE_ROUTES_PATTERN");
        assertThat(pattern).as("BRIDGE_ROUTES_PATTERN").isNotBlank();
        Map<String, Path> expected = Map.of("contacts-bridge-routes", Path.of("routes"),
                "contacts-bridge-automations", Path.of("routes", "automations"));
        Set<String> loaded = new TreeSet<>();
        for (String p : pattern.split(",")) {
            String entry = p.trim();
            assertThat(entry).as("a routes pattern").startsWith("file:").endsWith("/*.yaml");
            String folder = entry.substring("file:".length(), entry.length() - "/*.yaml".length());
            String configMap = mounts.get(folder);
            assertThat(configMap).as("a ConfigMap mounted at " + folder).isNotNull();
            assertThat(expected).as("a routes ConfigMap").containsKey(configMap);
            Set<String> keys = map(one("ConfigMap", configMap), "data").keySet();
            assertThat(keys).as(configMap + " holds every file of " + expected.get(configMap))
                    .isEqualTo(yamlFiles(expected.get(configMap)));
            if (configMap.equals("contacts-bridge-automations")) {
                assertThat(entry).as("the automation check recognises the folder by its name").contains("automations/");
            }
            loaded.add(configMap);
        }
        assertThat(loaded).as("ConfigMaps the pattern loads").isEqualTo(expected.keySet());
    }

    @Test
    void everySettingLiveModeRequiresComesFromTheDeploymentOrTheSecretAndTheStoreIsPostgresql() throws IOException {
        Map<String, String> env = env();
        Set<String> fromSecret = secretExampleKeys();
        List<Map<String, Object>> envFrom = list(container, "envFrom");
        List<String> secrets = envFrom.stream().map(e -> (Map<?, ?>) e.get("secretRef")).filter(r -> r != null)
                .map(r -> String.valueOf(r.get("name"))).toList();
        assertThat(secrets).as("envFrom Secret").containsExactly("contacts-bridge");
        assertThat(env.get("BRIDGE_MODE")).isEqualTo("live");
        for (RequiredSettings.Setting s : RequiredSettings.live()) {
            assertThat(env.containsKey(s.environmentVariable()) || fromSecret.contains(s.environmentVariable()))
                    .as(s.environmentVariable() + " (" + s.property() + ") in the Deployment or secret.example.yaml").isTrue();
        }
        // Replicas share one store: the Deployment must not start a pod without it (each would run on an H2 of its own).
        for (String key : List.of("SPRING_DATASOURCE_URL", "SPRING_DATASOURCE_USERNAME", "SPRING_DATASOURCE_PASSWORD")) {
            assertThat(env.get(key)).as(key + " from the Secret, required").isEqualTo("secret:contacts-bridge/" + key);
            assertThat(fromSecret).as("secret.example.yaml").contains(key);
        }
        String url = (String) map(secretExample(), "stringData").get("SPRING_DATASOURCE_URL");
        assertThat(url).as("the example store").startsWith("jdbc:postgresql://");
    }

    @Test
    void aDisruptionLeavesAReplicaAndAStopEndsWithinTheGracePeriod() {
        Map<String, Object> pdb = one("PodDisruptionBudget");
        assertThat(map(map(pdb, "spec"), "selector").get("matchLabels")).isEqualTo(podLabels());
        int replicas = (Integer) map(deployment, "spec").get("replicas");
        assertThat((Integer) map(pdb, "spec").get("minAvailable")).isBetween(1, replicas - 1);

        Map<String, Object> resources = map(container, "resources");
        assertThat(map(resources, "requests")).containsKeys("cpu", "memory");
        assertThat(map(resources, "limits")).containsKey("memory");

        long preStop = 0;
        if (container.get("lifecycle") instanceof Map<?, ?> lifecycle && lifecycle.get("preStop") instanceof Map<?, ?> pre
                && pre.get("exec") instanceof Map<?, ?> exec) {
            List<?> command = (List<?>) exec.get("command");
            assertThat(command.get(0)).isEqualTo("sleep");
            preStop = Long.parseLong(command.get(1).toString());
        }
        // After the preStop wait: the web server's graceful phase and the bridge's own steps (a phase each), the
        // backfill's wait for its workers, then Camel's drain.
        Duration phase = DurationStyle.detectAndParse(app.getProperty("spring.lifecycle.timeout-per-shutdown-phase"));
        Duration stop = Duration.ofSeconds(preStop).plus(phase.multipliedBy(2))
                .plus(DurationStyle.detectAndParse(app.getProperty("bridge.sync.backfill.shutdown-wait")))
                .plusSeconds(Long.parseLong(app.getProperty("camel.main.shutdown-timeout")));
        assertThat(Duration.ofSeconds(((Number) podSpec.get("terminationGracePeriodSeconds")).longValue()))
                .as("terminationGracePeriodSeconds, against a stop of %s", stop).isGreaterThan(stop);
    }

    @Test
    void kubectlRendersTheSameObjectsWhereItIsInstalled() throws Exception {
        Process kubectl;
        try {
            kubectl = new ProcessBuilder("kubectl", "kustomize", K8S.toString()).redirectErrorStream(false).start();
        } catch (IOException notInstalled) {
            System.out.println("KubernetesManifestsTest: kubectl not installed; the test's own rendering is used alone");
            return;
        }
        String out = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(kubectl.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(kubectl.exitValue()).as("kubectl kustomize k8s: " + err).isZero();
        List<Map<String, Object>> rendered = new ArrayList<>();
        for (Object doc : new Yaml().loadAll(out)) {
            rendered.add(cast(doc));
        }
        // kubectl adds a hash of a ConfigMap's contents to its name (and to the references to it).
        assertThat(summary(rendered, true)).isEqualTo(summary(objects, false));
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------

    private static Set<String> summary(List<Map<String, Object>> docs, boolean hashed) {
        Set<String> out = new TreeSet<>();
        for (Map<String, Object> o : docs) {
            String n = name(o);
            if (hashed && "ConfigMap".equals(o.get("kind"))) {
                n = n.substring(0, n.lastIndexOf('-'));
            }
            String keys = "ConfigMap".equals(o.get("kind")) ? map(o, "data").keySet().toString() : "";
            out.add(o.get("kind") + "/" + n + keys);
        }
        return out;
    }

    private static Set<String> yamlFiles(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".yaml")).map(f -> f.getFileName().toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** The container's environment: a value, or {@code secret:<name>/<key>} for one taken from a Secret. */
    private static Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        for (Map<String, Object> e : list(container, "env")) {
            String value = (String) e.get("value");
            if (e.get("valueFrom") instanceof Map<?, ?> from && from.get("secretKeyRef") instanceof Map<?, ?> ref) {
                assertThat(ref.get("optional")).as("secretKeyRef " + e.get("name") + " optional").isNotEqualTo(true);
                value = "secret:" + ref.get("name") + "/" + ref.get("key");
            }
            env.put((String) e.get("name"), value);
        }
        return env;
    }

    private static Map<String, Object> secretExample() throws IOException {
        try (Reader r = Files.newBufferedReader(K8S.resolve("secret.example.yaml"))) {
            return cast(new Yaml().load(r));
        }
    }

    private static Set<String> secretExampleKeys() throws IOException {
        return map(secretExample(), "stringData").keySet();
    }

    private static int managementPort() {
        String fromEnv = env().get("MANAGEMENT_SERVER_PORT");
        return Integer.parseInt(fromEnv != null ? fromEnv : app.getProperty("management.server.port",
                app.getProperty("server.port", "8080")));
    }

    private static String healthPath(String group) {
        assertThat(app.getProperty("management.endpoint.health.group." + group + ".include")).as("health group " + group)
                .isNotBlank();
        return app.getProperty("management.endpoints.web.base-path", "/actuator") + "/health/" + group;
    }

    private static Map<String, Object> podLabels() {
        return map(map(map(deployment, "spec"), "template"), "metadata").get("labels") instanceof Map<?, ?> l ? cast(l) : Map.of();
    }

    /** A container port by number or name. */
    private static int containerPort(Object port) {
        if (port instanceof Integer n) {
            return n;
        }
        for (Map<String, Object> p : list(container, "ports")) {
            if (port.equals(p.get("name"))) {
                return (Integer) p.get("containerPort");
            }
        }
        throw new AssertionError("no container port named " + port);
    }

    private static Map<String, Object> one(String kind) {
        List<Map<String, Object>> found = objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
        assertThat(found).as(kind + " in the rendering").hasSize(1);
        return found.get(0);
    }

    private static Map<String, Object> one(String kind, String name) {
        return objects.stream().filter(o -> kind.equals(o.get("kind")) && name.equals(name(o))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in the rendering"));
    }

    private static String name(Map<String, Object> o) {
        return (String) map(o, "metadata").get("name");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertThat(value).as(key).isInstanceOf(Map.class);
        return cast(value);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertThat(value).as(key).isInstanceOf(List.class);
        return (List<Map<String, Object>>) value;
    }

    /**
     * The part of kustomize the manifests use: {@code resources} (files, and folders with a kustomization of their own)
     * and {@code configMapGenerator} with {@code files}. Anything else in a kustomization fails the test, so a new
     * feature there comes with support here (or kubectl in CI).
     */
    static final class Kustomize {

        private static final Set<String> UNDERSTOOD = Set.of("apiVersion", "kind", "resources", "configMapGenerator");

        static List<Map<String, Object>> build(Path dir) throws IOException {
            Path file = Stream.of("kustomization.yaml", "kustomization.yml").map(dir::resolve).filter(Files::isRegularFile)
                    .findFirst().orElseThrow(() -> new AssertionError("no kustomization in " + dir));
            Map<String, Object> k;
            try (Reader r = Files.newBufferedReader(file)) {
                k = cast(new Yaml().load(r));
            }
            assertThat(UNDERSTOOD).as("fields of " + file + " this test renders").containsAll(k.keySet());
            List<Map<String, Object>> out = new ArrayList<>();
            for (Object resource : k.get("resources") instanceof List<?> l ? l : List.of()) {
                Path path = dir.resolve(resource.toString()).normalize();
                if (Files.isDirectory(path)) {
                    out.addAll(build(path));
                } else {
                    try (Reader r = Files.newBufferedReader(path)) {
                        for (Object doc : new Yaml().loadAll(r)) {
                            if (doc != null) {
                                out.add(cast(doc));
                            }
                        }
                    }
                }
            }
            for (Object g : k.get("configMapGenerator") instanceof List<?> l ? l : List.of()) {
                Map<String, Object> generator = cast(g);
                Map<String, Object> data = new LinkedHashMap<>();
                for (Object f : (List<?>) generator.get("files")) {
                    Path source = dir.resolve(f.toString()).normalize();
                    assertThat(source.startsWith(dir.normalize())).as(source + " within " + dir + " (kustomize refuses others)")
                            .isTrue();
                    data.put(source.getFileName().toString(), Files.readString(source));
                }
                out.add(Map.of("apiVersion", "v1", "kind", "ConfigMap",
                        "metadata", Map.of("name", generator.get("name")), "data", data));
            }
            return out;
        }
    }
}
