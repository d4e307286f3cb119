package io.contactsbridge.connectors.catalog;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.contactsbridge.connectors.ActionDefinition;
import io.contactsbridge.connectors.ActionDefinition.Parameter;
import org.yaml.snakeyaml.Yaml;

/**
 * Generates the connector catalog: the runtime action table, one action Kamelet per operation and
 * docs/catalog.md (actions, plus the hand-written trigger Kamelets). {@link CatalogIsCurrentTest}
 * fails when the committed files differ from what this produces; regenerate with
 * {@code ./mvnw test -Dtest=CatalogIsCurrentTest -Dcatalog.write=true}.
 */
final class CatalogGenerator {

    static final Path ACTIONS_JSON = Path.of("src/main/resources/catalog/actions.json");
    static final Path KAMELETS = Path.of("src/main/resources/kamelets");
    static final Path CATALOG_MD = Path.of("docs/catalog.md");
    /** The Kamelet icons (SVG), one per group; see {@link #iconFile}. */
    static final Path ICONS = Path.of("src/main/catalog/icons");
    static final Path POM = Path.of("pom.xml");
    /** Value of camel.apache.org/provider on every Kamelet of this project. */
    static final String PROVIDER = "contacts-bridge";

    /** Header prefix for parameters fixed as Kamelet properties; per-message headers use the bare name. */
    static final String PARAM_HEADER_PREFIX = io.contactsbridge.connectors.ConnectorActions.PARAM_HEADER_PREFIX;
    /** Annotation of an alias Kamelet naming the Kamelet that replaced it. */
    static final String RENAMED_TO = "contacts-bridge/renamed-to";
    static final String ACTION_HEADER = io.contactsbridge.connectors.ConnectorActions.ACTION_HEADER;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CatalogGenerator() {
    }

    /** Every generated file, by path relative to the project folder, with its exact content. */
    static Map<Path, String> generate() throws IOException {
        List<ActionDefinition> actions = new ArrayList<>(ActionSources.highLevel(ActionSources.HIGHLEVEL_REFERENCE));
        actions.addAll(ActionSources.birdSend(ActionSources.BIRDSEND_TABLE));
        Map<Path, String> files = new LinkedHashMap<>();
        files.put(ACTIONS_JSON, JSON.writeValueAsString(actions) + "\n");
        for (ActionDefinition a : actions) {
            files.put(KAMELETS.resolve(a.name() + ".kamelet.yaml"), kamelet(a));
            String oldName = oldName(a);
            if (!oldName.equals(a.name())) {
                files.put(KAMELETS.resolve(oldName + ".kamelet.yaml"), alias(a, oldName));
            }
        }
        files.put(CATALOG_MD, markdown(actions, triggers()));
        return files;
    }

    // ---- action Kamelets ------------------------------------------------------------------------

    static String kamelet(ActionDefinition a) throws JsonProcessingException {
        StringBuilder y = new StringBuilder();
        y.append("# Generated from ").append(source(a)).append(" by CatalogGenerator: do not edit.\n");
        y.append("apiVersion: camel.apache.org/v1\nkind: Kamelet\nmetadata:\n");
        y.append("  name: ").append(a.name()).append('\n');
        y.append(annotations("Stable", serviceTitle(a)));
        y.append("  labels:\n    camel.apache.org/kamelet.type: \"action\"\n");
        y.append("spec:\n  definition:\n");
        y.append("    title: ").append(q(kameletTitle(a))).append('\n');
        y.append("    description: ").append(q(description(a))).append('\n');
        y.append("    type: object\n");
        y.append(properties(a));
        y.append("  dependencies:\n    - \"camel:kamelet\"\n    - \"camel:bean\"\n    - \"camel:direct\"\n");
        y.append("  template:\n    from:\n      uri: \"kamelet:source\"\n      steps:\n");
        y.append(setHeader("connection", "{{connection}}"));
        for (Parameter p : a.parameters()) {
            y.append(setHeader(p.name(), "{{?" + p.name() + "}}"));
        }
        y.append("        - setHeader:\n            name: ").append(q(ACTION_HEADER)).append("\n            constant: ").append(q(a.name())).append('\n');
        y.append("        - to: ").append(q("bean:connectorActions?method=prepare")).append('\n');
        y.append("        - to: ").append(q("direct:" + a.service() + "-call")).append('\n');
        y.append("        - to: ").append(q("bean:connectorActions?method=complete")).append('\n');
        return y.toString();
    }

    /** The name before Kamelet names were lower-case kebab-case: the operation id as the spec spells it. */
    static String oldName(ActionDefinition a) {
        return a.service() + "-" + a.operation() + "-action";
    }

    /**
     * A thin Kamelet under an action's old name, accepted for one release: it calls the new one with the same
     * properties (KameletNames logs a deprecation WARN when a route uses it).
     */
    static String alias(ActionDefinition a, String oldName) {
        StringBuilder y = new StringBuilder();
        y.append("# Generated by CatalogGenerator: do not edit. The old name of ").append(a.name())
                .append(", accepted until the next release.\n");
        y.append("apiVersion: camel.apache.org/v1\nkind: Kamelet\nmetadata:\n");
        y.append("  name: ").append(oldName).append('\n');
        y.append(annotations("Deprecated", serviceTitle(a)));
        y.append("    ").append(RENAMED_TO).append(": ").append(q(a.name())).append('\n');
        y.append("  labels:\n    camel.apache.org/kamelet.type: \"action\"\n");
        y.append("spec:\n  definition:\n");
        y.append("    title: ").append(q("Deprecated " + kameletTitle(a))).append('\n');
        y.append("    description: ").append(q("Deprecated: renamed " + a.name() + ", which this calls with the same properties; the old name is "
                + "accepted until the next release, which removes it.")).append('\n');
        y.append("    type: object\n");
        y.append(properties(a));
        y.append("  dependencies:\n    - \"camel:kamelet\"\n");
        y.append("  template:\n    from:\n      uri: \"kamelet:source\"\n      steps:\n");
        y.append("        - to:\n            uri: ").append(q("kamelet:" + a.name())).append('\n');
        y.append("            parameters:\n              connection: \"{{connection}}\"\n");
        for (Parameter p : a.parameters()) {
            y.append("              ").append(p.name()).append(": ").append(q("{{?" + p.name() + "}}")).append('\n');
        }
        return y.toString();
    }

    /**
     * The annotations visual editors (Kaoto, Karavan) and the Kamelet catalog read: support level, catalog version,
     * icon, provider and group; KameletConventionsTest checks them on every Kamelet.
     */
    static String annotations(String supportLevel, String group) {
        return "  annotations:\n"
                + "    camel.apache.org/kamelet.support.level: " + q(supportLevel) + "\n"
                + "    camel.apache.org/catalog.version: " + q(catalogVersion()) + "\n"
                + "    camel.apache.org/kamelet.icon: " + q(icon(group)) + "\n"
                + "    camel.apache.org/provider: " + q(PROVIDER) + "\n"
                + "    camel.apache.org/kamelet.group: " + q(group) + "\n";
    }

    /** The connection and the operation's parameters, each with title, description, type and an example or default. */
    private static String properties(ActionDefinition a) {
        StringBuilder y = new StringBuilder("    properties:\n");
        y.append("      connection:\n        title: \"Connection\"\n");
        y.append("        description: ").append(q("Id of the " + serviceTitle(a) + " connection to call with")).append('\n');
        y.append("        type: string\n        default: ").append(q(a.service())).append('\n');
        for (Parameter p : a.parameters()) {
            if (p.example() == null) {
                throw new IllegalStateException("No example for parameter " + p.name() + " of " + a.service() + " operation "
                        + a.operation() + ": give one in " + (a.service().equals("highlevel")
                        ? "ActionSources.MISSING_EXAMPLES" : ActionSources.BIRDSEND_TABLE));
            }
            y.append("      ").append(p.name()).append(":\n");
            y.append("        title: ").append(q(title(p.name()))).append('\n');
            y.append("        description: ").append(q(p.description() + (p.required() ? " (required" : " (optional")
                    + "; or a header named " + p.name() + " on each message)")).append('\n');
            y.append("        type: ").append(p.type()).append('\n');
            y.append("        example: ").append(typed(p.type(), p.example())).append('\n');
        }
        return y.toString();
    }

    /** An example as a YAML value of the property's JSON schema type, so an editor's form takes it as is. */
    static String typed(String type, String example) {
        boolean plain = switch (type) {
            case "number", "integer" -> example.matches("-?\\d+(\\.\\d+)?");
            case "boolean" -> example.equals("true") || example.equals("false");
            default -> false;
        };
        return plain ? example : q(example);
    }

    /** The project's version in pom.xml: every Kamelet's camel.apache.org/catalog.version, as in Camel's own catalog. */
    static String catalogVersion() {
        try {
            var factory = javax.xml.parsers.DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            org.w3c.dom.Element project = factory.newDocumentBuilder().parse(POM.toFile()).getDocumentElement();
            for (org.w3c.dom.Node n = project.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof org.w3c.dom.Element e && e.getTagName().equals("version")) {
                    return e.getTextContent().trim();
                }
            }
            throw new IllegalStateException(POM + " has no project version");
        } catch (javax.xml.parsers.ParserConfigurationException | org.xml.sax.SAXException | IOException e) {
            throw new IllegalStateException("Cannot read the project version from " + POM, e);
        }
    }

    /** The icon file of a Kamelet group: HighLevel, BirdSend, or the bridge's own for every other group. */
    static Path iconFile(String group) {
        return ICONS.resolve(switch (group) {
            case "HighLevel" -> "highlevel.svg";
            case "BirdSend" -> "birdsend.svg";
            default -> "contacts-bridge.svg";
        });
    }

    /** A group's icon as the data URI the camel.apache.org/kamelet.icon annotation holds. */
    static String icon(String group) {
        try {
            return "data:image/svg+xml;base64," + java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(iconFile(group)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Cannot read the icon " + iconFile(group), e);
        }
    }

    private static String setHeader(String param, String placeholder) {
        return "        - setHeader:\n            name: " + q(PARAM_HEADER_PREFIX + param) + "\n            constant: " + q(placeholder) + "\n";
    }

    private static String description(ActionDefinition a) {
        StringBuilder d = new StringBuilder(a.description().isEmpty() ? a.title() : a.description());
        d.append("\n\n").append(a.method()).append(' ').append(a.path()).append(" on the connection's base URL.");
        if (!a.scopes().isEmpty()) {
            d.append(" Scopes: ").append(String.join(", ", a.scopes())).append('.');
        }
        if (a.hasBody()) {
            d.append(" The message body is the JSON request body").append(a.body().schema() != null ? " (" + a.body().schema() + ")" : "").append('.');
        }
        d.append(" The result is the service's JSON answer as the message body (a Map or List).");
        return d.toString();
    }

    private static String source(ActionDefinition a) {
        return a.service().equals("highlevel") ? "HighLevel's OpenAPI spec (operation " + a.operation() + ")"
                : "src/main/catalog/birdsend-operations.yaml (operation " + a.operation() + ")";
    }

    // ---- triggers (hand-written source Kamelets) -------------------------------------------------

    record Trigger(String name, String title, String description, Map<String, Map<String, Object>> properties,
                   String example) {
    }

    @SuppressWarnings("unchecked")
    static List<Trigger> triggers() throws IOException {
        List<Trigger> triggers = new ArrayList<>();
        if (!Files.isDirectory(KAMELETS)) {
            return triggers;
        }
        try (Stream<Path> files = Files.list(KAMELETS)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith("-source.kamelet.yaml")).sorted().toList()) {
                Map<String, Object> doc;
                try (Reader r = Files.newBufferedReader(f)) {
                    doc = new Yaml().load(r);
                }
                Map<String, Object> meta = (Map<String, Object>) doc.get("metadata");
                Map<String, Object> annotations = (Map<String, Object>) meta.getOrDefault("annotations", Map.of());
                Map<String, Object> def = (Map<String, Object>) ((Map<String, Object>) doc.get("spec")).get("definition");
                triggers.add(new Trigger((String) meta.get("name"), (String) def.get("title"), (String) def.get("description"),
                        new TreeMap<>((Map<String, Map<String, Object>>) def.getOrDefault("properties", Map.of())),
                        (String) annotations.get("contacts-bridge/example")));
            }
        }
        return triggers;
    }

    // ---- docs/catalog.md ------------------------------------------------------------------------

    static String markdown(List<ActionDefinition> actions, List<Trigger> triggers) {
        StringBuilder m = new StringBuilder();
        m.append("# Connector catalog\n\n");
        m.append("<!-- Generated by CatalogGenerator from HighLevel's OpenAPI spec, src/main/catalog/birdsend-operations.yaml\n")
                .append("     and the trigger Kamelets. Do not edit: run ./mvnw test -Dtest=CatalogIsCurrentTest -Dcatalog.write=true -->\n\n");
        long hl = actions.stream().filter(a -> a.service().equals("highlevel")).count();
        m.append("Every operation of both APIs is a ready-made **action** Kamelet (").append(hl).append(" HighLevel, ")
                .append(actions.size() - hl).append(" BirdSend), and every way a change can enter the bridge is a **trigger** Kamelet (")
                .append(triggers.size()).append("). Use them by name from a YAML route in `routes/`; visual editors such as Kaoto list them too.\n\n");
        m.append("""
                ## How actions work

                - **Parameters** (path and query) are given either as Kamelet properties, fixed for the route
                  (`kamelet:highlevel-get-contact-action?contactId=abc`), or per message as a header of the same name
                  (`setHeader: {name: contactId, ...}` before the `to`). A property wins over a header.
                - **Body**: for operations with a request body, the message body is sent as JSON (a JSON string, a Map or a
                  Jackson node).
                - **Result**: the service's JSON answer becomes the message body as a Map or List, so
                  `${body[contact][id]}` works in `simple`. The HTTP status is in the header `BridgeHttpStatus`.
                - **Connection**: `connection` names the connection to call with (default `highlevel` or `birdsend`). HighLevel's
                  `locationId`, when required and not given, is taken from the connection.
                - **Safety**: every call goes through the outbound layer: authentication (`Version: 2021-07-28` for HighLevel), the
                  per-connection rate budget, retries with backoff on 429/5xx, one token refresh on 401, and a circuit breaker per
                  connection. A failure is an `UpstreamApiException` naming the service, operation, status and the service's message,
                  with validation errors field by field.

                """);
        m.append("## Actions\n\n| Action | Call | Scopes |\n|---|---|---|\n");
        for (ActionDefinition a : actions) {
            m.append("| [`").append(a.name()).append("`](#").append(a.name()).append(") | `").append(a.method()).append(' ')
                    .append(a.path()).append("` | ").append(String.join(", ", a.scopes())).append(" |\n");
        }
        List<ActionDefinition> renamed = actions.stream().filter(a -> !oldName(a).equals(a.name())).toList();
        if (!renamed.isEmpty()) {
            m.append("\n## Renamed actions\n\nKamelet names are lower-case kebab-case. These old names still work until the next ")
                    .append("release (each use logs a deprecation warning naming the new name):\n\n| Old name | New name |\n|---|---|\n");
            for (ActionDefinition a : renamed) {
                m.append("| `").append(oldName(a)).append("` | [`").append(a.name()).append("`](#").append(a.name()).append(") |\n");
            }
        }
        m.append("\n## Triggers\n\n| Trigger | What |\n|---|---|\n");
        for (Trigger t : triggers) {
            m.append("| [`").append(t.name()).append("`](#").append(t.name()).append(") | ").append(t.title()).append(" |\n");
        }
        m.append('\n');
        for (ActionDefinition a : actions) {
            m.append("### ").append(a.name()).append("\n\n**").append(a.title()).append("**: ")
                    .append(a.description().isEmpty() ? a.title() : a.description()).append("\n\n");
            m.append("`").append(a.method()).append(' ').append(a.path()).append("`");
            if (!a.scopes().isEmpty()) {
                m.append(" · scopes: ").append(String.join(", ", a.scopes()));
            }
            if (a.hasBody()) {
                m.append(" · body: JSON").append(a.body().schema() != null ? " `" + a.body().schema() + "`" : "")
                        .append(a.body().required() ? " (required)" : " (optional)");
            }
            m.append("\n\n| Parameter | In | Required | Type | Description |\n|---|---|---|---|---|\n");
            m.append("| `connection` | property | no | string | connection to call with (default `").append(a.service()).append("`) |\n");
            for (Parameter p : a.parameters()) {
                m.append("| `").append(p.name()).append("` | ").append(p.in()).append(" | ").append(p.required() ? "yes" : "no")
                        .append(" | ").append(p.type()).append(" | ").append(p.description().replace("|", "\\|")).append(" |\n");
            }
            m.append("\n```yaml\n").append(actionExample(a)).append("```\n\n");
        }
        for (Trigger t : triggers) {
            m.append("### ").append(t.name()).append("\n\n**").append(t.title()).append("**: ")
                    .append(t.description() == null ? "" : t.description().replaceAll("\\s+", " ").trim()).append("\n\n");
            if (!t.properties().isEmpty()) {
                m.append("| Parameter | Type | Default | Description |\n|---|---|---|---|\n");
                t.properties().forEach((name, p) -> m.append("| `").append(name).append("` | ").append(p.getOrDefault("type", "string"))
                        .append(" | ").append(p.containsKey("default") ? "`" + p.get("default") + "`" : "").append(" | ")
                        .append(String.valueOf(p.getOrDefault("description", "")).replace("|", "\\|").replaceAll("\\s+", " ").trim())
                        .append(" |\n"));
                m.append('\n');
            }
            if (t.example() != null) {
                m.append("```yaml\n").append(t.example().endsWith("\n") ? t.example() : t.example() + "\n").append("```\n\n");
            }
        }
        return m.toString();
    }

    /** A copy-pasteable YAML route calling the action with example values. */
    static String actionExample(ActionDefinition a) {
        StringBuilder y = new StringBuilder();
        y.append("- route:\n    id: example-").append(a.name().replace("-action", "")).append('\n');
        y.append("    from:\n      uri: \"direct:example-").append(a.name().replace("-action", "")).append("\"\n      steps:\n");
        for (Parameter p : a.parameters()) {
            if (p.required()) {
                y.append("        - setHeader:\n            name: ").append(p.name()).append('\n')
                        .append("            constant: ").append(q(p.example() != null ? p.example() : "value")).append('\n');
            }
        }
        if (a.hasBody()) {
            y.append("        - setBody:\n            constant: ").append(q(a.body().example() != null ? a.body().example() : "{}")).append('\n');
        }
        y.append("        - to: \"kamelet:").append(a.name()).append("\"\n");
        y.append("        - log: \"").append(a.operation()).append(" answered ${body}\"\n");
        return y.toString();
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** A YAML double-quoted scalar (JSON string syntax is valid YAML). */
    static String q(String s) {
        try {
            return JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String serviceTitle(ActionDefinition a) {
        return a.service().equals("highlevel") ? "HighLevel" : "BirdSend";
    }

    /** A property's title from its name: contactId is "Contact ID", per_page "Per Page". */
    static String title(String camel) {
        return titleCase(camel.replaceAll("([a-z])([A-Z])", "$1 $2").replace('_', ' '));
    }

    /**
     * An action Kamelet's title as Camel's catalog writes them: service, operation in title case, then the type
     * ("HighLevel Get Contact Action"), so an editor's list reads the same for every Kamelet.
     */
    static String kameletTitle(ActionDefinition a) {
        String operation = a.title().substring(a.title().indexOf(": ") + 2);
        return serviceTitle(a) + " " + titleCase(operation) + " Action";
    }

    /** Words left lower-case inside a title (Camel's catalog checks every other word starts upper-case). */
    static final java.util.Set<String> TITLE_STOPWORDS =
            java.util.Set.of("a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "per", "the", "to", "with");

    /** Capitalises each word but inner stopwords; "id" becomes "ID"; words with capitals of their own are kept. */
    static String titleCase(String text) {
        String[] words = text.trim().split(" +");
        for (int i = 0; i < words.length; i++) {
            String w = words[i];
            if (w.equalsIgnoreCase("id")) {
                words[i] = "ID";
            } else if (i == 0 || !TITLE_STOPWORDS.contains(w.toLowerCase(java.util.Locale.ROOT))) {
                words[i] = Character.toUpperCase(w.charAt(0)) + w.substring(1);
            } else {
                words[i] = w.toLowerCase(java.util.Locale.ROOT);
            }
        }
        return String.join(" ", words);
    }

    /** Writes every generated file (used by CatalogIsCurrentTest with -Dcatalog.write=true). */
    static void write(Map<Path, String> files) throws IOException {
        try (Stream<Path> old = Files.isDirectory(KAMELETS) ? Files.list(KAMELETS) : Stream.empty()) {
            for (Path p : old.filter(p -> p.getFileName().toString().endsWith("-action.kamelet.yaml")).toList()) {
                if (!files.containsKey(p)) {
                    Files.delete(p); // an action whose operation left the spec
                }
            }
        }
        for (Map.Entry<Path, String> f : files.entrySet()) {
            Files.createDirectories(f.getKey().toAbsolutePath().getParent());
            Files.writeString(f.getKey(), f.getValue());
        }
    }
}
