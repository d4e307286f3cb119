package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimClock;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * The HighLevel simulator's data: locations (settings, custom field definitions, tag lists),
 * contacts with their notes, tasks, appointments, followers, campaign and workflow memberships,
 * and businesses. Thread-safe: every operation runs under one lock, and the events it causes are
 * delivered to the listeners before the lock is released, so listeners see changes in order.
 *
 * <p>A facade over its parts, which share that lock, the clock, the id generator and the event bus
 * ({@link HighLevelEvents}): the location's catalogue ({@link HighLevelCatalogue}: settings, custom field
 * definitions, tags), the contacts with their duplicate index ({@link HighLevelContacts}), their notes, tasks and
 * appointments ({@link HighLevelActivities}) and the businesses ({@link HighLevelBusinesses}). Each method is
 * described on the part that does it; the operations that touch two parts are here.
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

    private final Object lock = new Object();
    private final HighLevelIds ids;
    private final HighLevelEvents events;
    private final HighLevelCatalogue catalogue;
    private final HighLevelBusinesses businesses;
    private final HighLevelContacts contacts;
    private final HighLevelActivities activities;

    HighLevelState(SimClock clock, Random random) {
        Objects.requireNonNull(clock, "clock");
        this.ids = new HighLevelIds(random);
        this.events = new HighLevelEvents(lock);
        this.catalogue = new HighLevelCatalogue(lock, ids);
        this.businesses = new HighLevelBusinesses(lock, clock, ids, catalogue);
        this.contacts = new HighLevelContacts(lock, clock, ids, events, catalogue, businesses);
        this.activities = new HighLevelActivities(lock, clock, ids, events, contacts);
        catalogue.ensureLocation(DEMO_LOCATION_ID);
    }

    /** Who makes a change: the API (an integration) or a person in the HighLevel app. */
    enum Actor { API, USER }

    /** Result of an upsert: whether a contact was created, and the contact after the write. */
    record UpsertResult(boolean created, ObjectNode contact) {
    }

    /** Followers after a change, and which of the requested ones actually changed. */
    record FollowersResult(List<String> followers, List<String> changed) {
    }

    // --- listeners and events ----------------------------------------------------------------------

    public void addListener(HighLevelEventListener listener) {
        events.addListener(listener);
    }

    public void removeListener(HighLevelEventListener listener) {
        events.removeListener(listener);
    }

    /** The last 1000 events, oldest first. */
    public List<HighLevelEvent> recentEvents() {
        return events.recentEvents();
    }

    // --- locations: settings, custom fields, tags (HighLevelCatalogue) ----------------------------

    /** Makes sure a location exists (with default settings and custom fields). */
    public void ensureLocation(String locationId) {
        catalogue.ensureLocation(locationId);
    }

    public List<String> locationIds() {
        return catalogue.locationIds();
    }

    public HighLevelLocationSettings settings(String locationId) {
        return catalogue.settings(locationId);
    }

    public void updateSettings(String locationId, HighLevelLocationSettings settings) {
        catalogue.updateSettings(locationId, settings);
    }

    HighLevelLocationSettings mergeSettings(String locationId, JsonNode patch) {
        return catalogue.mergeSettings(locationId, patch);
    }

    public List<HighLevelCustomField> customFields(String locationId) {
        return catalogue.customFields(locationId);
    }

    /**
     * Creates a contact custom field as a person does in the location's settings. Without {@code fieldKey} the key
     * is made from the name as HighLevel does (assumed: lower case, other characters than letters and digits
     * become "_": "Favourite colour" is {@code contact.favourite_colour}). Sends no events.
     *
     * @param dataType one of {@link HighLevelCatalogue#CUSTOM_FIELD_TYPES}; null is TEXT
     * @throws IllegalArgumentException for a missing name, an unknown type or a key already in use
     */
    public HighLevelCustomField createCustomField(String locationId, String name, String fieldKey, String dataType,
                                                  List<String> picklistOptions) {
        return catalogue.createCustomField(locationId, name, fieldKey, dataType, picklistOptions);
    }

    /**
     * Deletes a custom field (by id or key) and every contact's value of it, as deleting it in the location's
     * settings does; contacts' dateUpdated stays and no events are sent. Empty when there is no such field.
     */
    public Optional<HighLevelCustomField> deleteCustomField(String locationId, String idOrKey) {
        synchronized (lock) {
            Optional<HighLevelCustomField> field = catalogue.removeCustomField(locationId, idOrKey);
            field.ifPresent(f -> contacts.clearCustomField(locationId, f.id()));
            return field;
        }
    }

    /** The id of a custom field by key ({@code contact.nickname} or {@code nickname}). */
    public String customFieldId(String locationId, String key) {
        return catalogue.customFieldId(locationId, key);
    }

    /**
     * Deletes a custom field (by id or key), as a location admin does in the settings: contacts lose their values
     * of it, silently (HighLevel sends no contact webhooks for it). Every location starts with the same custom fields;
     * this makes one that lacks a field, as a real account may. False if the location has no such field.
     */
    public boolean removeCustomField(String locationId, String idOrKey) {
        return deleteCustomField(locationId, idOrKey).isPresent();
    }

    Optional<HighLevelCustomField> customField(String locationId, String idOrKey) {
        return catalogue.customField(locationId, idOrKey);
    }

    /** The location's tags as {@code GET /locations/{locationId}/tags} lists them. */
    List<ObjectNode> locationTags(String locationId) {
        return catalogue.locationTags(locationId);
    }

    Optional<ObjectNode> locationTag(String locationId, String tagId) {
        return catalogue.locationTag(locationId, tagId);
    }

    public int maxPagedSearchWindow() {
        return contacts.maxPagedSearchWindow();
    }

    /** How far {@code page * pageLimit} may reach in search (HighLevel: 10,000); lower it in tests. */
    public void setMaxPagedSearchWindow(int records) {
        contacts.setMaxPagedSearchWindow(records);
    }

    // --- whole-state operations --------------------------------------------------------------------

    /** Forgets everything: contacts, businesses, events, settings, locations (the demo one comes back). */
    public void reset() {
        synchronized (lock) {
            contacts.clear();
            businesses.clear();
            catalogue.clear();
            events.clear();
            catalogue.location(DEMO_LOCATION_ID);
        }
    }

    // --- contacts and their duplicate index (HighLevelContacts) ------------------------------------

    /** Every contact of every location, as the API renders them. */
    public List<ObjectNode> contacts() {
        return contacts.contacts();
    }

    public List<ObjectNode> contacts(String locationId) {
        return contacts.contacts(locationId);
    }

    public Optional<ObjectNode> contact(String contactId) {
        return contacts.contact(contactId);
    }

    public int contactCount() {
        return contacts.contactCount();
    }

    /** A contact with everything hanging off it (notes, tasks, appointments, campaigns, workflows), for inspection. */
    public Optional<ObjectNode> contactDetails(String contactId) {
        return contacts.contactDetails(contactId);
    }

    /** Seeds {@code count} realistic contacts into the demo location; no events. */
    public List<ObjectNode> seed(int count, long randomSeed) {
        return seed(DEMO_LOCATION_ID, count, randomSeed);
    }

    /** As {@link #seedIds}, rendered as the API renders contacts. */
    public List<ObjectNode> seed(String locationId, int count, long randomSeed) {
        return contacts.seed(locationId, count, randomSeed);
    }

    /**
     * Seeds {@code count} realistic contacts into a location, no events, and returns their ids. They are generated and
     * added 1000 at a time, so a large account is never held twice. An interrupted thread stops at the next contact
     * ({@link io.contactsbridge.simulator.sim.Seeding.SeedingInterruptedException}), keeping those added.
     */
    public List<String> seedIds(String locationId, int count, long randomSeed) {
        return contacts.seedIds(locationId, count, randomSeed);
    }

    /** Those of {@code contactIds} whose contact has an email, in the same order. */
    public List<String> havingEmail(List<String> contactIds) {
        return contacts.havingEmail(contactIds);
    }

    /** The lower-cased emails of a location's contacts (a copy of its duplicate index). */
    public Set<String> emailsLowerCase(String locationId) {
        return contacts.emailsLowerCase(locationId);
    }

    /** The phones of a location's contacts as stored, E.164 where readable (a copy of its duplicate index). */
    public Set<String> phones(String locationId) {
        return contacts.phones(locationId);
    }

    /**
     * Adds exact contacts as pre-existing data (no events). Each entry takes the create-contact
     * fields plus {@code id}, {@code dateAdded}, {@code dateUpdated}, {@code businessId},
     * {@code type}. All entries are checked before any is added; invalid input or duplicates the
     * location does not allow raise {@link IllegalArgumentException}.
     */
    public List<ObjectNode> seedContacts(String locationId, List<? extends JsonNode> entries) {
        return contacts.seedContacts(locationId, entries);
    }

    ObjectNode getContact(String locationId, String contactId) {
        return contacts.getContact(locationId, contactId);
    }

    ObjectNode createContact(String locationId, ContactPatch patch) {
        return contacts.createContact(locationId, patch);
    }

    /** Creates a contact as a person in the app would (same duplicate rules); sends ContactCreate. */
    public ObjectNode createContactAsUser(String locationId, JsonNode fields) {
        return contacts.createContactAsUser(locationId, fields);
    }

    ObjectNode updateContact(String locationId, String contactId, ContactPatch patch) {
        return contacts.updateContact(locationId, contactId, patch);
    }

    /**
     * Edits a contact as a person in the app would: any create field plus {@code addTags},
     * {@code removeTags}, {@code type}, {@code businessId}; same duplicate rules, same events.
     */
    public ObjectNode editContactAsUser(String contactId, JsonNode changes) {
        return contacts.editContactAsUser(contactId, changes);
    }

    UpsertResult upsertContact(String locationId, ContactPatch patch) {
        return contacts.upsertContact(locationId, patch);
    }

    ObjectNode deleteContact(String locationId, String contactId) {
        return contacts.deleteContact(locationId, contactId);
    }

    /** Deletes a contact as a person in the app would; sends ContactDelete. */
    public ObjectNode deleteContactAsUser(String contactId) {
        return contacts.deleteContactAsUser(contactId);
    }

    Optional<ObjectNode> duplicateOf(String locationId, String email, String phone) {
        return contacts.duplicateOf(locationId, email, phone);
    }

    /** Adds tags; returns the contact's tags afterwards. */
    List<String> addTags(String locationId, String contactId, List<String> tags) {
        return contacts.addTags(locationId, contactId, tags);
    }

    List<String> removeTags(String locationId, String contactId, List<String> tags) {
        return contacts.removeTags(locationId, contactId, tags);
    }

    FollowersResult changeFollowers(String locationId, String contactId, List<String> followers, boolean add) {
        return contacts.changeFollowers(locationId, contactId, followers, add);
    }

    void addToCampaign(String locationId, String contactId, String campaignId) {
        contacts.addToCampaign(locationId, contactId, campaignId);
    }

    void removeFromCampaign(String locationId, String contactId, String campaignId) {
        contacts.removeFromCampaign(locationId, contactId, campaignId);
    }

    void removeFromAllCampaigns(String locationId, String contactId) {
        contacts.removeFromAllCampaigns(locationId, contactId);
    }

    void addToWorkflow(String locationId, String contactId, String workflowId, String eventStartTime) {
        contacts.addToWorkflow(locationId, contactId, workflowId, eventStartTime);
    }

    void removeFromWorkflow(String locationId, String contactId, String workflowId) {
        contacts.removeFromWorkflow(locationId, contactId, workflowId);
    }

    ObjectNode bulkTags(String locationId, boolean add, List<String> contactIds, List<String> tags,
                        boolean removeAllTags) {
        return contacts.bulkTags(locationId, add, contactIds, tags, removeAllTags);
    }

    List<String> bulkBusiness(String locationId, List<String> contactIds, String businessId) {
        return contacts.bulkBusiness(locationId, contactIds, businessId);
    }

    ObjectNode search(String locationId, JsonNode body) {
        return contacts.search(locationId, body);
    }

    ObjectNode listContacts(String locationId, String query, int limit, Long startAfter, String startAfterId,
                            String baseUrl) {
        return contacts.listContacts(locationId, query, limit, startAfter, startAfterId, baseUrl);
    }

    ObjectNode contactsOfBusiness(String locationId, String businessId, int limit, int skip, String query) {
        return contacts.contactsOfBusiness(locationId, businessId, limit, skip, query);
    }

    // --- notes, tasks, appointments (HighLevelActivities) ------------------------------------------

    List<ObjectNode> notes(String locationId, String contactId) {
        return activities.notes(locationId, contactId);
    }

    ObjectNode note(String locationId, String contactId, String noteId) {
        return activities.note(locationId, contactId, noteId);
    }

    ObjectNode saveNote(String locationId, String contactId, String noteId, JsonNode fields) {
        return activities.saveNote(locationId, contactId, noteId, fields);
    }

    void deleteNote(String locationId, String contactId, String noteId) {
        activities.deleteNote(locationId, contactId, noteId);
    }

    List<ObjectNode> tasks(String locationId, String contactId) {
        return activities.tasks(locationId, contactId);
    }

    ObjectNode task(String locationId, String contactId, String taskId) {
        return activities.task(locationId, contactId, taskId);
    }

    ObjectNode saveTask(String locationId, String contactId, String taskId, JsonNode fields) {
        return activities.saveTask(locationId, contactId, taskId, fields);
    }

    void deleteTask(String locationId, String contactId, String taskId) {
        activities.deleteTask(locationId, contactId, taskId);
    }

    /** Ticks a task off as a person in the app would; sends TaskComplete if it was open. */
    public ObjectNode completeTaskAsUser(String contactId, String taskId) {
        return activities.completeTaskAsUser(contactId, taskId);
    }

    List<ObjectNode> appointments(String locationId, String contactId) {
        return activities.appointments(locationId, contactId);
    }

    /**
     * Books ({@code appointmentId} null) or changes an appointment as a person in the app would.
     * Fields: calendarId, title, appointmentStatus (default "confirmed"), assignedUserId, notes,
     * address, startTime, endTime (ISO-8601), groupId, source (default "booking_widget"), users.
     */
    public ObjectNode saveAppointmentAsUser(String contactId, String appointmentId, JsonNode fields) {
        return activities.saveAppointmentAsUser(contactId, appointmentId, fields);
    }

    public ObjectNode deleteAppointmentAsUser(String contactId, String appointmentId) {
        return activities.deleteAppointmentAsUser(contactId, appointmentId);
    }

    // --- businesses (HighLevelBusinesses) -----------------------------------------------------------

    List<ObjectNode> businesses(String locationId, int limit, int skip) {
        return businesses.businesses(locationId, limit, skip);
    }

    ObjectNode business(String locationId, String businessId) {
        return businesses.business(locationId, businessId);
    }

    ObjectNode saveBusiness(String locationId, String businessId, Map<String, String> fields, String source) {
        return businesses.saveBusiness(locationId, businessId, fields, source);
    }

    /** Deletes a business; its contacts lose their businessId (and say so with ContactUpdate). */
    void deleteBusiness(String locationId, String businessId) {
        synchronized (lock) {
            businesses.removeBusiness(locationId, businessId);
            contacts.detachBusiness(locationId, businessId);
        }
    }

    String traceId() {
        return ids.traceId();
    }
}
