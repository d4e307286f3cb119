package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A validated set of contact changes, parsed from a create/update/upsert body (or an admin
 * "as a user" edit or a seed entry).
 *
 * <p>HighLevel validates contact bodies with NestJS class-validator and a whitelist that forbids
 * unknown properties, so a property the operation's DTO does not declare is answered 422
 * {@code property X should not exist} (the well-known case: {@code locationId} on PUT). The
 * accepted property sets below are the spec's DTOs ({@code CreateContactDto},
 * {@code UpdateContactDto}, {@code UpsertContactDto}); a test checks them against the spec.
 * Note the spec's {@code UpdateContactDto} has no {@code companyName} or {@code gender}.
 */
final class ContactPatch {

    static final Set<String> CREATE_PROPERTIES = Set.of("firstName", "lastName", "name", "email", "locationId",
            "gender", "phone", "address1", "city", "state", "postalCode", "website", "timezone", "dnd", "dndSettings",
            "inboundDndSettings", "tags", "customFields", "source", "dateOfBirth", "country", "companyName",
            "assignedTo");
    static final Set<String> UPDATE_PROPERTIES = Set.of("firstName", "lastName", "name", "email", "phone",
            "address1", "city", "state", "postalCode", "website", "timezone", "dnd", "dndSettings",
            "inboundDndSettings", "tags", "customFields", "source", "dateOfBirth", "country", "assignedTo");
    static final Set<String> UPSERT_PROPERTIES = union(CREATE_PROPERTIES, Set.of("createNewIfDuplicateAllowed"));
    /** What a person can edit in the app: everything a create takes, plus tag deltas, type and business. */
    static final Set<String> USER_EDIT_PROPERTIES = union(minus(CREATE_PROPERTIES, "locationId"),
            Set.of("addTags", "removeTags", "type", "businessId"));
    static final Set<String> USER_CREATE_PROPERTIES = union(USER_EDIT_PROPERTIES, Set.of("locationId"));
    /** Seed entries may also fix the id and timestamps, to reproduce exact data. */
    static final Set<String> SEED_PROPERTIES = union(USER_CREATE_PROPERTIES, Set.of("id", "dateAdded", "dateUpdated"));

    static final Set<String> DND_CHANNELS = Set.of("Call", "Email", "SMS", "WhatsApp", "GMB", "FB");
    private static final Set<String> STRING_PROPERTIES = Set.copyOf(ContactRecord.STRING_FIELDS);
    /** Pragmatic email check in the spirit of class-validator's isEmail. */
    private static final Pattern EMAIL = Pattern.compile(
            "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    + "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.[A-Za-z]{2,}$");

    /** A custom field value to write; {@code value} is null/empty to clear it. */
    record CustomFieldWrite(String idOrKey, JsonNode value) {
    }

    /** String properties to set; a null value clears the property. */
    final Map<String, String> strings = new LinkedHashMap<>();
    boolean hasName;
    String name;
    Boolean dnd;
    ObjectNode dndSettings;
    ObjectNode inboundDndSettings;
    List<String> tags;
    List<String> addTags = List.of();
    List<String> removeTags = List.of();
    List<CustomFieldWrite> customFields = List.of();
    String locationId;
    boolean createNewIfDuplicateAllowed;
    boolean hasBusinessId;
    String businessId;
    String id;
    Instant dateAdded;
    Instant dateUpdated;

    boolean has(String stringField) {
        return strings.containsKey(stringField);
    }

    /**
     * Parses and validates {@code body}, accepting only {@code allowed} properties. Validation
     * messages are appended to {@code errors} (the caller answers 422 if there are any).
     */
    static ContactPatch parse(JsonNode body, Set<String> allowed, List<String> errors) {
        ContactPatch patch = new ContactPatch();
        if (!body.isObject()) {
            errors.add("body must be an object");
            return patch;
        }
        Iterator<Map.Entry<String, JsonNode>> fields = body.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (!allowed.contains(key)) {
                errors.add("property " + key + " should not exist");
                continue;
            }
            patch.read(key, value, errors);
        }
        return patch;
    }

    private void read(String key, JsonNode value, List<String> errors) {
        if (STRING_PROPERTIES.contains(key)) {
            readString(key, value, errors);
            return;
        }
        switch (key) {
            case "name" -> {
                hasName = true;
                name = text(key, value, errors);
            }
            case "locationId" -> {
                if (!value.isTextual() || value.asText().isBlank()) {
                    errors.add("locationId should not be empty");
                    errors.add("locationId must be a string");
                } else {
                    locationId = value.asText();
                }
            }
            case "dnd" -> dnd = bool(key, value, errors);
            case "createNewIfDuplicateAllowed" -> createNewIfDuplicateAllowed = Boolean.TRUE.equals(bool(key, value, errors));
            case "dndSettings" -> dndSettings = dndSettings(value, errors);
            case "inboundDndSettings" -> inboundDndSettings = inboundDndSettings(value, errors);
            case "tags" -> tags = stringList(key, value, errors);
            case "addTags" -> addTags = stringList(key, value, errors);
            case "removeTags" -> removeTags = stringList(key, value, errors);
            case "customFields" -> customFields = customFields(value, errors);
            case "businessId" -> {
                hasBusinessId = true;
                businessId = value.isNull() ? null : text(key, value, errors);
            }
            case "id" -> {
                id = text(key, value, errors);
                if (id != null && !HighLevelIds.isFirebaseId(id)) {
                    errors.add("id must be 20 letters and digits");
                }
            }
            case "dateAdded", "dateUpdated" -> {
                Optional<Instant> instant = value.isTextual() ? HighLevelTime.parseInstant(value.asText()) : Optional.empty();
                if (instant.isEmpty()) {
                    errors.add(key + " must be a valid ISO 8601 date string");
                } else if (key.equals("dateAdded")) {
                    dateAdded = instant.get();
                } else {
                    dateUpdated = instant.get();
                }
            }
            default -> throw new IllegalStateException("no reader for " + key);
        }
    }

    private void readString(String key, JsonNode value, List<String> errors) {
        if (value.isNull()) {
            strings.put(key, null);
            return;
        }
        if (!value.isTextual()) {
            errors.add(key + " must be a string");
            return;
        }
        String text = value.asText().trim();
        switch (key) {
            case "email" -> {
                if (!EMAIL.matcher(text).matches()) {
                    errors.add("email must be an email");
                    return;
                }
            }
            case "dateOfBirth" -> {
                if (text.isEmpty()) {
                    strings.put(key, null);
                    return;
                }
                Optional<LocalDate> date = HighLevelTime.parseBirthDate(text);
                if (date.isEmpty()) {
                    errors.add("dateOfBirth must be a valid date in one of the supported formats");
                    return;
                }
                text = HighLevelTime.formatBirthDate(date.get());
            }
            default -> {
            }
        }
        strings.put(key, text.isEmpty() ? null : text);
    }

    private static String text(String key, JsonNode value, List<String> errors) {
        if (value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            errors.add(key + " must be a string");
            return null;
        }
        String text = value.asText().trim();
        return text.isEmpty() ? null : text;
    }

    private static Boolean bool(String key, JsonNode value, List<String> errors) {
        if (!value.isBoolean()) {
            errors.add(key + " must be a boolean value");
            return null;
        }
        return value.asBoolean();
    }

    private static List<String> stringList(String key, JsonNode value, List<String> errors) {
        if (!value.isArray()) {
            errors.add(key + " must be an array");
            return null;
        }
        List<String> list = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                errors.add("each value in " + key + " must be a string");
                return null;
            }
            list.add(item.asText());
        }
        return list;
    }

    private static ObjectNode dndSettings(JsonNode value, List<String> errors) {
        if (!value.isObject()) {
            errors.add("nested property dndSettings must be either object or array");
            return null;
        }
        ObjectNode result = SimJson.object();
        value.fields().forEachRemaining(channel -> {
            if (!DND_CHANNELS.contains(channel.getKey())) {
                errors.add("property dndSettings." + channel.getKey() + " should not exist");
                return;
            }
            ObjectNode setting = dndSetting("dndSettings." + channel.getKey(), channel.getValue(),
                    Set.of("active", "inactive", "permanent"), Set.of("status", "message", "code"), errors);
            if (setting != null) {
                result.set(channel.getKey(), setting);
            }
        });
        return result;
    }

    private static ObjectNode inboundDndSettings(JsonNode value, List<String> errors) {
        if (!value.isObject()) {
            errors.add("nested property inboundDndSettings must be either object or array");
            return null;
        }
        ObjectNode result = SimJson.object();
        value.fields().forEachRemaining(channel -> {
            if (!channel.getKey().equals("all")) {
                errors.add("property inboundDndSettings." + channel.getKey() + " should not exist");
                return;
            }
            ObjectNode setting = dndSetting("inboundDndSettings.all", channel.getValue(),
                    Set.of("active", "inactive"), Set.of("status", "message"), errors);
            if (setting != null) {
                result.set("all", setting);
            }
        });
        return result;
    }

    private static ObjectNode dndSetting(String path, JsonNode value, Set<String> statuses, Set<String> properties,
                                         List<String> errors) {
        if (!value.isObject()) {
            errors.add("nested property " + path + " must be either object or array");
            return null;
        }
        int before = errors.size();
        value.fieldNames().forEachRemaining(name -> {
            if (!properties.contains(name)) {
                errors.add("property " + path + "." + name + " should not exist");
            } else if (!value.get(name).isTextual()) {
                errors.add(path + "." + name + " must be a string");
            }
        });
        String status = value.path("status").asText(null);
        if (status == null || !statuses.contains(status)) {
            errors.add(path + ".status must be one of the following values: "
                    + String.join(", ", List.of("active", "inactive", "permanent").stream()
                    .filter(statuses::contains).toList()));
        }
        return errors.size() == before ? value.deepCopy() : null;
    }

    private static List<CustomFieldWrite> customFields(JsonNode value, List<String> errors) {
        if (!value.isArray()) {
            errors.add("customFields must be an array");
            return List.of();
        }
        List<CustomFieldWrite> writes = new ArrayList<>();
        int index = 0;
        for (JsonNode item : value) {
            String path = "customFields." + index++;
            if (!item.isObject()) {
                errors.add("nested property " + path + " must be either object or array");
                continue;
            }
            String idOrKey = item.path("id").isTextual() ? item.get("id").asText()
                    : item.path("key").isTextual() ? item.get("key").asText() : null;
            if (idOrKey == null || idOrKey.isBlank()) {
                errors.add(path + " must have an id or a key");
                continue;
            }
            // The spec names the value field_value; HighLevel also takes value (the read shape).
            JsonNode fieldValue = item.has("field_value") ? item.get("field_value") : item.get("value");
            writes.add(new CustomFieldWrite(idOrKey, fieldValue));
        }
        return writes;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    private static Set<String> minus(Set<String> a, String removed) {
        Set<String> rest = new LinkedHashSet<>(a);
        rest.remove(removed);
        return Set.copyOf(rest);
    }
}
