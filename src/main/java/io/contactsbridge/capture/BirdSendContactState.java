package io.contactsbridge.capture;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The parts of a BirdSend contact the poller compares, reduced to hashes:
 * <ul>
 *   <li>content: the email and every field with a value (a field listed as null counts as unset, so an API
 *       that starts listing unset fields does not look like a change);</li>
 *   <li>tags: the set of tag names;</li>
 *   <li>status: {@code active} / {@code unsubscribed} in lower case, or null when the API does not report it;</li>
 *   <li>sequences: the ids of the sequences the contact is subscribed to, sorted, or null when the API does not list
 *       a contact's {@code sequences} (an assumption, see {@link #sequenceIds(JsonNode)}).</li>
 * </ul>
 * {@code updated_at}, {@code ipaddress} and the like are left out: they change without anything the sync cares
 * about changing (and {@code updated_at} may be absent altogether).
 */
record BirdSendContactState(String contactId, String email, String contentHash, String fieldsHash, String status,
                            String tagsHash, List<String> tags, List<String> sequenceIds) {

    /** Hex characters kept of each SHA-256: 128 bits, plenty to tell versions of one contact apart. */
    static final int HASH_LENGTH = 32;

    private static final ObjectMapper CANONICAL = new ObjectMapper();
    private static final Comparator<String> TAG_ORDER = String.CASE_INSENSITIVE_ORDER.thenComparing(Comparator.naturalOrder());

    /**
     * @throws IllegalArgumentException when the contact has no {@code contact_id}
     */
    static BirdSendContactState of(JsonNode contact) {
        JsonNode id = contact.get("contact_id");
        if (id == null || id.isNull() || id.asText().isBlank()) {
            throw new IllegalArgumentException("a BirdSend contact without contact_id: " + abbreviate(contact.toString()));
        }
        String email = text(contact.get("email"));
        Map<String, String> fields = new TreeMap<>();
        JsonNode fieldsNode = contact.get("fields");
        if (fieldsNode != null && fieldsNode.isObject()) {
            fieldsNode.fields().forEachRemaining(f -> {
                if (!f.getValue().isNull()) {
                    fields.put(f.getKey(), f.getValue().isValueNode() ? f.getValue().asText() : f.getValue().toString());
                }
            });
        }
        String fieldsHash = hash(json(fields));
        String contentHash = hash(json(List.of(email == null ? "" : email, fields)));
        List<String> tags = tagNames(contact.get("tags"));
        String status = text(contact.get("status"));
        return new BirdSendContactState(id.asText(), email, contentHash, fieldsHash,
                status == null ? null : status.trim().toLowerCase(Locale.ROOT), hash(json(tags)), tags,
                sequenceIds(contact.get("sequences")));
    }

    /**
     * The ids of {@code sequences: [{sequence_id, name}]}, sorted; null when the contact has no such list. BirdSend's
     * documentation and the public clients show no sequences on a contact ([assumed] in the API reference): the
     * bridge assumes the shape of the tags, which is what BirdSend's app shows beside them, and without the key it
     * simply cannot see sequences joined (no ContactSequencesChanged events; nothing else depends on it).
     */
    static List<String> sequenceIds(JsonNode sequencesNode) {
        if (sequencesNode == null || !sequencesNode.isArray()) {
            return null;
        }
        TreeMap<Long, String> ids = new TreeMap<>();
        List<String> other = new ArrayList<>();
        for (JsonNode sequence : sequencesNode) {
            String id = sequence.isObject() ? text(sequence.get("sequence_id")) : text(sequence);
            if (id == null) {
                continue;
            }
            try {
                ids.put(Long.parseLong(id.trim()), id.trim());
            } catch (NumberFormatException e) {
                other.add(id.trim());
            }
        }
        List<String> sorted = new ArrayList<>(ids.values());
        other.stream().sorted().distinct().forEach(sorted::add);
        return List.copyOf(sorted);
    }

    /** Names of {@code [{tag_id, name}]} (or plain strings), sorted, without repeats. */
    static List<String> tagNames(JsonNode tagsNode) {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        if (tagsNode != null && tagsNode.isArray()) {
            for (JsonNode tag : tagsNode) {
                String name = tag.isObject() ? text(tag.get("name")) : text(tag);
                if (name != null) {
                    names.add(name);
                }
            }
        }
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(TAG_ORDER);
        return sorted;
    }

    /** The whole state in one hash: what the event ids of a version are made from. */
    String stateHash() {
        return hash(contentHash + "|" + tagsHash + "|" + (status == null ? "" : status)
                + (sequenceIds == null ? "" : "|" + String.join(",", sequenceIds)));
    }

    static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HASH_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static String json(Object value) {
        try {
            return CANONICAL.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 199) + "…";
    }
}
