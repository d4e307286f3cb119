package io.contactsbridge.simulator.birdsend;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A contact to create, through {@code POST /contacts}, the admin API, or directly from a test
 * (e.g. to make an account that overlaps with HighLevel by email). Immutable; the {@code with...}
 * methods return copies.
 *
 * @param fields     field key to value (first_name, last_name, custom keys)
 * @param tags       tag names; unknown names are created
 * @param status     {@code null} means active; only people in the app (admin/seed) can create an
 *                   unsubscribed contact directly
 * @param createdAt  {@code null} means now; seeding back-dates contacts
 */
public record BirdSendNewContact(
        String email,
        Map<String, String> fields,
        List<String> tags,
        String ipaddress,
        Long sequenceId,
        Long formId,
        BirdSendContactStatus status,
        Instant createdAt) {

    public BirdSendNewContact {
        Objects.requireNonNull(email, "email");
        fields = fields == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        tags = tags == null ? List.of() : List.copyOf(tags);
    }

    public static BirdSendNewContact of(String email) {
        return new BirdSendNewContact(email, Map.of(), List.of(), null, null, null, null, null);
    }

    public static BirdSendNewContact of(String email, String firstName, String lastName) {
        return of(email).withField("first_name", firstName).withField("last_name", lastName);
    }

    /** Sets one field; a {@code null} value leaves the field unset. */
    public BirdSendNewContact withField(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(fields);
        if (value == null) {
            copy.remove(key);
        } else {
            copy.put(key, value);
        }
        return new BirdSendNewContact(email, copy, tags, ipaddress, sequenceId, formId, status, createdAt);
    }

    public BirdSendNewContact withTags(String... names) {
        List<String> copy = new ArrayList<>(tags);
        copy.addAll(List.of(names));
        return new BirdSendNewContact(email, fields, copy, ipaddress, sequenceId, formId, status, createdAt);
    }

    public BirdSendNewContact withIpaddress(String value) {
        return new BirdSendNewContact(email, fields, tags, value, sequenceId, formId, status, createdAt);
    }

    public BirdSendNewContact withSequence(Long value) {
        return new BirdSendNewContact(email, fields, tags, ipaddress, value, formId, status, createdAt);
    }

    public BirdSendNewContact withForm(Long value) {
        return new BirdSendNewContact(email, fields, tags, ipaddress, sequenceId, value, status, createdAt);
    }

    public BirdSendNewContact withStatus(BirdSendContactStatus value) {
        return new BirdSendNewContact(email, fields, tags, ipaddress, sequenceId, formId, value, createdAt);
    }

    public BirdSendNewContact unsubscribed() {
        return withStatus(BirdSendContactStatus.UNSUBSCRIBED);
    }

    public BirdSendNewContact withCreatedAt(Instant value) {
        return new BirdSendNewContact(email, fields, tags, ipaddress, sequenceId, formId, status, value);
    }
}
