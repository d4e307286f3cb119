package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.highlevel.HighLevelCatalogue.Location;
import io.contactsbridge.simulator.sim.Seeding;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.simulator.sim.SimResponseException;

import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The HighLevel simulator's contacts, with their duplicate index (by email and phone, per location), their tags,
 * followers, campaign and workflow memberships, and the API's lists, searches and bulk calls over them. Part of
 * {@link HighLevelState}, under its lock; the events and rules are described there.
 */
final class HighLevelContacts {

    /** Seeding generates and checks this many contacts at a time. */
    private static final int SEED_CHUNK = 1000;

    private final Object lock;
    private final SimClock clock;
    private final HighLevelIds ids;
    private final HighLevelEvents events;
    private final HighLevelCatalogue catalogue;
    private final HighLevelBusinesses businesses;
    private final Map<String, ContactRecord> contacts = new LinkedHashMap<>();
    /** Deleted contact id to its location, so bulk calls can say "contact is deleted". */
    private final Map<String, String> deletedContacts = new HashMap<>();
    /** Location id to its contacts' identifiers, for the duplicate rules. */
    private final Map<String, DuplicateIndex> duplicateIndexes = new HashMap<>();
    private volatile int maxPagedSearchWindow = 10_000;

    HighLevelContacts(Object lock, SimClock clock, HighLevelIds ids, HighLevelEvents events,
                      HighLevelCatalogue catalogue, HighLevelBusinesses businesses) {
        this.lock = lock;
        this.clock = clock;
        this.ids = ids;
        this.events = events;
        this.catalogue = catalogue;
        this.businesses = businesses;
    }

    /** A location's contacts by lower-cased email and by phone (as stored). */
    private static final class DuplicateIndex {
        final Map<String, Set<String>> byEmail = new HashMap<>();
        final Map<String, Set<String>> byPhone = new HashMap<>();
    }

    private DuplicateIndex duplicates(String locationId) {
        return duplicateIndexes.computeIfAbsent(locationId, id -> new DuplicateIndex());
    }

    int maxPagedSearchWindow() {
        return maxPagedSearchWindow;
    }

    /** How far {@code page * pageLimit} may reach in search (HighLevel: 10,000); lower it in tests. */
    void setMaxPagedSearchWindow(int records) {
        if (records < 1) {
            throw new IllegalArgumentException("records must be >= 1");
        }
        this.maxPagedSearchWindow = records;
    }

    /** Every contact of every location, as the API renders them. */
    List<ObjectNode> contacts() {
        synchronized (lock) {
            return contacts.values().stream().map(ContactRecord::toJson).toList();
        }
    }

    List<ObjectNode> contacts(String locationId) {
        synchronized (lock) {
            return contacts.values().stream().filter(c -> c.locationId.equals(locationId))
                    .map(ContactRecord::toJson).toList();
        }
    }

    Optional<ObjectNode> contact(String contactId) {
        synchronized (lock) {
            return Optional.ofNullable(contacts.get(contactId)).map(ContactRecord::toJson);
        }
    }

    int contactCount() {
        synchronized (lock) {
            return contacts.size();
        }
    }

    /**
     * A contact with everything hanging off it (notes, tasks, appointments, campaigns, workflows),
     * for inspection.
     */
    Optional<ObjectNode> contactDetails(String contactId) {
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

    /** As {@link #seedIds}, rendered as the API renders contacts. */
    List<ObjectNode> seed(String locationId, int count, long randomSeed) {
        synchronized (lock) {
            return seedIds(locationId, count, randomSeed).stream().map(id -> contacts.get(id).toJson()).toList();
        }
    }

    /**
     * Seeds {@code count} realistic contacts into a location, no events, and returns their ids. They are generated and
     * added {@value #SEED_CHUNK} at a time, so a large account is never held twice. An interrupted thread stops at
     * the next contact ({@link Seeding.SeedingInterruptedException}), keeping those added.
     */
    List<String> seedIds(String locationId, int count, long randomSeed) {
        synchronized (lock) {
            Location location = catalogue.location(locationId);
            HighLevelSeeder seeder = new HighLevelSeeder(new Random(randomSeed), clock.now(),
                    List.copyOf(location.customFields.values()));
            DuplicateIndex taken = duplicates(locationId);
            Set<String> takenEmails = new HashSet<>(taken.byEmail.keySet());
            Set<String> takenPhones = new HashSet<>(taken.byPhone.keySet());
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
    List<String> havingEmail(List<String> contactIds) {
        synchronized (lock) {
            return contactIds.stream().filter(id -> contacts.containsKey(id) && contacts.get(id).email() != null)
                    .toList();
        }
    }

    /** The lower-cased emails of a location's contacts (a copy of its duplicate index). */
    Set<String> emailsLowerCase(String locationId) {
        synchronized (lock) {
            catalogue.location(locationId);
            return new HashSet<>(duplicates(locationId).byEmail.keySet());
        }
    }

    /** The phones of a location's contacts as stored, E.164 where readable (a copy of its duplicate index). */
    Set<String> phones(String locationId) {
        synchronized (lock) {
            catalogue.location(locationId);
            return new HashSet<>(duplicates(locationId).byPhone.keySet());
        }
    }

    /**
     * Adds exact contacts as pre-existing data (no events). Each entry takes the create-contact
     * fields plus {@code id}, {@code dateAdded}, {@code dateUpdated}, {@code businessId},
     * {@code type}. All entries are checked before any is added; invalid input or duplicates the
     * location does not allow raise {@link IllegalArgumentException}.
     */
    List<ObjectNode> seedContacts(String locationId, List<? extends JsonNode> entries) {
        synchronized (lock) {
            return addSeeded(locationId, entries).stream().map(ContactRecord::toJson).toList();
        }
    }

    private List<ContactRecord> addSeeded(String locationId, List<? extends JsonNode> entries) {
        synchronized (lock) {
            Location location = catalogue.location(locationId);
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
                if (patch.hasBusinessId && patch.businessId != null && !businesses.exists(patch.businessId)) {
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

    ContactRecord requireContact(String contactId) {
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
            Location location = catalogue.location(locationId);
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
    ObjectNode createContactAsUser(String locationId, JsonNode fields) {
        List<String> errors = new ArrayList<>();
        ContactPatch patch = ContactPatch.parse(fields, ContactPatch.USER_CREATE_PROPERTIES, errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", errors));
        }
        synchronized (lock) {
            if (patch.hasBusinessId && patch.businessId != null) {
                businesses.requireBusiness(locationId, patch.businessId);
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
        events.emit("ContactCreate", location.id, json);
        return json;
    }

    ObjectNode updateContact(String locationId, String contactId, ContactPatch patch) {
        synchronized (lock) {
            ContactRecord contact = requireContact(locationId, contactId);
            return update(catalogue.location(locationId), contact, patch);
        }
    }

    /**
     * Edits a contact as a person in the app would: any create field plus {@code addTags},
     * {@code removeTags}, {@code type}, {@code businessId}; same duplicate rules, same events.
     */
    ObjectNode editContactAsUser(String contactId, JsonNode changes) {
        List<String> errors = new ArrayList<>();
        ContactPatch patch = ContactPatch.parse(changes, ContactPatch.USER_EDIT_PROPERTIES, errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", errors));
        }
        synchronized (lock) {
            ContactRecord contact = requireContact(contactId);
            if (patch.hasBusinessId && patch.businessId != null) {
                businesses.requireBusiness(contact.locationId, patch.businessId);
            }
            return update(catalogue.location(contact.locationId), contact, patch);
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
            events.emit("ContactUpdate", contact.locationId, after);
        }
        if (tags) {
            events.emit("ContactTagUpdate", contact.locationId, after);
        }
        if (dnd) {
            events.emit("ContactDndUpdate", contact.locationId, after);
        }
        return after;
    }

    HighLevelState.UpsertResult upsertContact(String locationId, ContactPatch patch) {
        synchronized (lock) {
            Location location = catalogue.location(locationId);
            HighLevelLocationSettings settings = location.settings;
            if (patch.createNewIfDuplicateAllowed && settings.allowDuplicateContact()) {
                return new HighLevelState.UpsertResult(true, insert(location, patch));
            }
            String email = normalisedEmail(location, patch);
            String phone = normalisedPhone(location, patch);
            Optional<Duplicate> match = findDuplicate(location, email, phone, null);
            if (match.isEmpty()) {
                return new HighLevelState.UpsertResult(true, insert(location, patch));
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
            return new HighLevelState.UpsertResult(false, update(location, target, patch));
        }
    }

    ObjectNode deleteContact(String locationId, String contactId) {
        synchronized (lock) {
            ContactRecord contact = requireContact(locationId, contactId);
            return remove(contact);
        }
    }

    /** Deletes a contact as a person in the app would; sends ContactDelete. */
    ObjectNode deleteContactAsUser(String contactId) {
        synchronized (lock) {
            return remove(requireContact(contactId));
        }
    }

    private ObjectNode remove(ContactRecord contact) {
        ObjectNode json = contact.toJson();
        unindex(catalogue.location(contact.locationId), contact);
        contacts.remove(contact.id);
        deletedContacts.put(contact.id, contact.locationId);
        events.emit("ContactDelete", contact.locationId, json);
        return json;
    }

    /**
     * {@code GET /contacts/search/duplicate}: the contact the location's identifiers point at
     * (email first, then phone, unless the location says otherwise).
     */
    Optional<ObjectNode> duplicateOf(String locationId, String email, String phone) {
        synchronized (lock) {
            Location location = catalogue.location(locationId);
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

    /** Adds tags (normalised, no duplicates); returns those that were new to the contact. */
    private List<String> addTags(Location location, ContactRecord contact, List<String> tags) {
        List<String> added = new ArrayList<>();
        for (String raw : tags) {
            String tag = HighLevelCatalogue.normaliseTag(location, raw);
            if (tag.isEmpty() || contact.tags.contains(tag)) {
                continue;
            }
            contact.tags.add(tag);
            added.add(tag);
            catalogue.registerTag(location, tag);
        }
        return added;
    }

    private static List<String> removeTags(Location location, ContactRecord contact, List<String> tags) {
        List<String> removed = new ArrayList<>();
        for (String raw : tags) {
            String tag = HighLevelCatalogue.normaliseTag(location, raw);
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
            Map<String, Set<String>> index = field.equals("email") ? duplicates(location.id).byEmail
                    : duplicates(location.id).byPhone;
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

    private void index(Location location, ContactRecord contact) {
        DuplicateIndex index = duplicates(location.id);
        if (contact.email() != null) {
            index.byEmail.computeIfAbsent(contact.emailLowerCase(), k -> new LinkedHashSet<>()).add(contact.id);
        }
        if (contact.phone() != null) {
            index.byPhone.computeIfAbsent(contact.phone(), k -> new LinkedHashSet<>()).add(contact.id);
        }
    }

    private void unindex(Location location, ContactRecord contact) {
        DuplicateIndex index = duplicates(location.id);
        if (contact.email() != null) {
            Set<String> ids = index.byEmail.get(contact.emailLowerCase());
            if (ids != null && ids.remove(contact.id) && ids.isEmpty()) {
                index.byEmail.remove(contact.emailLowerCase());
            }
        }
        if (contact.phone() != null) {
            Set<String> ids = index.byPhone.get(contact.phone());
            if (ids != null && ids.remove(contact.id) && ids.isEmpty()) {
                index.byPhone.remove(contact.phone());
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
            Location location = catalogue.location(locationId);
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

    HighLevelState.FollowersResult changeFollowers(String locationId, String contactId, List<String> followers,
                                                   boolean add) {
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
            return new HighLevelState.FollowersResult(List.copyOf(contact.followers), changed);
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
            Location location = catalogue.location(locationId);
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
                businesses.requireBusiness(locationId, businessId);
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
            Location location = catalogue.location(locationId);
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

    // --- the other parts' changes -----------------------------------------------------------------

    /** Removes every contact's value of a deleted custom field, silently; called under the lock. */
    void clearCustomField(String locationId, String fieldId) {
        contacts.values().stream().filter(c -> c.locationId.equals(locationId))
                .forEach(c -> c.customFields.remove(fieldId));
    }

    /** Detaches the contacts of a deleted business (each says so with ContactUpdate); called under the lock. */
    void detachBusiness(String locationId, String businessId) {
        for (ContactRecord contact : locationContacts(locationId)) {
            if (businessId.equals(contact.businessId)) {
                ObjectNode before = contact.toJson();
                contact.businessId = null;
                contact.dateUpdated = clock.now();
                announceChanges(contact, before);
            }
        }
    }

    /** Forgets every contact; called under the lock. */
    void clear() {
        contacts.clear();
        deletedContacts.clear();
        duplicateIndexes.clear();
    }
}
