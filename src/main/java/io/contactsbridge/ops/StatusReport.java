package io.contactsbridge.ops;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The status document under construction. Dotted keys nest, so {@code put("sandbox.highlevel.url", u)}
 * yields {@code {"sandbox":{"highlevel":{"url":u}}}} and a script can read {@code .sandbox.highlevel.url}.
 */
public final class StatusReport {

    private final Map<String, Object> root = new LinkedHashMap<>();

    @SuppressWarnings("unchecked")
    public StatusReport put(String dottedKey, Object value) {
        String[] parts = dottedKey.split("\\.");
        Map<String, Object> node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            Object child = node.computeIfAbsent(parts[i], k -> new LinkedHashMap<String, Object>());
            if (!(child instanceof Map)) {
                throw new IllegalArgumentException("status key " + dottedKey + " collides with a value at " + parts[i]);
            }
            node = (Map<String, Object>) child;
        }
        node.put(parts[parts.length - 1], value);
        return this;
    }

    public Map<String, Object> asMap() {
        return root;
    }

    /** Adds everything of {@code other}; nested parts are merged, a value of {@code other} wins over one here. */
    public StatusReport merge(StatusReport other) {
        merge(root, other.root);
        return this;
    }

    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> into, Map<String, Object> from) {
        from.forEach((key, value) -> {
            Object here = into.get(key);
            if (here instanceof Map && value instanceof Map) {
                merge((Map<String, Object>) here, (Map<String, Object>) value);
            } else {
                into.put(key, value instanceof Map ? new LinkedHashMap<>((Map<String, Object>) value) : value);
            }
        });
    }
}
