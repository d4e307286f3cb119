package io.contactsbridge.connectors.catalog;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import io.contactsbridge.connectors.KameletNames;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every Kamelet follows the conventions of Apache Camel's Kamelet catalog (its script/validator), so visual editors
 * such as Kaoto and Karavan list it with a title, an icon and a form for its properties: file and name, type label,
 * annotations (support level, catalog version, icon, provider, group), a title ending in the type, a JSON schema of
 * typed, described, title-cased properties with an example or default, placeholders that match the properties, and
 * dependencies.
 * <p>
 * The two deprecated aliases of the old mixed-case action names are exempt from the lower-case name rule only (they
 * follow every other convention): CHANGELOG.md accepts them until the next release, which removes them; they carry
 * support level Deprecated and name their replacement. Any other name that breaks the rule fails.
 */
class KameletConventionsTest {

    static final Path KAMELETS = CatalogGenerator.KAMELETS;

    /** Old names accepted until the next release (CHANGELOG.md): exempt from the lower-case name rule, nothing else. */
    static final Set<String> DEPRECATED_ALIASES =
            Set.of("highlevel-delete-Business-action", "highlevel-get-contacts-by-businessId-action");

    static final Set<String> TYPES = Set.of("source", "sink", "action");
    static final Set<String> SUPPORT_LEVELS = Set.of("Stable", "Evolving", "Preview", "Deprecated");
    static final Set<String> JSON_SCHEMA_TYPES = Set.of("string", "number", "integer", "boolean", "object", "array");
    static final String CREDENTIALS_DESCRIPTOR = "urn:camel:group:credentials";
    /** A property whose name says it holds a secret must be masked (format: password). */
    static final Pattern SECRET_NAME = Pattern.compile("(?i).*(password|secret|token|apikey|api_key|privatekey|credential).*");
    /** {{name}}, {{?name}} and {{name:default}}, as Camel's catalog validator reads them. */
    static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\??([A-Za-z0-9._-]+)(?::[^}]*)?}}");
    static final String SVG_NS = "http://www.w3.org/2000/svg";

    @Test
    void everyKameletFollowsTheCatalogConventions() throws IOException {
        List<String> problems = new ArrayList<>();
        Map<String, String> titles = new HashMap<>();
        Map<String, String> descriptions = new HashMap<>();
        Set<String> exempted = new LinkedHashSet<>();
        int checked = 0;
        for (io.contactsbridge.connectors.KameletFiles.KameletFile kamelet : io.contactsbridge.connectors.KameletFiles.all()) {
            Path file = kamelet.file();
            Map<String, Object> doc = kamelet.doc();
            String name = String.valueOf(map(doc.get("metadata")).get("name"));
            if (DEPRECATED_ALIASES.contains(name)) {
                exempted.add(name);
            }
            problems.addAll(problems(file.getFileName().toString(), doc, CatalogGenerator.catalogVersion()));
            Map<String, Object> def = map(map(doc.get("spec")).get("definition"));
            String other = titles.putIfAbsent(String.valueOf(def.get("title")), name);
            if (other != null) {
                problems.add(name + ": same title as " + other);
            }
            other = descriptions.putIfAbsent(String.valueOf(def.get("description")), name);
            if (other != null) {
                problems.add(name + ": same description as " + other);
            }
            checked++;
        }
        assertThat(checked).isGreaterThan(60);
        assertThat(problems).as("Kamelets breaking the conventions").isEmpty();
        assertThat(exempted).as("deprecated aliases still present; drop a removed one from DEPRECATED_ALIASES")
                .containsExactlyInAnyOrderElementsOf(DEPRECATED_ALIASES);
    }

    @Test
    void theIconsAreValidSvg() throws IOException {
        for (String group : List.of("HighLevel", "BirdSend", "Sync")) {
            byte[] svg = Files.readAllBytes(CatalogGenerator.iconFile(group));
            assertThat(svgProblem(svg)).as(CatalogGenerator.iconFile(group).toString()).isNull();
            assertThat(CatalogGenerator.icon(group)).startsWith("data:image/svg+xml;base64,");
        }
        assertThat(CatalogGenerator.iconFile("HighLevel")).isNotEqualTo(CatalogGenerator.iconFile("BirdSend"));
        assertThat(svgProblem("<svg><script>alert(1)</script></svg>".getBytes(StandardCharsets.UTF_8))).isNotNull();
        assertThat(svgProblem("<html/>".getBytes(StandardCharsets.UTF_8))).isNotNull();
    }

    /** The check itself finds what it must: a Kamelet breaking each convention is reported for each. */
    @Test
    void aKameletBreakingTheConventionsIsReported() {
        String yaml = """
                apiVersion: camel.apache.org/v1
                kind: Kamelet
                metadata:
                  name: highlevel-Wrong-sink
                  annotations:
                    camel.apache.org/kamelet.support.level: "Stable"
                    camel.apache.org/kamelet.icon: "data:image/png;base64,AAAA"
                    camel.apache.org/provider: "someone"
                  labels:
                    camel.apache.org/kamelet.type: "action"
                spec:
                  definition:
                    title: "Wrong"
                    type: object
                    required: [missing]
                    properties:
                      apiToken:
                        title: "Token"
                        type: text
                      count:
                        title: "The count"
                        description: "How many"
                        type: integer
                        default: "many"
                  template:
                    from:
                      uri: "timer:{{undeclared}}"
                      steps:
                        - to: "log:x?level={{?count}}"
                """;
        List<String> problems = problems("highlevel-wrong-sink.kamelet.yaml", new Yaml().load(yaml), "1.0.0");
        assertThat(String.join("\n", problems)).contains(
                "metadata.name is highlevel-Wrong-sink",
                "does not end with -action",
                "not lower-case kebab-case",
                "camel.apache.org/catalog.version",
                "camel.apache.org/kamelet.group",
                "camel.apache.org/provider",
                "icon is not an SVG data URI",
                "no description",
                "required property missing",
                "apiToken: no description",
                "apiToken: type text",
                "apiToken: neither example nor default",
                "apiToken: holds a secret",
                "count: default many is not integer",
                "title Wrong does not end with Action",
                "count: title The count has the word count in lower case",
                "count: title The count starts with an article",
                "{{undeclared}}",
                "apiToken is never used",
                "no dependencies",
                "an action must consume from kamelet:source");
    }

    // ---- the checks ------------------------------------------------------------------------------

    /** What is wrong with one Kamelet (empty when nothing is). */
    static List<String> problems(String fileName, Map<String, Object> doc, String catalogVersion) {
        List<String> p = new ArrayList<>();
        Map<String, Object> metadata = map(doc.get("metadata"));
        String name = String.valueOf(metadata.get("name"));
        String at = name + ": ";
        if (!"camel.apache.org/v1".equals(doc.get("apiVersion")) || !"Kamelet".equals(doc.get("kind"))) {
            p.add(at + "not a camel.apache.org/v1 Kamelet");
        }
        if (!fileName.equals(name + ".kamelet.yaml")) {
            p.add(fileName + ": metadata.name is " + name);
        }
        String type = String.valueOf(map(metadata.get("labels")).get("camel.apache.org/kamelet.type"));
        if (!TYPES.contains(type)) {
            p.add(at + "label camel.apache.org/kamelet.type is " + type + ", not source, sink or action");
        } else if (!name.endsWith("-" + type)) {
            p.add(at + "does not end with -" + type + " as its label camel.apache.org/kamelet.type says");
        }
        Map<String, Object> annotations = map(metadata.get("annotations"));
        String supportLevel = String.valueOf(annotations.get("camel.apache.org/kamelet.support.level"));
        if (!KameletNames.VALID.matcher(name).matches()) {
            boolean deprecatedAlias = DEPRECATED_ALIASES.contains(name) && supportLevel.equals("Deprecated")
                    && KameletNames.canonical(name).equals(annotations.get(CatalogGenerator.RENAMED_TO));
            if (!deprecatedAlias) {
                p.add(at + "not lower-case kebab-case ending in -source, -sink or -action");
            }
        }
        if (!SUPPORT_LEVELS.contains(supportLevel)) {
            p.add(at + "camel.apache.org/kamelet.support.level is " + supportLevel + ", not one of " + SUPPORT_LEVELS);
        }
        if (!catalogVersion.equals(annotations.get("camel.apache.org/catalog.version"))) {
            p.add(at + "camel.apache.org/catalog.version is " + annotations.get("camel.apache.org/catalog.version")
                    + ", not the project version " + catalogVersion);
        }
        if (!CatalogGenerator.PROVIDER.equals(annotations.get("camel.apache.org/provider"))) {
            p.add(at + "camel.apache.org/provider is not " + CatalogGenerator.PROVIDER);
        }
        Object group = annotations.get("camel.apache.org/kamelet.group");
        if (!(group instanceof String g) || g.isBlank()) {
            p.add(at + "no camel.apache.org/kamelet.group");
        }
        String icon = String.valueOf(annotations.get("camel.apache.org/kamelet.icon"));
        if (!icon.startsWith("data:image/svg+xml;base64,")) {
            p.add(at + "icon is not an SVG data URI (camel.apache.org/kamelet.icon)");
        } else {
            try {
                String problem = svgProblem(Base64.getDecoder().decode(icon.substring(icon.indexOf(',') + 1)));
                if (problem != null) {
                    p.add(at + "icon " + problem);
                } else if (group instanceof String g && !icon.equals(CatalogGenerator.icon(g))) {
                    p.add(at + "icon is not the one of group " + g + " (" + CatalogGenerator.iconFile(g) + ")");
                }
            } catch (IllegalArgumentException e) {
                p.add(at + "icon is not valid base64");
            }
        }

        Map<String, Object> spec = map(doc.get("spec"));
        Map<String, Object> def = map(spec.get("definition"));
        if (blank(def.get("title"))) {
            p.add(at + "no title");
        } else if (TYPES.contains(type) && !String.valueOf(def.get("title")).endsWith(" " + capitalized(type))) {
            p.add(at + "title " + def.get("title") + " does not end with " + capitalized(type));
        }
        if (blank(def.get("description"))) {
            p.add(at + "no description");
        }
        if (!"object".equals(def.get("type"))) {
            p.add(at + "definition is not of type object");
        }
        Map<String, Object> properties = map(def.get("properties"));
        List<?> required = def.get("required") instanceof List<?> l ? l : List.of();
        for (Object r : required) {
            if (!properties.containsKey(String.valueOf(r))) {
                p.add(at + "required property " + r + " is not defined");
            }
        }
        if (Set.copyOf(required).size() != required.size()) {
            p.add(at + "a required property is listed twice");
        }
        properties.forEach((prop, value) -> p.addAll(propertyProblems(at + prop, map(value))));

        Object template = spec.get("template");
        Set<String> used = new LinkedHashSet<>();
        placeholders(template, used);
        for (String u : used) {
            if (!properties.containsKey(u)) {
                p.add(at + "the template uses {{" + u + "}}, which is not a property");
            }
        }
        for (String prop : properties.keySet()) {
            if (!used.contains(prop)) {
                p.add(at + "property " + prop + " is never used in the template");
            }
        }
        Map<String, Object> from = map(map(template).get("from"));
        String templateText = String.valueOf(template);
        if (type.equals("source") && !templateText.contains("kamelet:sink")) {
            p.add(at + "a source must send to kamelet:sink");
        }
        if ((type.equals("sink") || type.equals("action")) && !"kamelet:source".equals(from.get("uri"))) {
            p.add(at + (type.equals("action") ? "an " : "a ") + type + " must consume from kamelet:source");
        }
        List<?> dependencies = spec.get("dependencies") instanceof List<?> l ? l : List.of();
        if (dependencies.isEmpty()) {
            p.add(at + "no dependencies");
        }
        for (Object d : dependencies) {
            String dep = String.valueOf(d);
            if (!dep.startsWith("camel:") && !dep.startsWith("mvn:") && !dep.startsWith("github:")) {
                p.add(at + "dependency " + dep + " is not camel:, mvn: or github:");
            }
        }
        return p;
    }

    private static List<String> propertyProblems(String at, Map<String, Object> prop) {
        List<String> p = new ArrayList<>();
        if (blank(prop.get("title"))) {
            p.add(at + ": no title");
        } else {
            String title = (String) prop.get("title");
            for (String word : title.split(" +")) {
                if (!CatalogGenerator.TITLE_STOPWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))
                        && Character.isLowerCase(word.charAt(0))) {
                    p.add(at + ": title " + title + " has the word " + word + " in lower case");
                }
            }
            if (title.matches("(The|A|An) .*")) {
                p.add(at + ": title " + title + " starts with an article");
            }
        }
        if (blank(prop.get("description"))) {
            p.add(at + ": no description");
        }
        String type = String.valueOf(prop.get("type"));
        if (!JSON_SCHEMA_TYPES.contains(type)) {
            p.add(at + ": type " + type + " is not a JSON schema type");
        }
        if (!prop.containsKey("example") && !prop.containsKey("default")) {
            p.add(at + ": neither example nor default");
        }
        for (String key : List.of("example", "default")) {
            if (prop.containsKey(key) && !fits(prop.get(key), type)) {
                p.add(at + ": " + key + " " + prop.get(key) + " is not " + type);
            }
        }
        List<?> descriptors = prop.get("x-descriptors") instanceof List<?> l ? l : List.of();
        String property = at.substring(at.lastIndexOf(' ') + 1);
        if (SECRET_NAME.matcher(property).matches() && !"password".equals(prop.get("format"))) {
            p.add(at + ": holds a secret, so format: password");
        }
        if ("password".equals(prop.get("format")) && !descriptors.contains(CREDENTIALS_DESCRIPTOR)) {
            p.add(at + ": format password without x-descriptors " + CREDENTIALS_DESCRIPTOR);
        }
        return p;
    }

    /** Whether a YAML value is of a JSON schema type (an integer is a number too). */
    private static boolean fits(Object value, String type) {
        return switch (type) {
            case "string" -> value instanceof String;
            case "integer" -> value instanceof Integer || value instanceof Long || value instanceof java.math.BigInteger;
            case "number" -> value instanceof Number;
            case "boolean" -> value instanceof Boolean;
            case "array" -> value instanceof List;
            case "object" -> value instanceof Map;
            default -> false;
        };
    }

    private static void placeholders(Object node, Set<String> into) {
        if (node instanceof String s) {
            Matcher m = PLACEHOLDER.matcher(s);
            while (m.find()) {
                into.add(m.group(1));
            }
        } else if (node instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                placeholders(k, into);
                placeholders(v, into);
            });
        } else if (node instanceof List<?> l) {
            l.forEach(v -> placeholders(v, into));
        }
    }

    /** Why the bytes are not a safe SVG an editor can show (null when they are). */
    static String svgProblem(byte[] svg) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Element root = factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg)).getDocumentElement();
            if (!"svg".equals(root.getLocalName()) || !SVG_NS.equals(root.getNamespaceURI())) {
                return "is not an <svg> element in the SVG namespace";
            }
            if (!root.hasAttribute("viewBox")) {
                return "has no viewBox, so it cannot be scaled";
            }
            NodeList all = root.getElementsByTagNameNS("*", "*");
            for (int i = 0; i < all.getLength(); i++) {
                if (all.item(i).getLocalName().equals("script") || all.item(i).getLocalName().equals("foreignObject")) {
                    return "holds a " + all.item(i).getLocalName();
                }
            }
            return null;
        } catch (Exception e) {
            return "is not well-formed XML: " + e.getMessage();
        }
    }

    private static String capitalized(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }

    private static boolean blank(Object value) {
        return !(value instanceof String s) || s.isBlank();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : new LinkedHashMap<>();
    }
}
