package io.contactsbridge.automation;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import io.contactsbridge.ops.InvalidSettingException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.stereotype.Component;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Checks the automation routes (the YAML files under an {@code automations/} folder of {@code bridge.routes-pattern})
 * before Camel loads them, and stops start-up with the file, the line and the reason for: a Kamelet that does not
 * exist, a Kamelet parameter it does not have, and a step of bean {@code automation} that does not exist. Camel itself
 * would start with a misspelt step (a bean method is looked up per message) and name no file for the others.
 */
@Component
public class AutomationRoutesCheck {

    static final String PROPERTY = "bridge.routes-pattern";
    private static final Set<String> KAMELET_ENDPOINTS = Set.of("source", "sink");
    /** Parameters every Kamelet endpoint takes besides the Kamelet's own properties (camel-kamelet's options). */
    private static final Set<String> KAMELET_OPTIONS = Set.of("routeId", "templateId", "location", "bridgeErrorHandler",
            "block", "timeout", "failIfNoConsumers", "noErrorHandler");

    private final PathMatchingResourcePatternResolver resources = new PathMatchingResourcePatternResolver();
    private final Map<String, Optional<Set<String>>> kamelets = new HashMap<>();
    /** The step beans by their name in the routes, each with its steps (public methods). */
    private final Map<String, Set<String>> steps = Map.of("automation", methods(AutomationSteps.class),
            "contactFilter", methods(ContactFilter.class));

    private static Set<String> methods(Class<?> bean) {
        return Arrays.stream(bean.getMethods())
                .filter(m -> m.getDeclaringClass() == bean && Modifier.isPublic(m.getModifiers()))
                .map(Method::getName).collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    public AutomationRoutesCheck(@Value("${" + PROPERTY + ":file:routes/*.yaml}") String patterns) throws IOException {
        List<String> problems = new ArrayList<>();
        for (String pattern : patterns.split(",")) {
            if (!pattern.contains("automations/")) {
                continue;
            }
            for (Resource file : resources.getResources(pattern.trim())) {
                problems.addAll(check(file));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidSettingException(PROPERTY, patterns, "automation routes refer to what does not exist:\n  "
                    + String.join("\n  ", problems),
                    "Fix the named lines: the Kamelets are listed in docs/catalog.md, the automation steps in the README"
                            + " (Automations: write your own).");
        }
    }

    /** The problems of one automation route file, each as {@code file:line: reason}. */
    List<String> check(Resource file) throws IOException {
        List<String> problems = new ArrayList<>();
        String name = file.getFilename();
        try (Reader in = new InputStreamReader(file.getInputStream(), StandardCharsets.UTF_8)) {
            Node root = new Yaml(new LoaderOptions()).compose(in);
            if (root != null) {
                walk(root, name, problems);
            }
        } catch (org.yaml.snakeyaml.error.MarkedYAMLException e) {
            problems.add(name + ":" + (e.getProblemMark().getLine() + 1) + ": not valid YAML: " + e.getProblem());
        }
        return problems;
    }

    private void walk(Node node, String file, List<String> problems) {
        if (node instanceof SequenceNode seq) {
            seq.getValue().forEach(n -> walk(n, file, problems));
            return;
        }
        if (!(node instanceof MappingNode map)) {
            return;
        }
        Map<String, Node> entries = new HashMap<>();
        for (NodeTuple t : map.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode key) {
                entries.put(key.getValue(), t.getValueNode());
            }
        }
        for (String uriKey : List.of("uri", "to")) {
            if (entries.get(uriKey) instanceof ScalarNode uri && uri.getValue().startsWith("kamelet:")) {
                checkKamelet(uri, entries.get("parameters"), file, problems);
            }
        }
        if (entries.get("ref") instanceof ScalarNode ref && steps.containsKey(ref.getValue())
                && entries.get("method") instanceof ScalarNode method) {
            String step = method.getValue().contains("(")
                    ? method.getValue().substring(0, method.getValue().indexOf('(')).trim() : method.getValue().trim();
            Set<String> known = steps.get(ref.getValue());
            if (!known.contains(step)) {
                problems.add(file + ":" + line(method) + ": unknown " + ref.getValue() + " step '" + step + "' (steps: "
                        + String.join(", ", known) + ")");
            }
        }
        for (NodeTuple t : map.getValue()) {
            walk(t.getValueNode(), file, problems);
        }
    }

    private void checkKamelet(ScalarNode uri, Node parameters, String file, List<String> problems) {
        String rest = uri.getValue().substring("kamelet:".length());
        String query = rest.contains("?") ? rest.substring(rest.indexOf('?') + 1) : "";
        String kamelet = rest.split("[/?]", 2)[0];
        if (KAMELET_ENDPOINTS.contains(kamelet)) {
            return;
        }
        Optional<Set<String>> properties = kamelets.computeIfAbsent(kamelet, this::properties);
        if (properties.isEmpty()) {
            problems.add(file + ":" + line(uri) + ": unknown Kamelet '" + kamelet + "'");
            return;
        }
        Set<String> given = new LinkedHashSet<>();
        List<Node> lines = new ArrayList<>();
        for (String pair : query.isEmpty() ? new String[0] : query.split("&")) {
            given.add(pair.split("=", 2)[0]);
            lines.add(uri);
        }
        if (parameters instanceof MappingNode map) {
            for (NodeTuple t : map.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode key) {
                    given.add(key.getValue());
                    lines.add(key);
                }
            }
        }
        int i = 0;
        for (String parameter : given) {
            if (!properties.get().contains(parameter) && !KAMELET_OPTIONS.contains(parameter)) {
                problems.add(file + ":" + line(lines.get(i)) + ": Kamelet '" + kamelet + "' has no property '" + parameter
                        + "' (it has: " + String.join(", ", properties.get()) + ")");
            }
            i++;
        }
    }

    /** The Kamelet's property names, or empty when there is no such Kamelet on the classpath. */
    @SuppressWarnings("unchecked")
    private Optional<Set<String>> properties(String kamelet) {
        Resource resource = resources.getResource("classpath:kamelets/" + kamelet + ".kamelet.yaml");
        if (!resource.exists()) {
            return Optional.empty();
        }
        try (InputStream in = resource.getInputStream()) {
            Map<String, Object> doc = new Yaml(new LoaderOptions()).load(in);
            Map<String, Object> spec = (Map<String, Object>) doc.getOrDefault("spec", Map.of());
            Map<String, Object> definition = (Map<String, Object>) spec.getOrDefault("definition", Map.of());
            Map<String, Object> props = (Map<String, Object>) definition.getOrDefault("properties", Map.of());
            return Optional.of(new java.util.TreeSet<>(props == null ? Set.of() : props.keySet()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read Kamelet " + kamelet, e);
        }
    }

    private static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }
}
