package io.contactsbridge.mapping;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A contact in the mapping's terms: mapped field name to normalised value, read from either side. Values
 * are {@code String}, {@code Boolean} or, for tag fields, a sorted {@code List<String>} of lower-case names.
 * A field without a value (missing, null, blank, empty list) has no entry, so two contacts are equal exactly
 * when every mapped field has the same normalised value on both.
 */
public record CanonicalContact(Map<String, Object> values) {

    public static final CanonicalContact EMPTY = new CanonicalContact(Map.of());

    public CanonicalContact {
        TreeMap<String, Object> copy = new TreeMap<>();
        values.forEach((k, v) -> {
            if (v instanceof List<?> list) {
                if (!list.isEmpty()) {
                    copy.put(k, List.copyOf(list));
                }
            } else if (v instanceof String s) {
                if (!s.isEmpty()) {
                    copy.put(k, s);
                }
            } else if (v != null) {
                copy.put(k, v);
            }
        });
        values = Collections.unmodifiableMap(copy);
    }

    public Object get(String field) {
        return values.get(field);
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** A copy with {@code field} set to {@code value} (null removes it). */
    public CanonicalContact with(String field, Object value) {
        TreeMap<String, Object> copy = new TreeMap<>(values);
        if (value == null) {
            copy.remove(field);
        } else {
            copy.put(field, value);
        }
        return new CanonicalContact(copy);
    }
}
