package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * The locations of the HighLevel simulator and their catalogue: settings, custom field definitions and the tag list.
 * A location is created with default settings and custom fields the first time anything refers to it. Part of
 * {@link HighLevelState}, under its lock; the contacts' values of the fields are {@link HighLevelContacts}'.
 */
final class HighLevelCatalogue {

    /** Data types a contact custom field can have (HighLevel's names, as {@code GET .../customFields} lists them). */
    static final Set<String> CUSTOM_FIELD_TYPES = Set.of("TEXT", "LARGE_TEXT", "NUMERICAL", "MONETORY", "DATE",
            "SINGLE_OPTIONS", "RADIO", "MULTIPLE_OPTIONS", "CHECKBOX");

    private final Object lock;
    private final HighLevelIds ids;
    private final Map<String, Location> locations = new LinkedHashMap<>();

    HighLevelCatalogue(Object lock, HighLevelIds ids) {
        this.lock = lock;
        this.ids = ids;
    }

    /** A location and its catalogue. */
    static final class Location {
        final String id;
        HighLevelLocationSettings settings = HighLevelLocationSettings.DEFAULTS;
        final Map<String, HighLevelCustomField> customFields = new LinkedHashMap<>();
        /** Lower-cased tag name to (id, name). */
        final Map<String, String[]> tags = new LinkedHashMap<>();

        Location(String id) {
            this.id = id;
        }

        Optional<HighLevelCustomField> customField(String idOrKey) {
            return customFields.values().stream().filter(field -> field.matches(idOrKey)).findFirst();
        }
    }

    /** The location, created with default settings and custom fields if new; called under the lock. */
    Location location(String locationId) {
        return locations.computeIfAbsent(locationId, id -> {
            Location location = new Location(id);
            defaultCustomFields(id).forEach(field -> location.customFields.put(field.id(), field));
            return location;
        });
    }

    /**
     * Every location starts with the same custom fields (one of each common type), with ids derived
     * from the location id so the demo location's field ids are stable across runs.
     */
    private static List<HighLevelCustomField> defaultCustomFields(String locationId) {
        Random random = new Random(locationId.hashCode());
        return List.of(
                new HighLevelCustomField(HighLevelIds.next(random), "Favourite colour", "contact.favourite_colour",
                        "SINGLE_OPTIONS", "Pick a colour", 0,
                        List.of("Red", "Green", "Blue", "Ultramarine", "Bleu de France"), locationId),
                new HighLevelCustomField(HighLevelIds.next(random), "Loyalty points", "contact.loyalty_points",
                        "NUMERICAL", "0", 1, List.of(), locationId),
                new HighLevelCustomField(HighLevelIds.next(random), "Membership renewal",
                        "contact.membership_renewal", "DATE", "YYYY-MM-DD", 2, List.of(), locationId),
                new HighLevelCustomField(HighLevelIds.next(random), "Nickname", "contact.nickname", "TEXT",
                        "Nickname", 3, List.of(), locationId),
                new HighLevelCustomField(HighLevelIds.next(random), "Interests", "contact.interests",
                        "MULTIPLE_OPTIONS", "Interests", 4,
                        List.of("Cycling", "Cooking", "Chess", "Photography", "Hiking"), locationId));
    }

    void ensureLocation(String locationId) {
        synchronized (lock) {
            location(locationId);
        }
    }

    List<String> locationIds() {
        synchronized (lock) {
            return List.copyOf(locations.keySet());
        }
    }

    HighLevelLocationSettings settings(String locationId) {
        synchronized (lock) {
            return location(locationId).settings;
        }
    }

    void updateSettings(String locationId, HighLevelLocationSettings settings) {
        synchronized (lock) {
            location(locationId).settings = Objects.requireNonNull(settings, "settings");
        }
    }

    HighLevelLocationSettings mergeSettings(String locationId, JsonNode patch) {
        synchronized (lock) {
            Location location = location(locationId);
            location.settings = location.settings.merge(patch);
            return location.settings;
        }
    }

    List<HighLevelCustomField> customFields(String locationId) {
        synchronized (lock) {
            return List.copyOf(location(locationId).customFields.values());
        }
    }

    /** See {@link HighLevelState#createCustomField}. */
    HighLevelCustomField createCustomField(String locationId, String name, String fieldKey, String dataType,
                                           List<String> picklistOptions) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name is required");
        }
        String type = dataType == null ? "TEXT" : dataType.toUpperCase(Locale.ROOT);
        if (!CUSTOM_FIELD_TYPES.contains(type)) {
            throw new IllegalArgumentException("dataType must be one of " + new TreeSet<>(CUSTOM_FIELD_TYPES)
                    + ", was " + dataType);
        }
        String key = fieldKey == null || fieldKey.isBlank()
                ? "contact." + name.trim().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]+", "_").replaceAll("^_|_$", "")
                : fieldKey.startsWith("contact.") ? fieldKey : "contact." + fieldKey;
        synchronized (lock) {
            Location location = location(locationId);
            if (location.customField(key).isPresent()) {
                throw new IllegalArgumentException("location " + locationId + " already has a custom field " + key);
            }
            HighLevelCustomField field = new HighLevelCustomField(ids.next(), name.trim(), key, type, name.trim(),
                    location.customFields.size(), picklistOptions == null ? List.of() : picklistOptions, locationId);
            location.customFields.put(field.id(), field);
            return field;
        }
    }

    /** Removes a custom field's definition (by id or key); the caller removes the contacts' values of it. */
    Optional<HighLevelCustomField> removeCustomField(String locationId, String idOrKey) {
        synchronized (lock) {
            Location location = location(locationId);
            Optional<HighLevelCustomField> field = location.customField(idOrKey);
            field.ifPresent(f -> location.customFields.remove(f.id()));
            return field;
        }
    }

    String customFieldId(String locationId, String key) {
        synchronized (lock) {
            return location(locationId).customField(key).map(HighLevelCustomField::id)
                    .orElseThrow(() -> new IllegalArgumentException("no custom field " + key + " in " + locationId));
        }
    }

    Optional<HighLevelCustomField> customField(String locationId, String idOrKey) {
        synchronized (lock) {
            return location(locationId).customField(idOrKey);
        }
    }

    /** The location's tags as {@code GET /locations/{locationId}/tags} lists them. */
    List<ObjectNode> locationTags(String locationId) {
        synchronized (lock) {
            List<ObjectNode> tags = new ArrayList<>();
            location(locationId).tags.values().forEach(tag -> tags.add(tagJson(locationId, tag)));
            return tags;
        }
    }

    Optional<ObjectNode> locationTag(String locationId, String tagId) {
        synchronized (lock) {
            return location(locationId).tags.values().stream().filter(tag -> tag[0].equals(tagId)).findFirst()
                    .map(tag -> tagJson(locationId, tag));
        }
    }

    private static ObjectNode tagJson(String locationId, String[] tag) {
        return SimJson.object().put("name", tag[1]).put("locationId", locationId).put("id", tag[0]);
    }

    /** A tag as the location stores it (trimmed, lower-cased if its settings say so). */
    static String normaliseTag(Location location, String tag) {
        String trimmed = tag.trim();
        return location.settings.lowercaseTags() ? trimmed.toLowerCase(Locale.ROOT) : trimmed;
    }

    /** Puts a tag a contact was given on the location's tag list, if new there; called under the lock. */
    void registerTag(Location location, String tag) {
        location.tags.computeIfAbsent(tag.toLowerCase(Locale.ROOT), key -> new String[]{ids.next(), tag});
    }

    /** Forgets every location; called under the lock. */
    void clear() {
        locations.clear();
    }
}
