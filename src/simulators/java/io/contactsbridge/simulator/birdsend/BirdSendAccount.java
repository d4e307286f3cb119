package io.contactsbridge.simulator.birdsend;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import io.contactsbridge.simulator.sim.FirstInOrder;

/**
 * All data of one BirdSend account. Every method is synchronized on the account, so each API call
 * sees and leaves a consistent state; reads hand out immutable snapshots.
 *
 * <p>Validation failures that depend on the stored data (duplicate email, unknown sequence) and
 * unknown ids are thrown as {@link io.contactsbridge.simulator.sim.SimResponseException}s carrying
 * the Laravel-shaped answer, so the API and admin routes answer them alike.
 */
final class BirdSendAccount {

    static final String FIRST_NAME = "first_name";
    static final String LAST_NAME = "last_name";

    private final BirdSendAccountInfo info;
    private final BirdSendIdSequences ids;

    private final Map<Long, StoredContact> contacts = new LinkedHashMap<>();
    /** Lower-cased email to the ids carrying it (several only when emails are case-sensitive). */
    private final Map<String, List<Long>> contactIdsByLowerEmail = new HashMap<>();
    private final Map<Long, BirdSendTag> tags = new LinkedHashMap<>();
    private final Map<String, Long> tagIdsByLowerName = new HashMap<>();
    private final Map<String, BirdSendField> fields = new LinkedHashMap<>();
    private final Map<Long, BirdSendSequence> sequences = new LinkedHashMap<>();
    private final Map<Long, BirdSendForm> forms = new LinkedHashMap<>();
    private final Map<Long, BirdSendBroadcast> broadcasts = new LinkedHashMap<>();

    /** Mutable contact state; only touched under the account's lock. */
    private final class StoredContact implements BirdSendListedContact {
        final long id;
        String email;
        final Map<String, String> values = new HashMap<>();
        final LinkedHashSet<Long> tagIds = new LinkedHashSet<>();
        BirdSendContactStatus status = BirdSendContactStatus.ACTIVE;
        final Instant createdAt;
        Instant updatedAt;
        String ipaddress;
        final LinkedHashSet<Long> sequenceIds = new LinkedHashSet<>();
        Long formId;

        StoredContact(long id, Instant createdAt) {
            this.id = id;
            this.createdAt = createdAt;
            this.updatedAt = createdAt;
        }

        @Override
        public long contactId() {
            return id;
        }

        @Override
        public String email() {
            return email;
        }

        @Override
        public String field(String key) {
            return values.get(key);
        }

        @Override
        public Instant createdAt() {
            return createdAt;
        }

        @Override
        public Instant updatedAt() {
            return updatedAt;
        }

        @Override
        public boolean hasTag(String name) {
            Long tagId = tagIdsByLowerName.get(lower(name));
            return tagId != null && tagIds.contains(tagId);
        }
    }

    /** One page of a contact list: how many contacts matched, and the views of those on the page. */
    record ContactPage(int total, List<BirdSendContactView> contacts) {
    }

    BirdSendAccount(BirdSendAccountInfo info, BirdSendIdSequences ids) {
        this.info = Objects.requireNonNull(info, "info");
        this.ids = Objects.requireNonNull(ids, "ids");
        defineBuiltInFields();
    }

    long id() {
        return info.accountId();
    }

    BirdSendAccountInfo info() {
        return info;
    }

    /** Back to an empty account: no contacts, tags, custom fields, sequences, forms or broadcasts. */
    synchronized void reset() {
        contacts.clear();
        contactIdsByLowerEmail.clear();
        tags.clear();
        tagIdsByLowerName.clear();
        fields.clear();
        sequences.clear();
        forms.clear();
        broadcasts.clear();
        defineBuiltInFields();
    }

    private void defineBuiltInFields() {
        defineFieldLocked(FIRST_NAME, "First Name", "text");
        defineFieldLocked(LAST_NAME, "Last Name", "text");
    }

    // --- contacts: reads -------------------------------------------------------------------------

    synchronized List<BirdSendContactView> contacts() {
        List<BirdSendContactView> out = new ArrayList<>(contacts.size());
        contacts.values().forEach(c -> out.add(view(c)));
        return out;
    }

    /**
     * The contacts {@code filter} accepts, in {@code order}, from {@code offset}, at most {@code limit} of them.
     * Builds views only for the page, so a list request on a large account costs a selection (first pages) or a sort
     * (further in), never a copy of every contact.
     */
    /** Up to this far into a list, a page is selected from the contacts rather than cut from a full sort. */
    static final int PAGE_BY_SELECTION = 2_000;

    synchronized ContactPage list(Predicate<BirdSendListedContact> filter, Comparator<BirdSendListedContact> order,
                                  long offset, int limit) {
        if (offset + limit <= PAGE_BY_SELECTION) {
            // The first pages (what the pollers ask for, several times a second): selected, not sorted.
            FirstInOrder<StoredContact> first = new FirstInOrder<>(order, offset, limit);
            for (StoredContact c : contacts.values()) {
                if (filter.test(c)) {
                    first.offer(c);
                }
            }
            List<StoredContact> selected = first.page();
            List<BirdSendContactView> page = new ArrayList<>(selected.size());
            selected.forEach(c -> page.add(view(c)));
            return new ContactPage(first.total(), page);
        }
        List<StoredContact> matches = new ArrayList<>(contacts.size());
        for (StoredContact c : contacts.values()) {
            if (filter.test(c)) {
                matches.add(c);
            }
        }
        matches.sort(order);
        List<BirdSendContactView> page = new ArrayList<>(Math.max(0, Math.min(limit, matches.size())));
        for (long i = Math.max(0, offset); i < Math.min(matches.size(), offset + limit); i++) {
            page.add(view(matches.get((int) i)));
        }
        return new ContactPage(matches.size(), page);
    }

    synchronized int contactCount() {
        return contacts.size();
    }

    synchronized Optional<BirdSendContactView> contact(long contactId) {
        StoredContact c = contacts.get(contactId);
        return c == null ? Optional.empty() : Optional.of(view(c));
    }

    synchronized BirdSendContactView requireContact(long contactId) {
        return view(stored(contactId));
    }

    /** Contacts whose email equals {@code email} (ignoring case when emails are case-insensitive). */
    synchronized List<BirdSendContactView> findByEmail(String email, boolean ignoreCase) {
        List<BirdSendContactView> out = new ArrayList<>();
        for (long id : contactIdsByLowerEmail.getOrDefault(lower(email), List.of())) {
            StoredContact c = contacts.get(id);
            if (ignoreCase || c.email.equals(email)) {
                out.add(view(c));
            }
        }
        return out;
    }

    // --- contacts: writes ------------------------------------------------------------------------

    synchronized BirdSendContactView create(BirdSendNewContact input, BirdSendSettings settings, Instant now) {
        ValidationErrors errors = ValidationErrors.create();
        if (emailTaken(input.email(), null, settings)) {
            errors.add("email", ValidationErrors.taken("email"));
        }
        Map<String, String> values = checkFieldKeys(input.fields(), settings, errors);
        if (input.sequenceId() != null && !sequences.containsKey(input.sequenceId())) {
            errors.add("sequence_id", ValidationErrors.selectedInvalid("sequence_id"));
        }
        if (input.formId() != null && !forms.containsKey(input.formId())) {
            errors.add("form_id", ValidationErrors.selectedInvalid("form_id"));
        }
        checkTagNames("tags", input.tags(), settings, errors);
        errors.throwIfAny();

        Instant createdAt = truncate(input.createdAt() == null ? now : input.createdAt());
        StoredContact c = new StoredContact(ids.contacts.incrementAndGet(), createdAt);
        c.email = input.email();
        values.forEach((key, value) -> {
            if (value != null && !value.isEmpty()) {
                c.values.put(key, value);
            }
        });
        input.tags().forEach(name -> c.tagIds.add(ensureTag(name)));
        c.status = input.status() == null ? BirdSendContactStatus.ACTIVE : input.status();
        c.ipaddress = input.ipaddress();
        if (input.sequenceId() != null) {
            c.sequenceIds.add(input.sequenceId());
        }
        c.formId = input.formId();
        contacts.put(c.id, c);
        contactIdsByLowerEmail.computeIfAbsent(lower(c.email), k -> new ArrayList<>()).add(c.id);
        return view(c);
    }

    /**
     * Applies an edit. {@code updated_at} moves only when something actually changed (as Eloquent
     * saves only dirty models); for tag changes, only if the settings say so.
     */
    synchronized BirdSendContactView update(long contactId, BirdSendContactEdit edit, BirdSendSettings settings,
                                            Instant now) {
        StoredContact c = stored(contactId);
        ValidationErrors errors = ValidationErrors.create();
        if (edit.email() != null && emailTaken(edit.email(), c.id, settings)) {
            errors.add("email", ValidationErrors.taken("email"));
        }
        Map<String, String> values = checkFieldKeys(edit.fields(), settings, errors);
        checkTagNames("tags", edit.addTags(), settings, errors);
        errors.throwIfAny();

        boolean changed = false;
        if (edit.email() != null && !edit.email().equals(c.email)) {
            contactIdsByLowerEmail.get(lower(c.email)).remove(Long.valueOf(c.id));
            contactIdsByLowerEmail.computeIfPresent(lower(c.email), (k, v) -> v.isEmpty() ? null : v);
            c.email = edit.email();
            contactIdsByLowerEmail.computeIfAbsent(lower(c.email), k -> new ArrayList<>()).add(c.id);
            changed = true;
        }
        for (Map.Entry<String, String> e : values.entrySet()) {
            String value = e.getValue() == null || e.getValue().isEmpty() ? null : e.getValue();
            String previous = value == null ? c.values.remove(e.getKey()) : c.values.put(e.getKey(), value);
            changed |= !Objects.equals(previous, value);
        }
        if (edit.status() != null && edit.status() != c.status) {
            c.status = edit.status();
            changed = true;
        }
        if (edit.ipaddress() != null && !edit.ipaddress().equals(c.ipaddress)) {
            c.ipaddress = edit.ipaddress();
            changed = true;
        }
        boolean tagsChanged = false;
        for (String name : edit.addTags()) {
            tagsChanged |= c.tagIds.add(ensureTag(name));
        }
        for (String name : edit.removeTags()) {
            Long tagId = tagIdsByLowerName.get(lower(name));
            tagsChanged |= tagId != null && c.tagIds.remove(tagId);
        }
        touch(c, changed || (tagsChanged && settings.bumpUpdatedAtOnTagChange()), now);
        return view(c);
    }

    synchronized BirdSendContactView removeTag(long contactId, long tagId, BirdSendSettings settings, Instant now) {
        StoredContact c = stored(contactId);
        if (!tags.containsKey(tagId)) {
            throw LaravelErrors.notFoundException("Tag", tagId);
        }
        // Removing a tag the contact does not carry is a no-op, not an error (a detach of nothing).
        touch(c, c.tagIds.remove(tagId) && settings.bumpUpdatedAtOnTagChange(), now);
        return view(c);
    }

    /** (Re)subscribes: the contact becomes active, and joins the sequence if one is named. */
    synchronized BirdSendContactView subscribe(long contactId, Long sequenceId, Instant now) {
        StoredContact c = stored(contactId);
        if (sequenceId != null && !sequences.containsKey(sequenceId)) {
            throw ValidationErrors.single("sequence_id", ValidationErrors.selectedInvalid("sequence_id"));
        }
        boolean changed = c.status != BirdSendContactStatus.ACTIVE;
        c.status = BirdSendContactStatus.ACTIVE;
        if (sequenceId != null) {
            changed |= c.sequenceIds.add(sequenceId);
        }
        touch(c, changed, now);
        return view(c);
    }

    synchronized BirdSendContactView unsubscribe(long contactId, Instant now) {
        StoredContact c = stored(contactId);
        boolean changed = c.status != BirdSendContactStatus.UNSUBSCRIBED;
        c.status = BirdSendContactStatus.UNSUBSCRIBED;
        touch(c, changed, now);
        return view(c);
    }

    /** Removes the contact; returns it as it was. */
    synchronized BirdSendContactView delete(long contactId) {
        StoredContact c = stored(contactId);
        BirdSendContactView before = view(c);
        contacts.remove(contactId);
        List<Long> sameEmail = contactIdsByLowerEmail.get(lower(c.email));
        sameEmail.remove(Long.valueOf(c.id));
        if (sameEmail.isEmpty()) {
            contactIdsByLowerEmail.remove(lower(c.email));
        }
        return before;
    }

    private StoredContact stored(long contactId) {
        StoredContact c = contacts.get(contactId);
        if (c == null) {
            throw LaravelErrors.notFoundException("Contact", contactId);
        }
        return c;
    }

    private static void touch(StoredContact c, boolean changed, Instant now) {
        if (changed) {
            Instant stamp = truncate(now);
            c.updatedAt = stamp.isAfter(c.updatedAt) ? stamp : c.updatedAt;
        }
    }

    private boolean emailTaken(String email, Long exceptId, BirdSendSettings settings) {
        for (long id : contactIdsByLowerEmail.getOrDefault(lower(email), List.of())) {
            if (!Objects.equals(id, exceptId)
                    && (settings.caseInsensitiveEmails() || contacts.get(id).email.equals(email))) {
                return true;
            }
        }
        return false;
    }

    /** Keeps the defined keys; unknown keys are dropped, or reported when the settings say so. */
    private Map<String, String> checkFieldKeys(Map<String, String> given, BirdSendSettings settings,
                                               ValidationErrors errors) {
        Map<String, String> known = new LinkedHashMap<>();
        given.forEach((key, value) -> {
            if (fields.containsKey(key)) {
                known.put(key, value);
            } else if (settings.rejectUnknownFieldKeys()) {
                errors.add("fields." + key, ValidationErrors.selectedInvalid("fields." + key));
            }
        });
        return known;
    }

    private void checkTagNames(String field, List<String> names, BirdSendSettings settings, ValidationErrors errors) {
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (name == null || name.isBlank()) {
                errors.add(field + "." + i, ValidationErrors.required(field + "." + i));
            } else if (!settings.autoCreateTags() && !tagIdsByLowerName.containsKey(lower(name))) {
                errors.add(field + "." + i, ValidationErrors.selectedInvalid(field + "." + i));
            }
        }
    }

    private BirdSendContactView view(StoredContact c) {
        Map<String, String> ordered = new LinkedHashMap<>();
        for (String key : fields.keySet()) {
            String value = c.values.get(key);
            if (value != null) {
                ordered.put(key, value);
            }
        }
        List<BirdSendTag> contactTags = c.tagIds.stream().map(tags::get).toList();
        return new BirdSendContactView(c.id, info.accountId(), c.email, ordered, contactTags, c.status,
                c.createdAt, c.updatedAt, c.ipaddress, c.sequenceIds, c.formId);
    }

    // --- tags ------------------------------------------------------------------------------------

    synchronized List<BirdSendTag> tags() {
        return List.copyOf(tags.values());
    }

    /** The tag with this name (matched ignoring case, as the database collation would), created if new. */
    synchronized BirdSendTag tag(String name) {
        return tags.get(ensureTag(name));
    }

    synchronized Optional<BirdSendTag> findTag(String name) {
        Long id = tagIdsByLowerName.get(lower(name.trim()));
        return id == null ? Optional.empty() : Optional.of(tags.get(id));
    }

    private long ensureTag(String name) {
        String trimmed = name.trim();
        return tagIdsByLowerName.computeIfAbsent(lower(trimmed), k -> {
            BirdSendTag tag = new BirdSendTag(ids.tags.incrementAndGet(), trimmed);
            tags.put(tag.tagId(), tag);
            return tag.tagId();
        });
    }

    // --- fields, sequences, forms, broadcasts ----------------------------------------------------

    synchronized List<BirdSendField> fields() {
        return List.copyOf(fields.values());
    }

    synchronized Set<String> fieldKeys() {
        return new LinkedHashSet<>(fields.keySet());
    }

    /** Defines a custom field; an existing key is returned unchanged. */
    synchronized BirdSendField defineField(String key, String label, String type) {
        if (key == null || !key.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("field key must be lower-case letters, digits and _: " + key);
        }
        return defineFieldLocked(key, label == null ? key : label, type == null ? "text" : type);
    }

    /**
     * Deletes a custom field and every contact's value of it, as deleting it in BirdSend's settings does; contacts'
     * {@code updated_at} stays (nobody edited them). Empty when there is no such field. The built-in
     * {@code first_name} and {@code last_name} cannot be deleted.
     */
    synchronized Optional<BirdSendField> removeField(String key) {
        if (FIRST_NAME.equals(key) || LAST_NAME.equals(key)) {
            throw new IllegalArgumentException("the built-in field " + key + " cannot be deleted");
        }
        BirdSendField removed = fields.remove(key);
        if (removed != null) {
            contacts.values().forEach(c -> c.values.remove(key));
        }
        return Optional.ofNullable(removed);
    }

    private BirdSendField defineFieldLocked(String key, String label, String type) {
        return fields.computeIfAbsent(key, k -> new BirdSendField(ids.fields.incrementAndGet(), key, label, type));
    }

    synchronized List<BirdSendSequence> sequences() {
        return List.copyOf(sequences.values());
    }

    synchronized Map<Long, BirdSendSequence> sequencesById() {
        return Map.copyOf(sequences);
    }

    synchronized BirdSendSequence addSequence(String name, Instant now) {
        BirdSendSequence sequence = new BirdSendSequence(ids.sequences.incrementAndGet(),
                Objects.requireNonNull(name, "name"), "active", truncate(now));
        sequences.put(sequence.sequenceId(), sequence);
        return sequence;
    }

    synchronized List<BirdSendForm> forms() {
        return List.copyOf(forms.values());
    }

    synchronized BirdSendForm addForm(String name, String type, Instant now) {
        BirdSendForm form = new BirdSendForm(ids.forms.incrementAndGet(), Objects.requireNonNull(name, "name"),
                type == null ? "inline" : type, truncate(now));
        forms.put(form.formId(), form);
        return form;
    }

    synchronized List<BirdSendBroadcast> broadcasts() {
        return List.copyOf(broadcasts.values());
    }

    synchronized BirdSendBroadcast broadcast(long broadcastId) {
        BirdSendBroadcast b = broadcasts.get(broadcastId);
        if (b == null) {
            throw LaravelErrors.notFoundException("Broadcast", broadcastId);
        }
        return b;
    }

    synchronized BirdSendBroadcast addBroadcast(String name, String subject, String fromName, String fromEmail,
                                                String content, Instant sendAt, Instant now) {
        Instant stamp = truncate(now);
        BirdSendBroadcast b = new BirdSendBroadcast(ids.broadcasts.incrementAndGet(), name == null ? subject : name,
                subject, fromName, fromEmail, content, sendAt == null ? "draft" : "scheduled",
                sendAt == null ? null : truncate(sendAt), stamp, stamp);
        broadcasts.put(b.broadcastId(), b);
        return b;
    }

    // --- helpers ---------------------------------------------------------------------------------

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** Stored times have whole seconds, as the "YYYY-MM-DD HH:MM:SS" columns do. */
    static Instant truncate(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS);
    }
}
