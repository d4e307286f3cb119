package io.contactsbridge.simulator.birdsend;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A change to one contact, as {@code PATCH /contacts/{id}} or a person in the BirdSend app makes it.
 * Every part is optional ({@code null}/empty: leave as is). Immutable; build with {@link #change()}.
 *
 * @param fields     field key to new value; a {@code null} value clears the field
 * @param addTags    tag names to add (unknown names are created)
 * @param removeTags tag names to remove (names the contact does not carry are ignored)
 */
public record BirdSendContactEdit(
        String email,
        Map<String, String> fields,
        List<String> addTags,
        List<String> removeTags,
        BirdSendContactStatus status,
        String ipaddress) {

    public BirdSendContactEdit {
        fields = fields == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        addTags = addTags == null ? List.of() : List.copyOf(addTags);
        removeTags = removeTags == null ? List.of() : List.copyOf(removeTags);
    }

    /** An edit that changes nothing yet. */
    public static BirdSendContactEdit change() {
        return new BirdSendContactEdit(null, null, null, null, null, null);
    }

    public BirdSendContactEdit email(String value) {
        return new BirdSendContactEdit(value, fields, addTags, removeTags, status, ipaddress);
    }

    /** Sets ({@code value} non-null) or clears ({@code null}) one field. */
    public BirdSendContactEdit field(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(fields);
        copy.put(key, value);
        return new BirdSendContactEdit(email, copy, addTags, removeTags, status, ipaddress);
    }

    public BirdSendContactEdit addTags(String... names) {
        List<String> copy = new ArrayList<>(addTags);
        copy.addAll(List.of(names));
        return new BirdSendContactEdit(email, fields, copy, removeTags, status, ipaddress);
    }

    public BirdSendContactEdit removeTags(String... names) {
        List<String> copy = new ArrayList<>(removeTags);
        copy.addAll(List.of(names));
        return new BirdSendContactEdit(email, fields, addTags, copy, status, ipaddress);
    }

    public BirdSendContactEdit status(BirdSendContactStatus value) {
        return new BirdSendContactEdit(email, fields, addTags, removeTags, value, ipaddress);
    }

    public BirdSendContactEdit ipaddress(String value) {
        return new BirdSendContactEdit(email, fields, addTags, removeTags, status, value);
    }
}
