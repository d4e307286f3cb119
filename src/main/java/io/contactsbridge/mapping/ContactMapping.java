package io.contactsbridge.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The declarative mapping between BirdSend and HighLevel contacts: which field is which on each side, how
 * values are normalised, which way each field flows. Loaded from a YAML file whose format is described at
 * the top of the shipped default, {@code classpath:mapping/contacts.yaml}.
 *
 * <p>The central promise, on which echo suppression rests: a value read from one side, written to the
 * other and read back from there is the same canonical value. Values are therefore normalised the same way
 * whichever side they are read from, and what is written is the normalised value.
 *
 * <p>Immutable and thread-safe.
 */
public final class ContactMapping {

    /** Where the default mapping lives. */
    public static final String DEFAULT_LOCATION = "classpath:mapping/contacts.yaml";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final String sourceName;
    private final PhoneCountry defaultCountry;
    private final List<FieldRule> fields;
    private final Map<String, FieldRule> byName;
    private final String emailField;

    ContactMapping(String sourceName, PhoneCountry defaultCountry, List<FieldRule> fields) {
        this.sourceName = sourceName;
        this.defaultCountry = defaultCountry;
        this.fields = List.copyOf(fields);
        this.byName = this.fields.stream().collect(Collectors.toUnmodifiableMap(FieldRule::name, Function.identity()));
        this.emailField = this.fields.stream().filter(f -> "email".equals(f.birdsendPath())).findFirst()
                .map(FieldRule::name).orElseThrow(() -> new IllegalArgumentException("no email field"));
    }

    // --- loading ---------------------------------------------------------------------------------

    /**
     * Loads and validates a mapping file.
     *
     * @throws MappingException listing every problem, each with its line
     */
    public static ContactMapping load(Resource resource) {
        String name = describe(resource);
        if (!resource.exists()) {
            throw new MappingException(name, List.of(new MappingException.Problem(0, "the file does not exist")));
        }
        if (resource.isFile() && !resource.isReadable()) {
            // A folder reads as empty, a file without permission as an error: both say what they are instead.
            throw new MappingException(name, List.of(new MappingException.Problem(0,
                    "the file cannot be read (a folder, or no permission to read it)")));
        }
        String yaml;
        try {
            yaml = resource.getContentAsString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new MappingException(name, List.of(new MappingException.Problem(0,
                    "the file cannot be read: " + e.getMessage())));
        }
        return parse(yaml, name);
    }

    /** The shipped default mapping. */
    public static ContactMapping loadDefault() {
        return load(new ClassPathResource(DEFAULT_LOCATION.substring("classpath:".length())));
    }

    /**
     * Parses and validates mapping YAML.
     *
     * @param sourceName how messages name the file
     * @throws MappingException listing every problem, each with its line
     */
    public static ContactMapping parse(String yaml, String sourceName) {
        return MappingParser.parse(yaml, sourceName);
    }

    private static String describe(Resource resource) {
        if (resource instanceof ClassPathResource classPath) {
            return "classpath:" + classPath.getPath();
        }
        try {
            if (resource.isFile()) {
                return resource.getFile().getPath();
            }
            return resource.getURL().toString();
        } catch (IOException | RuntimeException e) {
            return resource.getDescription();
        }
    }

    // --- the model -------------------------------------------------------------------------------

    /** The file this mapping was read from, as messages name it. */
    public String sourceName() {
        return sourceName;
    }

    /** The country whose calling code national phone numbers get. */
    public PhoneCountry defaultCountry() {
        return defaultCountry;
    }

    /** The mapped fields, in file order. */
    public List<FieldRule> fields() {
        return fields;
    }

    public Optional<FieldRule> field(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The name of the field that maps the email on both sides, which identifies a contact. */
    public String emailField() {
        return emailField;
    }

    /** The name of the field mapped to HighLevel's {@code phone}, HighLevel's second identifier. */
    public Optional<String> phoneField() {
        return fields.stream().filter(f -> "phone".equals(f.highlevelPath())).map(FieldRule::name).findFirst();
    }

    /**
     * The HighLevel custom field keys the mapping uses, as the location lists them ({@code contact.<key>}), so the
     * sync can check them against the location before it writes.
     */
    public Set<String> highLevelCustomFieldKeys() {
        Set<String> keys = new TreeSet<>();
        fields.forEach(f -> f.highlevelPaths().stream().filter(p -> p.startsWith(MappingParser.HIGHLEVEL_CUSTOM_PREFIX))
                .forEach(p -> keys.add(MappingParser.HIGHLEVEL_KEY_PREFIX + customKey(p))));
        return Collections.unmodifiableSet(keys);
    }

    /** The BirdSend field keys ({@code fields.<key>}) the mapping uses. */
    public Set<String> birdSendFieldKeys() {
        Set<String> keys = new TreeSet<>();
        fields.stream().map(FieldRule::birdsendPath)
                .filter(p -> p != null && p.startsWith(MappingParser.BIRDSEND_FIELDS_PREFIX))
                .forEach(p -> keys.add(p.substring(MappingParser.BIRDSEND_FIELDS_PREFIX.length())));
        return Collections.unmodifiableSet(keys);
    }

    /** A phone number as the mapping's {@code e164} transform writes it. */
    public String normalisePhone(String raw) {
        return PhoneNumberNormaliser.normalise(raw, defaultCountry);
    }

    // --- reading ---------------------------------------------------------------------------------

    /**
     * The canonical values of a BirdSend contact ({@code GET /contacts/{id}}). Every field with a BirdSend path is
     * read; {@code unsubscribed} is {@code status == "unsubscribed"} (a contact without a status counts as
     * subscribed, since the status is an extra real responses may lack).
     */
    public CanonicalContact readBirdSend(JsonNode contact) {
        Objects.requireNonNull(contact, "contact");
        Map<String, Object> values = new HashMap<>();
        for (FieldRule rule : fields) {
            String path = rule.birdsendPath();
            if (path == null) {
                continue;
            }
            Object value = switch (rule.kind()) {
                case TAGS -> tags(contact.get("tags"), rule);
                case BOOLEAN -> "unsubscribed".equalsIgnoreCase(Text.trim(contact.path("status").asText("")));
                case TEXT -> text(rule, scalarText(path.equals("email") ? contact.get("email")
                        : contact.path("fields").get(path.substring(MappingParser.BIRDSEND_FIELDS_PREFIX.length()))));
            };
            values.put(rule.name(), value);
        }
        return new CanonicalContact(values);
    }

    /**
     * The canonical values of a HighLevel contact ({@code GET /contacts/{id}}'s {@code contact}, a webhook body,
     * or a search hit; a whole {@code {"contact": {...}}} response is unwrapped). Every field with a HighLevel
     * path is read. Custom field values are found by {@code id} (through {@code keys}) or by {@code key}, in
     * {@code value} or {@code field_value}; ids the location does not know are ignored.
     *
     * @param keys the location's custom fields; may be null when the mapping uses none
     */
    public CanonicalContact readHighLevel(JsonNode contact, HighLevelFieldKeys keys) {
        Objects.requireNonNull(contact, "contact");
        if (!contact.has("id") && !contact.has("email") && contact.path("contact").isObject()) {
            contact = contact.get("contact");
        }
        Map<String, JsonNode> custom = null;
        Map<String, Object> values = new HashMap<>();
        for (FieldRule rule : fields) {
            if (!rule.isMapped(Side.HIGHLEVEL)) {
                continue;
            }
            Object value;
            switch (rule.kind()) {
                case TAGS -> value = tags(contact.get("tags"), rule);
                case BOOLEAN -> {
                    JsonNode dnd = contact.get("dnd");
                    value = dnd != null && (dnd.isBoolean() ? dnd.booleanValue() : "true".equalsIgnoreCase(dnd.asText()));
                }
                default -> {
                    List<String> parts = new ArrayList<>();
                    for (String path : rule.highlevelPaths()) {
                        JsonNode node;
                        if (path.startsWith(MappingParser.HIGHLEVEL_CUSTOM_PREFIX)) {
                            if (custom == null) {
                                custom = customValues(contact, keys);
                            }
                            node = custom.get(customKey(path));
                        } else {
                            node = contact.get(path);
                        }
                        String part = scalarText(node);
                        if (part != null && !Text.trim(part).isEmpty()) {
                            parts.add(Text.trim(part));
                        }
                    }
                    value = parts.isEmpty() ? null : text(rule, String.join(" ", parts));
                }
            }
            values.put(rule.name(), value);
        }
        return new CanonicalContact(values);
    }

    /** Custom field values by key (without the {@code contact.} prefix). */
    private static Map<String, JsonNode> customValues(JsonNode contact, HighLevelFieldKeys keys) {
        Map<String, JsonNode> values = new HashMap<>();
        JsonNode list = contact.get("customFields");
        if (list == null || !list.isArray()) {
            return values;
        }
        for (JsonNode entry : list) {
            Optional<String> key = Optional.empty();
            if (entry.path("key").isTextual()) {
                key = Optional.of(entry.get("key").asText());
            } else if (entry.path("id").isTextual() && keys != null) {
                key = keys.keyOf(entry.get("id").asText());
            }
            JsonNode value = entry.has("value") ? entry.get("value") : entry.get("field_value");
            key.ifPresent(k -> values.put(withoutKeyPrefix(k), value));
        }
        return values;
    }

    /**
     * A JSON value as text: strings as they are, numbers in plain notation ({@code 12}, not {@code 12.0}),
     * arrays (multi-option custom fields) as their items joined with {@code ", "}.
     */
    private static String scalarText(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isNumber()) {
            BigDecimal number = node.decimalValue();
            return number.signum() == 0 ? "0" : number.stripTrailingZeros().toPlainString();
        }
        if (node.isArray()) {
            List<String> items = new ArrayList<>();
            node.forEach(item -> {
                String text = scalarText(item);
                if (text != null && !Text.trim(text).isEmpty()) {
                    items.add(Text.trim(text));
                }
            });
            return String.join(", ", items);
        }
        if (node.isBoolean()) {
            return String.valueOf(node.booleanValue());
        }
        return node.toString();
    }

    private String text(FieldRule rule, String raw) {
        return raw == null ? null
                : normaliseText(raw, rule.transforms(), MappingParser.collapsesSpaces(rule.highlevelPaths()), defaultCountry);
    }

    /**
     * The canonical form of a text value: trimmed (both services trim what they store), whitespace runs
     * collapsed for names split on HighLevel, then the field's transforms in order.
     */
    static String normaliseText(String raw, List<TextTransform> transforms, boolean collapseSpaces,
                                PhoneCountry country) {
        String value = collapseSpaces ? Text.collapseSpaces(raw) : Text.trim(raw);
        for (TextTransform transform : transforms) {
            value = Text.trim(transform.apply(value, country));
        }
        return value;
    }

    /** Tag names from strings or {@code {"name": ...}} objects: normalised, lower case, unique, sorted. */
    private List<String> tags(JsonNode node, FieldRule rule) {
        Set<String> names = new TreeSet<>();
        if (node != null && node.isArray()) {
            for (JsonNode item : node) {
                String name = scalarText(item.isObject() ? item.get("name") : item);
                if (name != null) {
                    String normalised = normaliseText(name, rule.transforms(), false, defaultCountry)
                            .toLowerCase(Locale.ROOT);
                    if (!normalised.isEmpty()) {
                        names.add(normalised);
                    }
                }
            }
        }
        return List.copyOf(names);
    }

    // --- writing ---------------------------------------------------------------------------------

    /**
     * What to change on BirdSend so that the contact's mapped fields equal {@code desired}: fields written to
     * BirdSend whose desired value differs from {@code current}. A text field that is no longer wanted is
     * cleared with {@code ""}; the email is never cleared. One-sided BirdSend fields are written with their
     * default when {@code current} lacks them.
     *
     * @param current the BirdSend contact's canonical values now ({@link CanonicalContact#EMPTY} for a create)
     */
    public BirdSendWrite writeBirdSend(CanonicalContact desired, CanonicalContact current) {
        Objects.requireNonNull(desired, "desired");
        Objects.requireNonNull(current, "current");
        String email = null;
        boolean emailChanged = false;
        Map<String, String> values = new LinkedHashMap<>();
        List<String> addTags = new ArrayList<>();
        List<String> removeTags = new ArrayList<>();
        Boolean unsubscribed = null;
        for (FieldRule rule : fields) {
            if (!rule.isMapped(Side.BIRDSEND)) {
                continue;
            }
            boolean writes = rule.direction().writes(Side.BIRDSEND);
            switch (rule.kind()) {
                case TAGS -> {
                    if (writes) {
                        Set<String> want = tagSet(desired.get(rule.name()));
                        Set<String> have = tagSet(current.get(rule.name()));
                        want.stream().filter(t -> !have.contains(t)).forEach(addTags::add);
                        have.stream().filter(t -> !want.contains(t)).forEach(removeTags::add);
                    }
                }
                case BOOLEAN -> {
                    boolean want = Boolean.TRUE.equals(desired.get(rule.name()));
                    if (writes && want != Boolean.TRUE.equals(current.get(rule.name()))) {
                        unsubscribed = want;
                    }
                }
                default -> {
                    if (rule.birdsendPath().equals("email")) {
                        Object want = desired.get(rule.name());
                        Object have = current.get(rule.name());
                        emailChanged = writes && want != null && !want.equals(have);
                        email = (String) (emailChanged ? want : have != null ? have : want);
                    } else {
                        textChange(rule, desired, current, Side.BIRDSEND).ifPresent(value -> values.put(
                                rule.birdsendPath().substring(MappingParser.BIRDSEND_FIELDS_PREFIX.length()), value));
                    }
                }
            }
        }
        return new BirdSendWrite(email, emailChanged, values, addTags, removeTags, unsubscribed);
    }

    /**
     * What to send to HighLevel (create, update or upsert body) so that the contact's mapped fields equal
     * {@code desired}: fields written to HighLevel whose desired value differs from {@code current}. A cleared
     * text property is sent as {@code ""} (custom fields as {@code field_value: ""}), tags as the names to add
     * and to remove (never a whole list, see {@link HighLevelWrite}), the unsubscribe flag as {@code dnd}. A split name is sent as its first word and the rest; a single
     * word goes to the first property and clears the second. The email is never cleared.
     *
     * <p>Note that HighLevel's {@code UpdateContactDto} (PUT) does not take {@code companyName} or {@code gender};
     * upsert and create do.
     *
     * @param current the HighLevel contact's canonical values now ({@link CanonicalContact#EMPTY} for a create)
     * @param keys    the location's custom fields; may be null when the mapping uses none
     * @throws IllegalStateException when a custom field the body needs is not defined in the location
     */
    public HighLevelWrite writeHighLevel(CanonicalContact desired, CanonicalContact current, HighLevelFieldKeys keys) {
        Objects.requireNonNull(desired, "desired");
        Objects.requireNonNull(current, "current");
        ObjectNode body = JSON.objectNode();
        ArrayNode custom = JSON.arrayNode();
        List<String> addTags = new ArrayList<>();
        List<String> removeTags = new ArrayList<>();
        for (FieldRule rule : fields) {
            if (!rule.isMapped(Side.HIGHLEVEL) || !rule.direction().writes(Side.HIGHLEVEL)) {
                continue;
            }
            switch (rule.kind()) {
                case TAGS -> {
                    // By difference, never as a whole list: see HighLevelWrite.
                    Set<String> want = tagSet(desired.get(rule.name()));
                    Set<String> have = tagSet(current.get(rule.name()));
                    want.stream().filter(t -> !have.contains(t)).forEach(addTags::add);
                    have.stream().filter(t -> !want.contains(t)).forEach(removeTags::add);
                }
                case BOOLEAN -> {
                    boolean want = Boolean.TRUE.equals(desired.get(rule.name()));
                    if (want != Boolean.TRUE.equals(current.get(rule.name()))) {
                        body.put("dnd", want);
                    }
                }
                default -> textChange(rule, desired, current, Side.HIGHLEVEL).ifPresent(value -> {
                    List<String> paths = rule.highlevelPaths();
                    List<String> parts = paths.size() == 2 ? splitName(value) : List.of(value);
                    for (int i = 0; i < paths.size(); i++) {
                        String path = paths.get(i);
                        if (path.startsWith(MappingParser.HIGHLEVEL_CUSTOM_PREFIX)) {
                            String key = customKey(path);
                            String id = (keys == null ? Optional.<String>empty() : keys.idOf(key)).orElseThrow(() ->
                                    new IllegalStateException("HighLevel custom field '" + MappingParser.HIGHLEVEL_KEY_PREFIX
                                            + key + "' (mapping field '" + rule.name() + "' in " + sourceName
                                            + ") is not defined in the location"));
                            custom.addObject().put("id", id).put("field_value", parts.get(i));
                        } else {
                            body.put(path, parts.get(i));
                        }
                    }
                });
            }
        }
        if (!custom.isEmpty()) {
            body.set("customFields", custom);
        }
        return new HighLevelWrite(body, addTags, removeTags);
    }

    /**
     * The text to write for {@code rule} on {@code target}, or empty when nothing changes: {@code ""} clears.
     * One-sided fields are constants, written when the contact lacks them (so a person's edit there stays).
     */
    private Optional<String> textChange(FieldRule rule, CanonicalContact desired, CanonicalContact current,
                                        Side target) {
        if (!rule.direction().writes(target)) {
            return Optional.empty();
        }
        Object have = current.get(rule.name());
        Object want;
        if (rule.isOneSided()) {
            want = have == null ? rule.defaultValue() : have;
        } else {
            want = desired.get(rule.name());
            if (want == null) {
                want = rule.defaultValue();
            }
        }
        if (Objects.equals(want, have)) {
            return Optional.empty();
        }
        if (want == null) {
            return isEmail(rule, target) ? Optional.empty() : Optional.of("");
        }
        return Optional.of((String) want);
    }

    private static boolean isEmail(FieldRule rule, Side target) {
        return target == Side.BIRDSEND ? "email".equals(rule.birdsendPath()) : rule.highlevelPaths().contains("email");
    }

    /** First word and the rest; a single word is all first name, and an empty last name clears it. */
    static List<String> splitName(String value) {
        String collapsed = Text.collapseSpaces(value);
        int space = collapsed.indexOf(' ');
        return space < 0 ? List.of(collapsed, "") : List.of(collapsed.substring(0, space), collapsed.substring(space + 1));
    }

    private static Set<String> tagSet(Object value) {
        Set<String> tags = new TreeSet<>();
        if (value instanceof List<?> list) {
            list.forEach(item -> tags.add(String.valueOf(item)));
        }
        return tags;
    }

    private static String customKey(String path) {
        return path.substring(MappingParser.HIGHLEVEL_CUSTOM_PREFIX.length());
    }

    private static String withoutKeyPrefix(String key) {
        return key.startsWith(MappingParser.HIGHLEVEL_KEY_PREFIX) ? key.substring(MappingParser.HIGHLEVEL_KEY_PREFIX.length())
                : key;
    }

    @Override
    public String toString() {
        return "ContactMapping[" + sourceName + ", " + fields.size() + " fields]";
    }
}
