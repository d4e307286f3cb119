package io.contactsbridge.mapping;

import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads and validates a mapping file. Works on SnakeYAML's node tree rather than on plain maps so every
 * problem can name its line, and collects all problems before failing.
 */
final class MappingParser {

    static final List<String> TOP_LEVEL_KEYS = List.of("defaultCountry", "fields");
    static final List<String> FIELD_KEYS = List.of("name", "birdsend", "highlevel", "direction", "owner",
            "transforms", "default");
    /** The plain string properties of HighLevel's CreateContactDto that a field may map. */
    static final List<String> HIGHLEVEL_PROPERTIES = List.of("firstName", "lastName", "name", "phone", "address1",
            "city", "state", "postalCode", "website", "timezone", "dateOfBirth", "country", "companyName", "source",
            "gender", "assignedTo");
    static final String BIRDSEND_FIELDS_PREFIX = "fields.";
    static final String HIGHLEVEL_CUSTOM_PREFIX = "customFields.";
    static final String HIGHLEVEL_KEY_PREFIX = "contact.";
    /** HighLevel properties HighLevel rewrites on its own (or that are derived), so they cannot be a split part. */
    private static final Set<String> NOT_SPLITTABLE = Set.of("email", "tags", "dnd", "phone", "dateOfBirth", "name");
    /** The words for {@link FieldDirection}, in its declaration order. */
    private static final List<String> DIRECTIONS = List.of("both", "to-highlevel", "to-birdsend");
    private static final List<String> OWNERS = List.of("birdsend", "highlevel");
    private static final Pattern KEY = Pattern.compile("[a-z0-9_]+");
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*");

    private final String sourceName;
    private final List<MappingException.Problem> problems = new ArrayList<>();

    private MappingParser(String sourceName) {
        this.sourceName = sourceName;
    }

    static ContactMapping parse(String yaml, String sourceName) {
        return new MappingParser(sourceName).run(yaml);
    }

    /** A field as written, before the checks that need all fields. Lines are 1-based; 0 when absent. */
    private static final class Draft {
        int line;
        String name;
        int nameLine;
        String birdsendPath;
        int birdsendLine;
        List<String> highlevelPaths = List.of();
        int highlevelLine;
        FieldDirection direction;
        int directionLine;
        Side owner;
        int ownerLine;
        final List<TextTransform> transforms = new ArrayList<>();
        final List<Integer> transformLines = new ArrayList<>();
        int transformsLine;
        String defaultValue;
        int defaultLine;
        /** A default key was present, even if its value was unusable (already reported). */
        boolean defaultGiven;
        /** False once a key, path, direction or transform could not be read: later checks would only echo it. */
        boolean valid = true;

        String label() {
            return name != null ? "field '" + name + "'" : "the field at line " + line;
        }

        boolean mentionsEmail() {
            return "email".equals(birdsendPath) || highlevelPaths.contains("email");
        }
    }

    private ContactMapping run(String yaml) {
        Node root;
        try {
            root = new Yaml().compose(new StringReader(yaml));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String what = e.getProblem() != null ? e.getProblem() : e.getMessage();
            String context = e.getContext() != null ? " (" + e.getContext() + ")" : "";
            problem(mark == null ? 0 : mark.getLine() + 1, "YAML syntax error: " + what + context);
            throw failure();
        } catch (YAMLException e) {
            problem(0, "YAML syntax error: " + e.getMessage());
            throw failure();
        }
        if (root == null) {
            problem(1, "the file is empty; it needs a 'fields' list");
            throw failure();
        }
        if (!(root instanceof MappingNode top)) {
            problem(line(root), "the top level must be a mapping with the keys " + String.join(", ", TOP_LEVEL_KEYS));
            throw failure();
        }

        Map<String, NodeTuple> entries = entries(top, TOP_LEVEL_KEYS, "top-level key", null);
        PhoneCountry country = PhoneCountry.US;
        NodeTuple countryEntry = entries.get("defaultCountry");
        if (countryEntry != null) {
            String code = scalar(countryEntry.getValueNode(), "defaultCountry");
            Optional<PhoneCountry> known = PhoneCountry.fromCode(code);
            if (code != null && known.isEmpty()) {
                problem(line(countryEntry.getValueNode()), "unknown defaultCountry '" + code + "' (known: "
                        + Arrays.stream(PhoneCountry.values()).map(Enum::name).collect(Collectors.joining(", ")) + ")");
            }
            country = known.orElse(PhoneCountry.US);
        }

        List<Draft> drafts = new ArrayList<>();
        NodeTuple fieldsEntry = entries.get("fields");
        int fieldsLine = 1;
        if (fieldsEntry == null) {
            problem(1, "missing 'fields': the list of mapped fields");
        } else {
            fieldsLine = line(fieldsEntry.getKeyNode());
            if (fieldsEntry.getValueNode() instanceof SequenceNode list) {
                for (Node item : list.getValue()) {
                    drafts.add(field(item, country));
                }
            } else {
                problem(line(fieldsEntry.getValueNode()), "'fields' must be a list of fields, each starting with '- name:'");
            }
        }

        checkAcrossFields(drafts, fieldsEntry == null ? 0 : fieldsLine);
        if (!problems.isEmpty()) {
            throw failure();
        }
        List<FieldRule> rules = drafts.stream().map(d -> new FieldRule(d.name, d.birdsendPath, d.highlevelPaths,
                d.direction, d.owner, d.transforms, d.defaultValue, d.line, kindOf(d))).toList();
        return new ContactMapping(sourceName, country, rules);
    }

    // --- one field -------------------------------------------------------------------------------

    private Draft field(Node node, PhoneCountry country) {
        Draft d = new Draft();
        d.line = line(node);
        if (!(node instanceof MappingNode mapping)) {
            problem(d.line, "each entry of 'fields' must be a mapping (name, birdsend, highlevel, ...)");
            d.valid = false;
            return d;
        }
        // The name first, so the other messages can say which field they are about.
        boolean named = false;
        for (NodeTuple tuple : mapping.getValue()) {
            if (tuple.getKeyNode() instanceof ScalarNode key && key.getValue().equals("name")) {
                named = true;
                d.name = scalar(tuple.getValueNode(), "name of the field at line " + d.line);
                d.nameLine = line(tuple.getValueNode());
                break;
            }
        }
        Map<String, NodeTuple> entries = entries(mapping, FIELD_KEYS, "key", d);
        if (!named) {
            problem(d.line, "a field has no 'name'");
        } else if (d.name != null && !NAME.matcher(d.name).matches()) {
            problem(d.nameLine, "field name '" + d.name + "' must start with a letter and contain only letters, "
                    + "digits, '_' and '-'");
        }
        readPaths(d, entries);
        readDirectionAndOwner(d, entries);
        readTransforms(d, entries);
        NodeTuple defaultEntry = entries.get("default");
        if (defaultEntry != null) {
            d.defaultValue = scalar(defaultEntry.getValueNode(), "default of " + d.label());
            d.defaultLine = line(defaultEntry.getValueNode());
            d.defaultGiven = true;
        }
        if (d.valid) {
            checkField(d, country);
        }
        return d;
    }

    private void readPaths(Draft d, Map<String, NodeTuple> entries) {
        NodeTuple birdsend = entries.get("birdsend");
        if (birdsend != null) {
            d.birdsendLine = line(birdsend.getValueNode());
            String path = scalar(birdsend.getValueNode(), "birdsend path of " + d.label());
            if (path == null) {
                d.valid = false;
            } else if (!validBirdSendPath(path)) {
                problem(d.birdsendLine, "invalid birdsend path '" + path + "' for " + d.label()
                        + " (valid: email, tags, unsubscribed, fields.<key> with a key of lower-case letters, digits and _)");
                d.valid = false;
            } else {
                d.birdsendPath = path;
            }
        }
        NodeTuple highlevel = entries.get("highlevel");
        if (highlevel == null) {
            return;
        }
        Node value = highlevel.getValueNode();
        d.highlevelLine = line(value);
        List<String> raw = new ArrayList<>();
        if (value instanceof SequenceNode list) {
            for (Node item : list.getValue()) {
                raw.add(scalar(item, "highlevel path of " + d.label()));
            }
            if (raw.size() != 2) {
                problem(d.highlevelLine, "the highlevel paths of " + d.label() + " must be one path or a list of two "
                        + "(a name split into first word and rest), not " + raw.size());
                d.valid = false;
                return;
            }
        } else {
            raw.add(scalar(value, "highlevel path of " + d.label()));
        }
        if (raw.contains(null)) {
            d.valid = false;
            return;
        }
        List<String> paths = new ArrayList<>();
        boolean allValid = true;
        for (String path : raw) {
            Optional<String> normalised = normaliseHighLevelPath(path);
            if (normalised.isEmpty()) {
                problem(d.highlevelLine, "invalid highlevel path '" + path + "' for " + d.label()
                        + suggestion(path, highLevelPathWords())
                        .map(s -> " (did you mean '" + s + "'?)")
                        .orElse(" (valid: email, tags, dnd, customFields.<key>, "
                                + String.join(", ", HIGHLEVEL_PROPERTIES) + ")"));
                allValid = false;
            } else {
                paths.add(normalised.get());
            }
        }
        if (allValid) {
            d.highlevelPaths = List.copyOf(paths);
        } else {
            d.valid = false;
        }
    }

    private void readDirectionAndOwner(Draft d, Map<String, NodeTuple> entries) {
        NodeTuple direction = entries.get("direction");
        if (direction != null) {
            d.directionLine = line(direction.getValueNode());
            String word = scalar(direction.getValueNode(), "direction of " + d.label());
            d.valid &= word != null;
            if (word != null) {
                int index = DIRECTIONS.indexOf(word);
                if (index < 0) {
                    problem(d.directionLine, "unknown direction '" + word + "' for " + d.label() + " (known: "
                            + String.join(", ", DIRECTIONS) + ")");
                    d.valid = false;
                } else {
                    d.direction = FieldDirection.values()[index];
                }
            }
        }
        NodeTuple owner = entries.get("owner");
        if (owner != null) {
            d.ownerLine = line(owner.getValueNode());
            String word = scalar(owner.getValueNode(), "owner of " + d.label());
            d.valid &= word != null;
            if (word != null) {
                int index = OWNERS.indexOf(word);
                if (index < 0) {
                    problem(d.ownerLine, "unknown owner '" + word + "' for " + d.label() + " (known: "
                            + String.join(", ", OWNERS) + ")");
                    d.valid = false;
                } else {
                    d.owner = index == 0 ? Side.BIRDSEND : Side.HIGHLEVEL;
                }
            }
        }
    }

    private void readTransforms(Draft d, Map<String, NodeTuple> entries) {
        NodeTuple transforms = entries.get("transforms");
        if (transforms == null) {
            return;
        }
        Node value = transforms.getValueNode();
        d.transformsLine = line(value);
        List<Node> items = value instanceof SequenceNode list ? list.getValue() : List.of(value);
        for (Node item : items) {
            String key = scalar(item, "transform of " + d.label());
            if (key == null) {
                d.valid = false;
                continue;
            }
            Optional<TextTransform> transform = TextTransform.fromKey(key);
            if (transform.isEmpty()) {
                problem(line(item), "unknown transform '" + key + "' for " + d.label() + " (known: "
                        + String.join(", ", TextTransform.keys()) + ")");
                d.valid = false;
            } else {
                d.transforms.add(transform.get());
                d.transformLines.add(line(item));
            }
        }
    }

    /** The checks that need the field's paths, direction and transforms all read. */
    private void checkField(Draft d, PhoneCountry country) {
        boolean onBirdSend = d.birdsendPath != null;
        boolean onHighLevel = !d.highlevelPaths.isEmpty();
        if (!onBirdSend && !onHighLevel) {
            problem(d.line, d.label() + " maps neither side: give it 'birdsend', 'highlevel' or both");
            return;
        }
        if (!checkKind(d, onBirdSend, onHighLevel)) {
            return;
        }
        FieldKind kind = kindOf(d);
        if (onBirdSend != onHighLevel) {
            Side side = onBirdSend ? Side.BIRDSEND : Side.HIGHLEVEL;
            FieldDirection only = side == Side.HIGHLEVEL ? FieldDirection.TO_HIGHLEVEL : FieldDirection.TO_BIRDSEND;
            if (d.direction != null && d.direction != only) {
                problem(d.directionLine, d.label() + " is only mapped on " + side.key() + ", so its direction must be "
                        + DIRECTIONS.get(only.ordinal()) + " (it is a constant written there)");
            }
            d.direction = only;
            if (!d.defaultGiven) {
                problem(d.line, d.label() + " is only mapped on " + side.key()
                        + " and needs a 'default': the constant written there");
            }
        } else if (d.direction == null) {
            d.direction = FieldDirection.BOTH;
        }
        if (d.owner != null && (d.owner == Side.BIRDSEND ? !onBirdSend : !onHighLevel)) {
            problem(d.ownerLine, "owner '" + d.owner.key() + "' of " + d.label() + " is not a side the field is mapped on");
        }
        for (int i = 0; i < d.transforms.size(); i++) {
            TextTransform transform = d.transforms.get(i);
            if (kind == FieldKind.BOOLEAN) {
                problem(d.transformLines.get(i), "transform '" + transform.key() + "' cannot be used on " + d.label()
                        + ": it applies to text fields, and this field is a yes/no flag");
            } else if (kind == FieldKind.TAGS && !transform.appliesToTags()) {
                problem(d.transformLines.get(i), "transform '" + transform.key() + "' cannot be used on " + d.label()
                        + ": it applies to text fields, and tags (always lower case) take only "
                        + Arrays.stream(TextTransform.values()).filter(TextTransform::appliesToTags)
                        .map(TextTransform::key).collect(Collectors.joining(", ")));
            }
        }
        if (kind == FieldKind.TEXT) {
            checkRequiredTransforms(d);
        }
        if (d.defaultValue != null) {
            if (kind != FieldKind.TEXT) {
                problem(d.defaultLine, d.label() + " cannot have a default: defaults are for text fields");
            } else if ("email".equals(d.birdsendPath) || d.highlevelPaths.contains("email")) {
                problem(d.defaultLine, d.label() + " cannot have a default: it is the email that identifies a contact");
            } else {
                String normalised = ContactMapping.normaliseText(d.defaultValue, d.transforms,
                        collapsesSpaces(d.highlevelPaths), country);
                if (normalised.isEmpty()) {
                    problem(d.defaultLine, "the default of " + d.label() + " is blank");
                }
                d.defaultValue = normalised;
            }
        }
    }

    /** Paths that only fit each other; false when the field's kind cannot be decided. */
    private boolean checkKind(Draft d, boolean onBirdSend, boolean onHighLevel) {
        int before = problems.size();
        int where = onHighLevel ? d.highlevelLine : d.birdsendLine;
        List<String> hl = d.highlevelPaths;
        checkPair(d, "tags", "tags", "tags can only map to tags", onBirdSend, onHighLevel, where);
        checkPair(d, "unsubscribed", "dnd", "the unsubscribe flag can only map to HighLevel's dnd", onBirdSend,
                onHighLevel, where);
        checkPair(d, "email", "email", "the email identifies a contact on both sides", onBirdSend, onHighLevel, where);
        if (hl.size() == 2) {
            for (String part : hl) {
                if (NOT_SPLITTABLE.contains(part)) {
                    problem(d.highlevelLine, "highlevel '" + part + "' cannot be a part of the split " + d.label()
                            + " (split parts are plain text properties or custom fields)");
                }
            }
            if (hl.get(0).equals(hl.get(1))) {
                problem(d.highlevelLine, "the two highlevel paths of " + d.label() + " must differ");
            }
        }
        return problems.size() == before;
    }

    /**
     * {@code birdsendWord} and {@code highlevelWord} must map to each other, and only on both sides: one-sided
     * tags would replace HighLevel's whole tag list, a one-sided flag or email makes no sense.
     */
    private void checkPair(Draft d, String birdsendWord, String highlevelWord, String reason, boolean onBirdSend,
                           boolean onHighLevel, int where) {
        boolean bs = birdsendWord.equals(d.birdsendPath);
        boolean hl = d.highlevelPaths.contains(highlevelWord);
        if (!bs && !hl) {
            return;
        }
        if (!onBirdSend || !onHighLevel) {
            problem(d.line, d.label() + " maps " + (bs ? "birdsend '" + birdsendWord : "highlevel '" + highlevelWord)
                    + "' on one side only: it must map birdsend '" + birdsendWord + "' to highlevel '" + highlevelWord
                    + "' (" + reason + ")");
        } else if (!bs || !d.highlevelPaths.equals(List.of(highlevelWord))) {
            problem(where, d.label() + " maps birdsend '" + d.birdsendPath + "' to highlevel '"
                    + String.join("' and '", d.highlevelPaths) + "': " + reason + " (birdsend '" + birdsendWord
                    + "' <-> highlevel '" + highlevelWord + "')");
        }
    }

    /**
     * HighLevel rewrites a few properties when it stores them; without the matching transform the value read back
     * would differ from the value written and every sync would look like a new change.
     */
    private void checkRequiredTransforms(Draft d) {
        String hl = d.highlevelPaths.size() == 1 ? d.highlevelPaths.get(0) : null;
        if (hl == null) {
            return;
        }
        int where = d.transformsLine > 0 ? d.transformsLine : d.highlevelLine;
        switch (hl) {
            case "email" -> {
                TextTransform lastCase = null;
                for (TextTransform t : d.transforms) {
                    if (t == TextTransform.LOWERCASE || t == TextTransform.UPPERCASE || t == TextTransform.CAPITALIZE) {
                        lastCase = t;
                    }
                }
                if (lastCase != TextTransform.LOWERCASE) {
                    problem(where, d.label() + " maps highlevel 'email', which HighLevel stores in lower case: "
                            + "its transforms must end in 'lowercase' (e.g. [trim, lowercase])");
                }
            }
            case "phone" -> {
                if (!d.transforms.contains(TextTransform.E164)) {
                    problem(where, d.label() + " maps highlevel 'phone', which HighLevel stores in E.164 form: "
                            + "add the transform 'e164'");
                }
            }
            case "dateOfBirth" -> {
                if (!d.transforms.contains(TextTransform.DATE)) {
                    problem(where, d.label() + " maps highlevel 'dateOfBirth', which HighLevel stores as a date-time: "
                            + "add the transform 'date'");
                }
            }
            default -> {
            }
        }
    }

    // --- across fields ---------------------------------------------------------------------------

    private void checkAcrossFields(List<Draft> drafts, int fieldsLine) {
        Map<String, Draft> names = new HashMap<>();
        Map<String, Draft> birdsendPaths = new HashMap<>();
        Map<String, Draft> highlevelPaths = new HashMap<>();
        for (Draft d : drafts) {
            if (d.name != null) {
                Draft first = names.putIfAbsent(d.name, d);
                if (first != null) {
                    problem(d.nameLine, "duplicate field name '" + d.name + "' (first used at line " + first.line + ")");
                }
            }
            if (d.birdsendPath != null) {
                Draft first = birdsendPaths.putIfAbsent(d.birdsendPath, d);
                if (first != null) {
                    problem(d.birdsendLine, "birdsend '" + d.birdsendPath + "' of " + d.label()
                            + " is already mapped by " + first.label() + " at line " + first.line);
                }
            }
            for (String path : d.highlevelPaths) {
                Draft first = highlevelPaths.putIfAbsent(path, d);
                if (first != null && first != d) {
                    problem(d.highlevelLine, "highlevel '" + path + "' of " + d.label()
                            + " is already mapped by " + first.label() + " at line " + first.line);
                }
            }
        }
        Draft fullName = highlevelPaths.get("name");
        if (fullName != null) {
            for (String part : List.of("firstName", "lastName")) {
                Draft other = highlevelPaths.get(part);
                if (other != null) {
                    Draft later = other.line > fullName.line ? other : fullName;
                    problem(later.highlevelLine, "highlevel 'name' (" + fullName.label() + ") is firstName and lastName "
                            + "together, so it cannot be mapped along with '" + part + "' (" + other.label() + ")");
                }
            }
        }
        // A field that names email wrongly has its own problem already.
        if (drafts.stream().noneMatch(Draft::mentionsEmail)) {
            problem(fieldsLine > 0 ? fieldsLine : 1, "no field maps birdsend 'email' to highlevel 'email': "
                    + "the email identifies a contact on both sides");
        }
    }

    // --- helpers ---------------------------------------------------------------------------------

    static FieldKind kindOf(String birdsendPath, List<String> highlevelPaths) {
        if ("tags".equals(birdsendPath) || highlevelPaths.contains("tags")) {
            return FieldKind.TAGS;
        }
        if ("unsubscribed".equals(birdsendPath) || highlevelPaths.contains("dnd")) {
            return FieldKind.BOOLEAN;
        }
        return FieldKind.TEXT;
    }

    private static FieldKind kindOf(Draft d) {
        return kindOf(d.birdsendPath, d.highlevelPaths);
    }

    /** Split names and HighLevel's {@code name} are joined from parts, which keeps no inner whitespace runs. */
    static boolean collapsesSpaces(List<String> highlevelPaths) {
        return highlevelPaths.size() == 2 || highlevelPaths.equals(List.of("name"));
    }

    private static boolean validBirdSendPath(String path) {
        return path.equals("email") || path.equals("tags") || path.equals("unsubscribed")
                || (path.startsWith(BIRDSEND_FIELDS_PREFIX)
                && KEY.matcher(path.substring(BIRDSEND_FIELDS_PREFIX.length())).matches());
    }

    /** The path as kept in a {@link FieldRule}: custom fields without the {@code contact.} key prefix. */
    private static Optional<String> normaliseHighLevelPath(String path) {
        if (path.equals("email") || path.equals("tags") || path.equals("dnd") || HIGHLEVEL_PROPERTIES.contains(path)) {
            return Optional.of(path);
        }
        if (path.startsWith(HIGHLEVEL_CUSTOM_PREFIX)) {
            String key = path.substring(HIGHLEVEL_CUSTOM_PREFIX.length());
            if (key.startsWith(HIGHLEVEL_KEY_PREFIX)) {
                key = key.substring(HIGHLEVEL_KEY_PREFIX.length());
            }
            if (KEY.matcher(key).matches()) {
                return Optional.of(HIGHLEVEL_CUSTOM_PREFIX + key);
            }
        }
        return Optional.empty();
    }

    private static List<String> highLevelPathWords() {
        List<String> words = new ArrayList<>(List.of("email", "tags", "dnd"));
        words.addAll(HIGHLEVEL_PROPERTIES);
        return words;
    }

    /**
     * The keys of {@code mapping} that are known, reporting unknown keys (with the closest known one) and
     * repeated ones. {@code field} is null at the top level.
     */
    private Map<String, NodeTuple> entries(MappingNode mapping, List<String> known, String what, Draft field) {
        Map<String, NodeTuple> entries = new LinkedHashMap<>();
        String where = field == null ? "" : " for " + field.label();
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode scalar)) {
                problem(line(keyNode), "keys must be plain words" + where);
                if (field != null) {
                    field.valid = false;
                }
                continue;
            }
            String key = scalar.getValue();
            if (!known.contains(key)) {
                problem(line(keyNode), "unknown " + what + " '" + key + "'" + where + suggestion(key, known)
                        .map(s -> " (did you mean '" + s + "'?)")
                        .orElse(" (known: " + String.join(", ", known) + ")"));
                if (field != null) {
                    field.valid = false;
                }
            } else if (entries.containsKey(key)) {
                problem(line(keyNode), "'" + key + "' is given twice" + where + " (first at line "
                        + line(entries.get(key).getKeyNode()) + ")");
                if (field != null) {
                    field.valid = false;
                }
            } else {
                entries.put(key, tuple);
            }
        }
        return entries;
    }

    /** A scalar's text, trimmed; null, with a problem, when the node is empty or not a single value. */
    private String scalar(Node node, String what) {
        if (node instanceof ScalarNode scalar) {
            if (Tag.NULL.equals(scalar.getTag()) || scalar.getValue().isBlank()) {
                problem(line(node), "the " + what + " is empty");
                return null;
            }
            return scalar.getValue().trim();
        }
        problem(line(node), "the " + what + " must be a single value, not a " + (node instanceof SequenceNode
                ? "list" : "mapping"));
        return null;
    }

    /** The known word closest to {@code given}, if it is close enough to be a typo of it. */
    static Optional<String> suggestion(String given, List<String> known) {
        String lower = given.toLowerCase(Locale.ROOT);
        return known.stream()
                .filter(k -> distance(lower, k.toLowerCase(Locale.ROOT)) <= Math.max(2, k.length() / 4))
                .min(Comparator.comparingInt(k -> distance(lower, k.toLowerCase(Locale.ROOT))));
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    private void problem(int line, String message) {
        problems.add(new MappingException.Problem(line, message));
    }

    private MappingException failure() {
        List<MappingException.Problem> sorted = new ArrayList<>(problems);
        sorted.sort(Comparator.comparingInt(MappingException.Problem::line));
        return new MappingException(sourceName, sorted);
    }
}
