package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.Seeding;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.simulator.sim.SimResponseException;

import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The HighLevel simulator's data: locations (settings, custom field definitions, tag lists),
 * contacts with their notes, tasks, appointments, followers, campaign and workflow memberships,
 * and businesses. Thread-safe: every operation runs under one lock, and the events it causes are
 * delivered to the listeners before the lock is released, so listeners see changes in order.
 *
 * <p>Contacts, businesses and look-ups are partitioned by location; a location is created with
 * default settings and custom fields the first time anything refers to it (a token's grant, an
 * admin call), so grants minted by any token authority just work.
 *
 * <h2>Choices where the reference is silent</h2>
 * <ul>
 *   <li>Every successful write to a contact (PUT, upsert onto an existing contact, tag and follower
 *       changes, bulk updates, an app user's edit) moves {@code dateUpdated}, even when nothing
 *       changed; events are only sent for real changes.</li>
 *   <li>Events: {@code ContactUpdate} when fields other than tags/DND changed, {@code ContactTagUpdate}
 *       when tags changed, {@code ContactDndUpdate} when {@code dnd}/{@code dndSettings}/
 *       {@code inboundDndSettings} changed; one write can cause several, in that order.
 *       {@code TaskComplete} when a task's completed flag turns true (there is no TaskUpdate
 *       webhook, so other task edits announce nothing). Deleting a contact sends only
 *       {@code ContactDelete}; its notes, tasks and appointments go silently with it.</li>
 *   <li>Unknown custom field ids/keys in a write are ignored; an empty value clears the field.</li>
 *   <li>A contact id of another location is answered 403 (the token's location does not own it).</li>
 *   <li>Seeding is pre-existing data: it sends no events.</li>
 * </ul>
 */
public final class HighLevelState {

    /** The location the standalone simulator and the static demo token use. */
    public static final String DEMO_LOCATION_ID = "DemoLoc7hQ2xKp9RzW4v";
    public static final String DEMO_COMPANY_ID = "DemoCo5tYv8LmN3qXb2k";

    private static final System.Logger LOG = System.getLogger(HighLevelState.class.getName());
    private static final int RECENT_EVENTS = 1000;
    /** Seeding generates and checks this many contacts at a time. */
    private static final int SEED_CHUNK = 1000;

    private final Object lock = new Object();
    private final SimClock clock;
    private final HighLevelIds ids;
    private final List<HighLevelEventListener> listeners = new CopyOnWriteArrayList<>();
    private final Deque<HighLevelEvent> recentEvents = new ArrayDeque<>();
    private final Map<String, Location> locations = new LinkedHashMap<>();
    private final Map<String, ContactRecord> contacts = new LinkedHashMap<>();
    /** Deleted contact id to its location, so bulk calls can say "contact is deleted". */
    private final Map<String, String> deletedContacts = new HashMap<>();
    private final Map<String, BusinessRecord> businesses = new LinkedHashMap<>();
    private volatile int maxPagedSearchWindow = 10_000;

    HighLevelState(SimClock clock, Random random) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ids = new HighLevelIds(random);
        location(DEMO_LOCATION_ID);
    }

    // --- listeners and events ----------------------------------------------------------------------

    public void addListener(HighLevelEventListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(HighLevelEventListener listener) {
        listeners.remove(listener);
    }

    /** The last {@value #RECENT_EVENTS} events, oldest first. */
    public List<HighLevelEvent> recentEvents() {
        synchronized (lock) {
            return List.copyOf(recentEvents);
        }
    }

    private void emit(String type, String locationId, ObjectNode entity) {
        HighLevelEvent event = new HighLevelEvent(type, locationId, entity);
        recentEvents.addLast(event);
        while (recentEvents.size() > RECENT_EVENTS) {
            recentEvents.removeFirst();
        }
        for (HighLevelEventListener listener : listeners) {
            try {
                // Each listener gets its own copy: the entity is mutable JSON.
                listener.onEvent(new HighLevelEvent(type, locationId, entity.deepCopy()));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "HighLevel event listener failed on " + type, e);
            }
        }
    }

    // --- locations ---------------------------------------------------------------------------------

    /** A location and what belongs to it. */
    private static final class Location {
        final String id;
        HighLevelLocationSettings settings = HighLevelLocationSettings.DEFAULTS;
        final Map<String, HighLevelCustomField> customFields = new LinkedHashMap<>();
        /** Lower-cased tag name to (id, name). */
        final Map<String, String[]> tags = new LinkedHashMap<>();
        final Map<String, Set<String>> byEmail = new HashMap<>();
        final Map<String, Set<String>> byPhone = new HashMap<>();

        Location(String id) {
            this.id = id;
        }

        Optional<HighLevelCustomField> customField(String idOrKey) {
            return customFields.values().stream().filter(field -> field.matches(idOrKey)).findFirst();
        }
    }

    private Location location(String locationId) {
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

    /** Makes sure a location exists (with default settings and custom fields). */
    public void ensureLocation(String locationId) {
        synchronized (lock) {
            location(locationId);
        }
    }

    public List<String> locationIds() {
        synchronized (lock) {
            return List.copyOf(locations.keySet());
        }
    }

    public HighLevelLocationSettings settings(String locationId) {
        synchronized (lock) {
            return location(locationId).settings;
        }
    }

    public void updateSettings(String locationId, HighLevelLocationSettings settings) {
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

    public List<HighLevelCustomField> customFields(String locationId) {
        synchronized (lock) {
            return List.copyOf(location(locationId).customFields.values());
        }
    }

    /** Data types a contact custom field can have (HighLevel's names, as {@code GET .../customFields} lists them). */
    static final Set<String> CUSTOM_FIELD_TYPES = Set.of("TEXT", "LARGE_TEXT", "NUMERICAL", "MONETORY", "DATE",
            "SINGLE_OPTIONS", "RADIO", "MULTIPLE_OPTIONS", "CHECKBOX");

    /**
     * Creates a contact custom field as a person does in the location's settings. Without {@code fieldKey} the key
     * is made from the name as HighLevel does (assumed: lower case, other characters than letters and digits
     * become "_": "Favourite colour" is {@code contact.favourite_colour}). Sends no events.
     *
     * @param dataType one of {@link #CUSTOM_FIELD_TYPES}; null is TEXT
     * @throws IllegalArgumentException for a missing name, an unknown type or a key already in use
     */
    public HighLevelCustomField createCustomField(String locationId, String name, String fieldKey, String dataType,
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

    /**
     * Deletes a custom field (by id or key) and every contact's value of it, as deleting it in the location's
     * settings does; contacts' dateUpdated stays and no events are sent. Empty when there is no such field.
     */
    public Optional<HighLevelCustomField> deleteCustomField(String locationId, String idOrKey) {
        synchronized (lock) {
            Location location = location(locationId);
            Optional<HighLevelCustomField> field = location.customField(idOrKey);
            field.ifPresent(f -> {
                location.customFields.remove(f.id());
                contacts.values().stream().filter(c -> c.locationId.equals(locationId))
                        .forEach(c -> c.customFields.remove(f.id()));
            });
            return field;
        }
    }

    /** The id of a custom field by key ({@code contact.nickname} or {@code nickname}). */
    public String customFieldId(String locationId, String key) {
        synchronized (lock) {
            return location(locationId).customField(key).map(HighLevelCustomField::id)
                    .orElseThrow(() -> new IllegalArgumentException("no custom field " + key + " in " + locationId));
        }
    }

    /**
     * Deletes a custom field (by id or key), as a location admin does in the settings: contacts lose their values
     * of it, silently (HighLevel sends no contact webhooks for it). Every location starts with the same custom fields;
     * this makes one that lacks a field, as a real account may. False if the location has no such field.
     */
    public boolean removeCustomField(String locationId, String idOrKey) {
        synchronized (lock) {
            Location location = location(locationId);
            Optional<HighLevelCustomField> field = location.customField(idOrKey);
            if (field.isEmpty()) {
                return false;
            }
            location.customFields.remove(field.get().id());
            contacts.values().stream().filter(c -> c.locationId.equals(locationId))
                    .forEach(c -> c.customFields.remove(field.get().id()));
            return true;
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

    public int maxPagedSearchWindow() {
        return maxPagedSearchWindow;
    }

    /** How far {@code page * pageLimit} may reach in search (HighLevel: 10,000); lower it in tests. */
    public void setMaxPagedSearchWindow(int records) {
        if (records < 1) {
            throw new IllegalArgumentException("records must be >= 1");
        }
        this.maxPagedSearchWindow = records;
    }

    // --- whole-state operations --------------------------------------------------------------------

    /** Forgets everything: contacts, businesses, events, settings, locations (the demo one comes back). */
    public void reset() {
        synchronized (lock) {
            contacts.clear();
            deletedContacts.clear();
            businesses.clear();
            locations.clear();
            recentEvents.clear();
            location(DEMO_LOCATION_ID);
        }
    }

    /** Every contact of every location, as the API renders them. */
    public List<ObjectNode> contacts() {
        synchronized (lock) {
            return contacts.values().stream().map(ContactRecord::toJson).toList();
        }
    }

    public List<ObjectNode> contacts(String locationId) {
        synchronized (lock) {
            return contacts.values().stream().filter(c -> c.locationId.equals(locationId))
                    .map(ContactRecord::toJson).toList();
        }
    }

    public Optional<ObjectNode> contact(String contactId) {
        synchronized (lock) {
            return Optional.ofNullable(contacts.get(contactId)).map(ContactRecord::toJson);
        }
    }

    public int contactCount() {
        synchronized (lock) {
            return contacts.size();
        }
    }

    /**
     * A contact with everything hanging off it (notes, tasks, appointments, campaigns, workflows),
     * for inspection.
     */
    public Optional<ObjectNode> contactDetails(String contactId) {
        synchronized (lock) {
            ContactRecord contact = contacts.get(contactId);
            if (contact == null) {
                return Optional.empty();
            }
            ObjectNode json = contact.toJson();
            ArrayNode notes = json.putArray("notes");
            contact.notes.values().forEach(note -> notes.add(note.toJson()));
            ArrayNode tasks = json.putArray("tasks");
            contact.tasks.values().forEach(task -> tasks.add(task.toJson()));
            ArrayNode appointments = json.putArray("appointments");
            contact.appointments.values().forEach(appointment -> appointments.add(appointment.toJson()));
            ArrayNode campaigns = json.putArray("campaigns");
            contact.campaigns.forEach(campaigns::add);
            ObjectNode workflows = json.putObject("workflows");
            contact.workflows.forEach(workflows::put);
            return Optional.of(json);
        }
    }

    // --- seeding -----------------------------------------------------------------------------------

    /** Seeds {@code count} realistic contacts into the demo location; no events. */
    public List<ObjectNode> seed(int count, long randomSeed) {
        return seed(DEMO_LOCATION_ID, count, randomSeed);
    }

    /** As {@link #seedIds}, rendered as the API renders contacts. */
    public List<ObjectNode> seed(String locationId, int count, long randomSeed) {
        synchronized (lock) {
            return seedIds(locationId, count, randomSeed).stream().map(id -> contacts.get(id).toJson()).toList();
        }
    }

    /**
     * Seeds {@code count} realistic contacts into a location, no events, and returns their ids. They are generated and
     * added {@value #SEED_CHUNK} at a time, so a large account is never held twice. An interrupted thread stops at
     * the next contact ({@link Seeding.SeedingInterruptedException}), keeping those added.
     */
    public List<String> seedIds(String locationId, int count, long randomSeed) {
        synchronized (lock) {
            Location location = location(locationId);
            HighLevelSeeder seeder = new HighLevelSeeder(new Random(randomSeed), clock.now(),
                    List.copyOf(location.customFields.values()));
            Set<String> takenEmails = new HashSet<>(location.byEmail.keySet());
            Set<String> takenPhones = new HashSet<>(location.byPhone.keySet());
            List<String> ids = new ArrayList<>(count);
            List<JsonNode> entries = new ArrayList<>(Math.min(count, SEED_CHUNK));
            for (int i = 0; i < count; i++) {
                Seeding.checkInterrupted();
                entries.add(seeder.next(takenEmails, takenPhones, location.settings.defaultCallingCode()));
                if (entries.size() == SEED_CHUNK || i == count - 1) {
                    addSeeded(locationId, entries).forEach(contact -> ids.add(contact.id));
                    entries.clear();
                }
            }
            return ids;
        }
    }

    /** Those of {@code contactIds} whose contact has an email, in the same order. */
    public List<String> havingEmail(List<String> contactIds) {
        synchronized (lock) {
            return contactIds.stream().filter(id -> contacts.containsKey(id) && contacts.get(id).email() != null)
                    .toList();
        }
    }

    /** The lower-cased emails of a location's contacts (a copy of its duplicate index). */
    public Set<String> emailsLowerCase(String locationId) {
        synchronized (lock) {
            return new HashSet<>(location(locationId).byEmail.keySet());
        }
    }

    /** The phones of a location's contacts as stored, E.164 where readable (a copy of its duplicate index). */
    public Set<String> phones(String locationId) {
        synchronized (lock) {
            return new HashSet<>(location(locationId).byPhone.keySet());
        }
    }

    /**
     * Adds exact contacts as pre-existing data (no events). Each entry takes the create-contact
     * fields plus {@code id}, {@code dateAdded}, {@code dateUpdated}, {@code businessId},
     * {@code type}. All entries are checked before any is added; invalid input or duplicates the
     * location does not allow raise {@link IllegalArgumentException}.
     */
    public List<ObjectNode> seedContacts(String locationId, List<? extends JsonNode> entries) {
        synchronized (lock) {
            return addSeeded(locationId, entries).stream().map(ContactRecord::toJson).toList();
        }
    }

    private List<ContactRecord> addSeeded(String locationId, List<? extends JsonNode> entries) {
        synchronized (lock) {
            Location location = location(locationId);
            List<ContactPatch> patches = new ArrayList<>();
            Set<String> batchIds = new HashSet<>();
            Map<String, Integer> batchIdentifiers = new HashMap<>();
            for (int i = 0; i < entries.size(); i++) {
                List<String> errors = new ArrayList<>();
                ContactPatch patch = ContactPatch.parse(entries.get(i), ContactPatch.SEED_PROPERTIES, errors);
                if (patch.locationId != null && !patch.locationId.equals(locationId)) {
                    errors.add("locationId differs from the seeded location " + locationId);
                }
                if (patch.id != null && (contacts.containsKey(patch.id) || !batchIds.add(patch.id))) {
                    errors.add("id " + patch.id + " is already taken");
                }
                if (patch.hasBusinessId && patch.businessId != null && !businesses.containsKey(patch.businessId)) {
                    errors.add("businessId " + patch.businessId + " does not exist");
                }
                if (!location.settings.allowDuplicateContact()) {
                    for (String identifier : identifiers(location, patch)) {
                        Integer other = batchIdentifiers.putIfAbsent(identifier, i);
                        if (other != null) {
                            errors.add(identifier.substring(identifier.indexOf(':') + 1)
                                    + " is also used by entry " + other + " and the location does not allow duplicates");
                        }
                    }
                    findDuplicate(location, normalisedEmail(location, patch), normalisedPhone(location, patch), null)
                            .ifPresent(dup -> errors.add(dup.field() + " matches existing contact " + dup.contact().id
                                    + " and the location does not allow duplicates"));
                }
                if (!errors.isEmpty()) {
                    throw new IllegalArgumentException("contact " + i + ": " + String.join("; ", errors));
                }
                patches.add(patch);
            }
            List<ContactRecord> created = new ArrayList<>();
            Instant now = clock.now();
            for (ContactPatch patch : patches) {
                ContactRecord contact = new ContactRecord(patch.id != null ? patch.id : ids.next(), locationId,
                        patch.dateAdded != null ? patch.dateAdded : now);
                apply(location, contact, patch);
                contact.dateUpdated = patch.dateUpdated != null ? patch.dateUpdated : contact.dateAdded;
                contacts.put(contact.id, contact);
                index(location, contact);
                created.add(contact);
            }
            return created;
        }
    }

    private static List<String> identifiers(Location location, ContactPatch patch) {
        List<String> identifiers = new ArrayList<>();
        String email = normalisedEmail(location, patch);
        if (email != null) {
            identifiers.add("email:" + email.toLowerCase(Locale.ROOT));
        }
        String phone = normalisedPhone(location, patch);
        if (phone != null) {
            identifiers.add("phone:" + phone);
        }
        return identifiers;
    }

    // --- contacts ----------------------------------------------------------------------------------

    /** Who makes a change: the API (an integration) or a person in the HighLevel app. */
    enum Actor { API, USER }

    ContactRecord requireContact(String locationId, String contactId) {
        ContactRecord contact = contacts.get(contactId);
        if (contact == null) {
            throw HighLevelErrors.contactNotFound(contactId);
        }
        if (!contact.locationId.equals(locationId)) {
            throw HighLevelErrors.forbiddenLocation();
        }
        return contact;
    }

    private ContactRecord requireContact(String contactId) {
        ContactRecord contact = contacts.get(contactId);
        if (contact == null) {
            throw HighLevelErrors.contactNotFound(contactId);
        }
        return contact;
    }

    ObjectNode getContact(String locationId, String contactId) {
        synchronized (lock) {
            return requireContact(locationId, contactId).toJson();
        }
    }

    ObjectNode createContact(String locationId, ContactPatch patch) {
        synchronized (lock) {
            Location location = location(locationId);
            if (!location.settings.allowDuplicateContact()) {
                findDuplicate(location, normalisedEmail(location, patch), normalisedPhone(location, patch), null)
                        .ifPresent(dup -> {
                            throw duplicateError(dup);
                        });
            }
            return insert(location, patch);
        }
    }

    /** Creates a contact as a person in the app would (same duplicate rules); sends ContactCreate. */
    public ObjectNode createContactAsUser(String locationId, JsonNode fields) {
        List<String> errors = new ArrayList<>();
        ContactPatch patch = ContactPatch.parse(fields, ContactPatch.USER_CREATE_PROPERTIES, errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", errors));
        }
        synchronized (lock) {
            if (patch.hasBusinessId && patch.businessId != null) {
                requireBusiness(locationId, patch.businessId);
            }
            return createContact(locationId, patch);
        }
    }

    private ObjectNode insert(Location location, ContactPatch patch) {
        ContactRecord contact = new ContactRecord(ids.next(), location.id, clock.now());
        apply(location, contact, patch);
        contacts.put(contact.id, contact);
        index(location, contact);
        ObjectNode json = contact.toJson();
        emit("ContactCreate", location.id, json);
        return json;
    }

    ObjectNode updateContact(String locationId, String contactId, ContactPatch patch) {
        synchronized (lock) {
            ContactRecord contact = requireContact(locationId, contactId);
            return update(location(locationId), contact, patch);
        }
    }

    /**
     * Edits a contact as a person in the app would: any create field plus {@code addTags},
     * {@code removeTags}, {@code type}, {@code businessId}; same duplicate rules, same events.
     */
    public ObjectNode editContactAsUser(String contactId, JsonNode changes) {
        List<String> errors = new ArrayList<>();
        ContactPatch patch = ContactPatch.parse(changes, ContactPatch.USER_EDIT_PROPERTIES, errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", errors));
        }
        synchronized (lock) {
            ContactRecord contact = requireContact(contactId);
            if (patch.hasBusinessId && patch.businessId != null) {
                requireBusiness(contact.locationId, patch.businessId);
            }
            return update(location(contact.locationId), contact, patch);
        }
    }

    private ObjectNode update(Location location, ContactRecord contact, ContactPatch patch) {
        if (!location.settings.allowDuplicateContact()) {
            String email = patch.has("email") ? normalisedEmail(location, patch) : null;
            String phone = patch.has("phone") ? normalisedPhone(location, patch) : null;
            findDuplicate(location, email, phone, contact.id).ifPresent(dup -> {
                throw duplicateError(dup);
            });
        }
        ObjectNode before = contact.toJson();
        unindex(location, contact);
        apply(location, contact, patch);
        index(location, contact);
        contact.dateUpdated = clock.now();
        return announceChanges(contact, before);
    }

    /** Sends the events a change deserves (see the class comment) and returns the new state. */
    private ObjectNode announceChanges(ContactRecord contact, ObjectNode before) {
        ObjectNode after = contact.toJson();
        boolean fields = false;
        boolean tags = false;
        boolean dnd = false;
        Set<String> keys = new LinkedHashSet<>();
        before.fieldNames().forEachRemaining(keys::add);
        after.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) {
            if (key.equals("dateUpdated") || Objects.equals(before.get(key), after.get(key))) {
                continue;
            }
            switch (key) {
                case "tags" -> tags = true;
                case "dnd", "dndSettings", "inboundDndSettings" -> dnd = true;
                default -> fields = true;
            }
        }
        if (fields) {
            emit("ContactUpdate", contact.locationId, after);
        }
        if (tags) {
            emit("ContactTagUpdate", contact.locationId, after);
        }
        if (dnd) {
            emit("ContactDndUpdate", contact.locationId, after);
        }
        return after;
    }

    /** Result of an upsert: whether a contact was created, and the contact after the write. */
    record UpsertResult(boolean created, ObjectNode contact) {
    }

    UpsertResult upsertContact(String locationId, ContactPatch patch) {
        synchronized (lock) {
            Location location = location(locationId);
            HighLevelLocationSettings settings = location.settings;
            if (patch.createNewIfDuplicateAllowed && settings.allowDuplicateContact()) {
                return new UpsertResult(true, insert(location, patch));
            }
            String email = normalisedEmail(location, patch);
            String phone = normalisedPhone(location, patch);
            Optional<Duplicate> match = findDuplicate(location, email, phone, null);
            if (match.isEmpty()) {
                return new UpsertResult(true, insert(location, patch));
            }
            ContactRecord target = match.get().contact();
            if (!settings.allowDuplicateContact()) {
                // Another contact owns the other identifier: HighLevel keeps the first match and ignores
                // that field rather than creating a duplicate.
                for (String field : List.of("email", "phone")) {
                    String value = field.equals("email") ? email : phone;
                    if (value != null && !field.equals(match.get().field())
                            && findDuplicate(location, field.equals("email") ? value : null,
                            field.equals("phone") ? value : null, target.id).isPresent()) {
                        patch.strings.remove(field);
                    }
                }
            }
            return new UpsertResult(false, update(location, target, patch));
        }
    }

    ObjectNode deleteContact(String locationId, String contactId) {
        synchronized (lock) {
            ContactRecord contact = requireContact(locationId, contactId);
            return remove(contact);
        }
    }

    /** Deletes a contact as a person in the app would; sends ContactDelete. */
    public ObjectNode deleteContactAsUser(String contactId) {
        synchronized (lock) {
            return remove(requireContact(contactId));
        }
    }

    private ObjectNode remove(ContactRecord contact) {
        ObjectNode json = contact.toJson();
        unindex(location(contact.locationId), contact);
        contacts.remove(contact.id);
        deletedContacts.put(contact.id, contact.locationId);
        emit("ContactDelete", contact.locationId, json);
        return json;
    }

    /**
     * {@code GET /contacts/search/duplicate}: the contact the location's identifiers point at
     * (email first, then phone, unless the location says otherwise).
     */
    Optional<ObjectNode> duplicateOf(String locationId, String email, String phone) {
        synchronized (lock) {
            Location location = location(locationId);
            String normalisedEmail = email == null || email.isBlank() ? null : email.trim();
            String normalisedPhone = phone == null || phone.isBlank() ? null
                    : PhoneNumbers.normalise(phone, location.settings.defaultCallingCode());
            return findDuplicate(location, normalisedEmail, normalisedPhone, null).map(dup -> dup.contact().toJson());
        }
    }

    // --- applying changes --------------------------------------------------------------------------

    private static String normalisedEmail(Location location, ContactPatch patch) {
        String email = patch.strings.get("email");
        if (email == null) {
            return null;
        }
        return location.settings.lowercaseEmails() ? email.toLowerCase(Locale.ROOT) : email;
    }

    private static String normalisedPhone(Location location, ContactPatch patch) {
        String phone = patch.strings.get("phone");
        return phone == null ? null : PhoneNumbers.normalise(phone, location.settings.defaultCallingCode());
    }

    private void apply(Location location, ContactRecord contact, ContactPatch patch) {
        HighLevelLocationSettings settings = location.settings;
        patch.strings.forEach((field, value) -> {
            if (value == null) {
                contact.strings.remove(field);
            } else if (field.equals("email")) {
                contact.strings.put(field, settings.lowercaseEmails() ? value.toLowerCase(Locale.ROOT) : value);
            } else if (field.equals("phone")) {
                contact.strings.put(field, PhoneNumbers.normalise(value, settings.defaultCallingCode()));
            } else {
                contact.strings.put(field, value);
            }
        });
        if (patch.hasName && !patch.has("firstName") && !patch.has("lastName")) {
            // HighLevel keeps first and last name; a bare name is split at the first space.
            contact.strings.remove("firstName");
            contact.strings.remove("lastName");
            if (patch.name != null) {
                String[] parts = patch.name.trim().split("\\s+", 2);
                contact.strings.put("firstName", parts[0]);
                if (parts.length > 1) {
                    contact.strings.put("lastName", parts[1]);
                }
            }
        }
        if (patch.dnd != null) {
            contact.dnd = patch.dnd;
        }
        if (patch.dndSettings != null) {
            if (contact.dndSettings == null) {
                contact.dndSettings = SimJson.object();
            }
            contact.dndSettings.setAll(patch.dndSettings);
        }
        if (patch.inboundDndSettings != null) {
            if (contact.inboundDndSettings == null) {
                contact.inboundDndSettings = SimJson.object();
            }
            contact.inboundDndSettings.setAll(patch.inboundDndSettings);
        }
        if (patch.tags != null) {
            contact.tags.clear();
            addTags(location, contact, patch.tags);
        }
        addTags(location, contact, patch.addTags);
        removeTags(location, contact, patch.removeTags);
        for (ContactPatch.CustomFieldWrite write : patch.customFields) {
            location.customField(write.idOrKey()).ifPresent(field -> {
                JsonNode value = coerce(field, write.value());
                if (value == null) {
                    contact.customFields.remove(field.id());
                } else {
                    contact.customFields.put(field.id(), value);
                }
            });
        }
        if (patch.hasBusinessId) {
            contact.businessId = patch.businessId;
        }
    }

    private static String normaliseTag(Location location, String tag) {
        String trimmed = tag.trim();
        return location.settings.lowercaseTags() ? trimmed.toLowerCase(Locale.ROOT) : trimmed;
    }

    /** Adds tags (normalised, no duplicates); returns those that were new to the contact. */
    private List<String> addTags(Location location, ContactRecord contact, List<String> tags) {
        List<String> added = new ArrayList<>();
        for (String raw : tags) {
            String tag = normaliseTag(location, raw);
            if (tag.isEmpty() || contact.tags.contains(tag)) {
                continue;
            }
            contact.tags.add(tag);
            added.add(tag);
            location.tags.computeIfAbsent(tag.toLowerCase(Locale.ROOT), key -> new String[]{ids.next(), tag});
        }
        return added;
    }

    private static List<String> removeTags(Location location, ContactRecord contact, List<String> tags) {
        List<String> removed = new ArrayList<>();
        for (String raw : tags) {
            String tag = normaliseTag(location, raw);
            if (contact.tags.remove(tag)) {
                removed.add(tag);
            }
        }
        return removed;
    }

    /**
     * A custom field value as stored: numbers for NUMERICAL/MONETORY (numeric strings converted),
     * string arrays for MULTIPLE_OPTIONS/CHECKBOX, strings otherwise; null/""/[] clear the field.
     */
    private static JsonNode coerce(HighLevelCustomField field, JsonNode value) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (value == null || value.isNull() || (value.isTextual() && value.asText().isBlank())
                || (value.isArray() && value.isEmpty())) {
            return null;
        }
        if (field.isMultiValued()) {
            ArrayNode items = nodes.arrayNode();
            if (value.isArray()) {
                value.forEach(item -> items.add(item.asText()));
            } else {
                items.add(value.asText());
            }
            return items;
        }
        JsonNode scalar = value.isArray() ? value.get(0) : value;
        if (field.isNumeric()) {
            if (scalar.isNumber()) {
                return scalar;
            }
            try {
                BigDecimal number = new BigDecimal(scalar.asText().trim());
                return number.scale() <= 0 ? nodes.numberNode(number.longValueExact()) : nodes.numberNode(number);
            } catch (NumberFormatException | ArithmeticException e) {
                return nodes.textNode(scalar.asText());
            }
        }
        return nodes.textNode(scalar.isObject() ? scalar.toString() : scalar.asText());
    }

    // --- duplicates --------------------------------------------------------------------------------

    private record Duplicate(ContactRecord contact, String field) {
    }

    private Optional<Duplicate> findDuplicate(Location location, String email, String phone, String excludeId) {
        for (String field : location.settings.duplicateMatchOrder()) {
            String value = field.equals("email") ? email : phone;
            if (value == null) {
                continue;
            }
            Map<String, Set<String>> index = field.equals("email") ? location.byEmail : location.byPhone;
            Set<String> matches = index.getOrDefault(field.equals("email") ? value.toLowerCase(Locale.ROOT) : value,
                    Set.of());
            for (String id : matches) {
                if (!id.equals(excludeId)) {
                    return Optional.of(new Duplicate(contacts.get(id), field));
                }
            }
        }
        return Optional.empty();
    }

    private SimResponseException duplicateError(Duplicate duplicate) {
        ObjectNode body = HighLevelErrors.body(400, HighLevelErrors.DUPLICATE_CONTACT);
        ObjectNode meta = body.putObject("meta");
        String name = duplicate.contact().fullName();
        if (name != null) {
            meta.put("contactName", name);
        }
        meta.put("contactId", duplicate.contact().id);
        meta.put("matchingField", duplicate.field());
        body.put("traceId", ids.traceId());
        return new SimResponseException(SimResponse.json(400, body));
    }

    private static void index(Location location, ContactRecord contact) {
        if (contact.email() != null) {
            location.byEmail.computeIfAbsent(contact.emailLowerCase(), k -> new LinkedHashSet<>()).add(contact.id);
        }
        if (contact.phone() != null) {
            location.byPhone.computeIfAbsent(contact.phone(), k -> new LinkedHashSet<>()).add(contact.id);
        }
    }

    private static void unindex(Location location, ContactRecord contact) {
        if (contact.email() != null) {
            Set<String> ids = location.byEmail.get(contact.emailLowerCase());
            if (ids != null && ids.remove(contact.id) && ids.isEmpty()) {
                location.byEmail.remove(contact.emailLowerCase());
            }
        }
        if (contact.phone() != null) {
            Set<String> ids = location.byPhone.get(contact.phone());
            if (ids != null && ids.remove(contact.id) && ids.isEmpty()) {
                location.byPhone.remove(contact.phone());
            }
        }
    }

    // --- tags, followers, campaigns, workflows -----------------------------------------------------

    /** Adds tags; returns the contact's tags afterwards. */
    List<String> addTags(String locationId, String contactId, List<String> tags) {
        return changeTags(locationId, contactId, tags, true);
    }

    List<String> removeTags(String locationId, String contactId, List<String> tags) {
        return changeTags(locationId, contactId, tags, false);
    }

    private List<String> changeTags(String locationId, String contactId, List<String> tags, boolean add) {
        synchronized (lock) {
            Location location = location(locationId);
            ContactRecord contact = requireContact(locationId, contactId);
            ObjectNode before = contact.toJson();
            if (add) {
                addTags(location, contact, tags);
            } else {
                removeTags(location, contact, tags);
            }
            contact.dateUpdated = clock.now();
            announceChanges(contact, before);
            return List.copyOf(contact.tags);
        }
    }

    /** Followers after a change, and which of the requested ones actually changed. */
    record FollowersResult(List<String> followers, List<String> changed) {
    }

    FollowersResult changeFollowers(String locationId, String contactId, List<String> followers, boolean add) {
        synchronized (lock) {
            ContactRecord contact = requireContact(locationId, contactId);
            ObjectNode before = contact.toJson();
            List<String> changed = new ArrayList<>();
            for (String follower : followers) {
                if (add ? !contact.followers.contains(follower) && contact.followers.add(follower)
                        : contact.followers.remove(follower)) {
                    changed.add(follower);
                }
            }
            contact.dateUpdated = clock.now();
            announceChanges(contact, before);
            return new FollowersResult(List.copyOf(contact.followers), changed);
        }
    }

    void addToCampaign(String locationId, String contactId, String campaignId) {
        synchronized (lock) {
            requireContact(locationId, contactId).campaigns.add(campaignId);
        }
    }

    void removeFromCampaign(String locationId, String contactId, String campaignId) {
        synchronized (lock) {
            requireContact(locationId, contactId).campaigns.remove(campaignId);
        }
    }

    void removeFromAllCampaigns(String locationId, String contactId) {
        synchronized (lock) {
            requireContact(locationId, contactId).campaigns.clear();
        }
    }

    void addToWorkflow(String locationId, String contactId, String workflowId, String eventStartTime) {
        synchronized (lock) {
            requireContact(locationId, contactId).workflows.put(workflowId, eventStartTime == null ? "" : eventStartTime);
        }
    }

    void removeFromWorkflow(String locationId, String contactId, String workflowId) {
        synchronized (lock) {
            requireContact(locationId, contactId).workflows.remove(workflowId);
        }
    }

    // --- bulk --------------------------------------------------------------------------------------

    /**
     * {@code POST /contacts/bulk/tags/update/{type}}: per-contact outcomes with the messages the spec's
     * example shows ("contact id is not a valid firebase id", "contact is deleted", "contact does
     * not belong to location"; "contact not found" for a well-formed unknown id is the simulator's).
     */
    ObjectNode bulkTags(String locationId, boolean add, List<String> contactIds, List<String> tags,
                        boolean removeAllTags) {
        synchronized (lock) {
            Location location = location(locationId);
            ArrayNode responses = SimJson.array();
            int errors = 0;
            for (String contactId : contactIds) {
                String problem = bulkProblem(locationId, contactId);
                if (problem != null) {
                    errors++;
                    responses.addObject().put("contactId", contactId).put("message", problem).put("type", "error");
                    continue;
                }
                ContactRecord contact = contacts.get(contactId);
                ObjectNode before = contact.toJson();
                List<String> oldTags = List.copyOf(contact.tags);
                List<String> added = add ? addTags(location, contact, tags) : List.of();
                List<String> removed = add ? List.of()
                        : removeAllTags ? removeTags(location, contact, oldTags) : removeTags(location, contact, tags);
                contact.dateUpdated = clock.now();
                announceChanges(contact, before);
                ObjectNode outcome = responses.addObject().put("contactId", contactId)
                        .put("message", "Tags updated").put("type", "success");
                oldTags.forEach(outcome.putArray("oldTags")::add);
                added.forEach(outcome.putArray("tagsAdded")::add);
                removed.forEach(outcome.putArray("tagsRemoved")::add);
            }
            ObjectNode result = SimJson.object();
            result.put("succeded", true);
            result.put("errorCount", errors);
            result.set("responses", responses);
            return result;
        }
    }

    private String bulkProblem(String locationId, String contactId) {
        if (!HighLevelIds.isFirebaseId(contactId)) {
            return "contact id is not a valid firebase id";
        }
        if (deletedContacts.containsKey(contactId)) {
            return "contact is deleted";
        }
        ContactRecord contact = contacts.get(contactId);
        if (contact == null) {
            return "contact not found";
        }
        return contact.locationId.equals(locationId) ? null : "contact does not belong to location";
    }

    /** {@code POST /contacts/bulk/business}: returns the ids that were updated (unknown ones are skipped). */
    List<String> bulkBusiness(String locationId, List<String> contactIds, String businessId) {
        synchronized (lock) {
            if (businessId != null) {
                requireBusiness(locationId, businessId);
            }
            List<String> updated = new ArrayList<>();
            for (String contactId : contactIds) {
                ContactRecord contact = contacts.get(contactId);
                if (contact == null || !contact.locationId.equals(locationId)) {
                    continue;
                }
                ObjectNode before = contact.toJson();
                contact.businessId = businessId;
                contact.dateUpdated = clock.now();
                announceChanges(contact, before);
                updated.add(contactId);
            }
            return updated;
        }
    }

    // --- search and lists --------------------------------------------------------------------------

    ObjectNode search(String locationId, JsonNode body) {
        synchronized (lock) {
            Location location = location(locationId);
            return new ContactSearch(List.copyOf(location.customFields.values()))
                    .search(body, locationContacts(locationId), maxPagedSearchWindow);
        }
    }

    private List<ContactRecord> locationContacts(String locationId) {
        List<ContactRecord> list = new ArrayList<>();
        for (ContactRecord contact : contacts.values()) {
            if (contact.locationId.equals(locationId)) {
                list.add(contact);
            }
        }
        return list;
    }

    /**
     * The deprecated {@code GET /contacts/}: newest first (dateAdded desc, then id desc, as v1 did by
     * default), cursor {@code startAfter} (epoch millis) + {@code startAfterId} of the last contact.
     */
    ObjectNode listContacts(String locationId, String query, int limit, Long startAfter, String startAfterId,
                            String baseUrl) {
        synchronized (lock) {
            Predicate<ContactRecord> filter = query == null || query.isBlank() ? c -> true
                    : ContactSearch.freeText(query);
            List<ContactRecord> matches = new ArrayList<>(locationContacts(locationId).stream().filter(filter).toList());
            Comparator<ContactRecord> newestFirst = Comparator
                    .comparing((ContactRecord c) -> c.dateAdded.toEpochMilli())
                    .thenComparing(c -> c.id).reversed();
            matches.sort(newestFirst);
            int from = 0;
            if (startAfter != null) {
                while (from < matches.size()) {
                    ContactRecord c = matches.get(from);
                    long added = c.dateAdded.toEpochMilli();
                    boolean afterCursor = added < startAfter
                            || (added == startAfter && startAfterId != null && c.id.compareTo(startAfterId) < 0);
                    if (afterCursor) {
                        break;
                    }
                    from++;
                }
            }
            List<ContactRecord> page = matches.subList(from, Math.min(matches.size(), from + limit));
            ObjectNode result = SimJson.object();
            ArrayNode list = result.putArray("contacts");
            page.forEach(c -> list.add(c.toJson()));
            result.put("count", matches.size());
            ObjectNode meta = result.putObject("meta");
            meta.put("total", matches.size());
            int currentPage = from / limit + 1;
            boolean more = from + page.size() < matches.size();
            if (more && !page.isEmpty()) {
                ContactRecord last = page.get(page.size() - 1);
                long lastAdded = last.dateAdded.toEpochMilli();
                meta.put("nextPageUrl", baseUrl + "/contacts/?locationId=" + locationId + "&startAfter=" + lastAdded
                        + "&startAfterId=" + last.id + "&limit=" + limit
                        + (query == null || query.isBlank() ? "" : "&query="
                        + URLEncoder.encode(query, StandardCharsets.UTF_8)));
                meta.put("startAfterId", last.id);
                meta.put("startAfter", lastAdded);
                meta.put("currentPage", currentPage);
                meta.put("nextPage", currentPage + 1);
            } else {
                meta.putNull("nextPageUrl");
                meta.putNull("startAfterId");
                meta.putNull("startAfter");
                meta.put("currentPage", currentPage);
                meta.putNull("nextPage");
            }
            if (currentPage > 1) {
                meta.put("prevPage", currentPage - 1);
            } else {
                meta.putNull("prevPage");
            }
            return result;
        }
    }

    /** {@code GET /contacts/business/{businessId}}: oldest first, skip/limit, optional free text. */
    ObjectNode contactsOfBusiness(String locationId, String businessId, int limit, int skip, String query) {
        synchronized (lock) {
            Predicate<ContactRecord> filter = query == null || query.isBlank() ? c -> true
                    : ContactSearch.freeText(query);
            List<ContactRecord> matches = locationContacts(locationId).stream()
                    .filter(c -> businessId.equals(c.businessId)).filter(filter).toList();
            ObjectNode result = SimJson.object();
            ArrayNode list = result.putArray("contacts");
            matches.stream().skip(skip).limit(limit).forEach(c -> list.add(c.toJson()));
            result.put("count", matches.size());
            return result;
        }
    }

    // --- notes -------------------------------------------------------------------------------------

    List<ObjectNode> notes(String locationId, String contactId) {
        synchronized (lock) {
            return requireContact(locationId, contactId).notes.values().stream().map(ContactRecord.Note::toJson)
                    .toList();
        }
    }

    ObjectNode note(String locationId, String contactId, String noteId) {
        synchronized (lock) {
            return requireNote(requireContact(locationId, contactId), noteId).toJson();
        }
    }

    private static ContactRecord.Note requireNote(ContactRecord contact, String noteId) {
        ContactRecord.Note note = contact.notes.get(noteId);
        if (note == null) {
            throw HighLevelErrors.badRequest("Note with id " + noteId + " not found");
        }
        return note;
    }

    /** Creates ({@code noteId} null) or updates a note from validated fields. */
    ObjectNode saveNote(String locationId, String contactId, String noteId, JsonNode fields) {
        synchronized (lock) {
            ContactRecord contact = requireContact(locationId, contactId);
            ContactRecord.Note note = noteId == null ? new ContactRecord.Note(ids.next(), contactId, clock.now())
                    : requireNote(contact, noteId);
            if (fields.has("body")) {
                note.body = fields.get("body").asText();
            }
            if (fields.has("userId")) {
                note.userId = fields.get("userId").asText();
            }
            if (fields.has("title")) {
                note.title = fields.get("title").asText();
            }
            if (fields.has("color")) {
                note.color = fields.get("color").asText();
            }
            if (fields.has("pinned")) {
                note.pinned = fields.get("pinned").asBoolean();
            }
            contact.notes.put(note.id, note);
            ObjectNode json = note.toJson();
            emit(noteId == null ? "NoteCreate" : "NoteUpdate", locationId, json);
            return json;
        }
    }

    void deleteNote(String locationId, String contactId, String noteId) {
        synchronized (lock) {
            ContactRecord contact = requireContact(locationId, contactId);
            ContactRecord.Note note = requireNote(contact, noteId);
            contact.notes.remove(noteId);
            emit("NoteDelete", locationId, note.toJson());
        }
    }

    // --- tasks -------------------------------------------------------------------------------------

    List<ObjectNode> tasks(String locationId, String contactId) {
        synchronized (lock) {
            return requireContact(locationId, contactId).tasks.values().stream().map(ContactRecord.Task::toJson)
                    .toList();
        }
    }

    ObjectNode task(String locationId, String contactId, String taskId) {
        synchronized (lock) {
            return requireTask(requireContact(locationId, contactId), taskId).toJson();
        }
    }

    private static ContactRecord.Task requireTask(ContactRecord contact, String taskId) {
        ContactRecord.Task task = contact.tasks.get(taskId);
        if (task == null) {
            throw HighLevelErrors.badRequest("Task with id " + taskId + " not found");
        }
        return task;
    }

    /** Creates ({@code taskId} null) or updates a task from validated fields ({@code dueDate} parsed). */
    ObjectNode saveTask(String locationId, String contactId, String taskId, JsonNode fields) {
        synchronized (lock) {
            ContactRecord contact = requireContact(locationId, contactId);
            ContactRecord.Task task = taskId == null ? new ContactRecord.Task(ids.next(), contactId, clock.now())
                    : requireTask(contact, taskId);
            boolean wasCompleted = taskId != null && task.completed;
            if (fields.has("title")) {
                task.title = fields.get("title").asText();
            }
            if (fields.has("body")) {
                task.body = fields.get("body").asText();
            }
            if (fields.has("assignedTo")) {
                task.assignedTo = fields.get("assignedTo").asText();
            }
            if (fields.has("dueDate")) {
                task.dueDate = HighLevelTime.parseInstant(fields.get("dueDate").asText()).orElseThrow();
            }
            if (fields.has("completed")) {
                task.completed = fields.get("completed").asBoolean();
            }
            contact.tasks.put(task.id, task);
            ObjectNode json = task.toJson();
            if (taskId == null) {
                emit("TaskCreate", locationId, json);
            } else if (task.completed && !wasCompleted) {
                emit("TaskComplete", locationId, json);
            }
            return json;
        }
    }

    void deleteTask(String locationId, String contactId, String taskId) {
        synchronized (lock) {
            ContactRecord contact = requireContact(locationId, contactId);
            ContactRecord.Task task = requireTask(contact, taskId);
            contact.tasks.remove(taskId);
            emit("TaskDelete", locationId, task.toJson());
        }
    }

    /** Ticks a task off as a person in the app would; sends TaskComplete if it was open. */
    public ObjectNode completeTaskAsUser(String contactId, String taskId) {
        synchronized (lock) {
            ContactRecord contact = requireContact(contactId);
            return saveTask(contact.locationId, contactId, taskId,
                    SimJson.object().put("completed", true));
        }
    }

    // --- appointments (read-only in the API; booked by people in the app) --------------------------

    List<ObjectNode> appointments(String locationId, String contactId) {
        synchronized (lock) {
            return requireContact(locationId, contactId).appointments.values().stream()
                    .map(ContactRecord.Appointment::toJson).toList();
        }
    }

    /**
     * Books ({@code appointmentId} null) or changes an appointment as a person in the app would.
     * Fields: calendarId, title, appointmentStatus (default "confirmed"), assignedUserId, notes,
     * address, startTime, endTime (ISO-8601), groupId, source (default "booking_widget"), users.
     */
    public ObjectNode saveAppointmentAsUser(String contactId, String appointmentId, JsonNode fields) {
        if (!fields.isObject()) {
            throw new IllegalArgumentException("appointment must be a JSON object");
        }
        Set<String> allowed = new HashSet<>(ContactRecord.Appointment.STRING_FIELDS);
        allowed.add("users");
        fields.fieldNames().forEachRemaining(name -> {
            if (!allowed.contains(name)) {
                throw new IllegalArgumentException("unknown appointment field " + name);
            }
        });
        for (String time : List.of("startTime", "endTime")) {
            if (fields.has(time) && HighLevelTime.parseInstant(fields.get(time).asText()).isEmpty()) {
                throw new IllegalArgumentException(time + " must be an ISO-8601 date-time");
            }
        }
        synchronized (lock) {
            ContactRecord contact = requireContact(contactId);
            ContactRecord.Appointment appointment;
            Instant now = clock.now();
            if (appointmentId == null) {
                appointment = new ContactRecord.Appointment(ids.next(), contactId, contact.locationId, now);
                appointment.strings.put("appointmentStatus", "confirmed");
                appointment.strings.put("source", "booking_widget");
            } else {
                appointment = contact.appointments.get(appointmentId);
                if (appointment == null) {
                    throw new IllegalArgumentException("no appointment " + appointmentId + " on contact " + contactId);
                }
                appointment.dateUpdated = now;
            }
            for (String field : ContactRecord.Appointment.STRING_FIELDS) {
                if (fields.has(field)) {
                    appointment.strings.put(field, fields.get(field).asText());
                }
            }
            if (fields.has("users")) {
                appointment.users.clear();
                fields.get("users").forEach(user -> appointment.users.add(user.asText()));
            }
            contact.appointments.put(appointment.id, appointment);
            ObjectNode json = appointment.toJson();
            emit(appointmentId == null ? "AppointmentCreate" : "AppointmentUpdate", contact.locationId, json);
            return json;
        }
    }

    public ObjectNode deleteAppointmentAsUser(String contactId, String appointmentId) {
        synchronized (lock) {
            ContactRecord contact = requireContact(contactId);
            ContactRecord.Appointment appointment = contact.appointments.remove(appointmentId);
            if (appointment == null) {
                throw new IllegalArgumentException("no appointment " + appointmentId + " on contact " + contactId);
            }
            ObjectNode json = appointment.toJson();
            emit("AppointmentDelete", contact.locationId, json);
            return json;
        }
    }

    // --- businesses --------------------------------------------------------------------------------

    private BusinessRecord requireBusiness(String locationId, String businessId) {
        BusinessRecord business = businesses.get(businessId);
        if (business == null) {
            throw HighLevelErrors.badRequest("Business with id " + businessId + " not found");
        }
        if (!business.locationId.equals(locationId)) {
            throw HighLevelErrors.forbiddenLocation();
        }
        return business;
    }

    List<ObjectNode> businesses(String locationId, int limit, int skip) {
        synchronized (lock) {
            return businesses.values().stream().filter(b -> b.locationId.equals(locationId)).skip(skip).limit(limit)
                    .map(BusinessRecord::toJson).toList();
        }
    }

    ObjectNode business(String locationId, String businessId) {
        synchronized (lock) {
            return requireBusiness(locationId, businessId).toJson();
        }
    }

    /** Creates ({@code businessId} null) or updates a business from validated string fields. */
    ObjectNode saveBusiness(String locationId, String businessId, Map<String, String> fields, String source) {
        synchronized (lock) {
            Instant now = clock.now();
            BusinessRecord business;
            if (businessId == null) {
                location(locationId);
                business = new BusinessRecord(ids.nextObjectId(now.getEpochSecond()), locationId, now, source);
                businesses.put(business.id, business);
            } else {
                business = requireBusiness(locationId, businessId);
                business.updatedAt = now;
                business.updatedBySource = source;
            }
            fields.forEach((field, value) -> {
                if (value == null) {
                    business.strings.remove(field);
                } else {
                    business.strings.put(field, value);
                }
            });
            return business.toJson();
        }
    }

    /** Deletes a business; its contacts lose their businessId (and say so with ContactUpdate). */
    void deleteBusiness(String locationId, String businessId) {
        synchronized (lock) {
            requireBusiness(locationId, businessId);
            businesses.remove(businessId);
            for (ContactRecord contact : locationContacts(locationId)) {
                if (businessId.equals(contact.businessId)) {
                    ObjectNode before = contact.toJson();
                    contact.businessId = null;
                    contact.dateUpdated = clock.now();
                    announceChanges(contact, before);
                }
            }
        }
    }

    String traceId() {
        return ids.traceId();
    }
}
