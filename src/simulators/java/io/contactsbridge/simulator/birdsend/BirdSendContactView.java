package io.contactsbridge.simulator.birdsend;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable snapshot of one contact with everything the simulator knows about it, including what
 * the API may hide (status, timestamps, ipaddress, sequences, form). Tests and the admin snapshot use it.
 *
 * @param fields field key to value, only fields that have a value, in field-definition order
 * @param tags   in the order they were added
 */
public record BirdSendContactView(
        long contactId,
        long accountId,
        String email,
        Map<String, String> fields,
        List<BirdSendTag> tags,
        BirdSendContactStatus status,
        Instant createdAt,
        Instant updatedAt,
        String ipaddress,
        Set<Long> sequenceIds,
        Long formId) implements BirdSendListedContact {

    public BirdSendContactView {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        tags = List.copyOf(tags);
        sequenceIds = Collections.unmodifiableSet(new LinkedHashSet<>(sequenceIds));
    }

    @Override
    public String field(String key) {
        return fields.get(key);
    }

    public String firstName() {
        return fields.get("first_name");
    }

    public String lastName() {
        return fields.get("last_name");
    }

    public List<String> tagNames() {
        return tags.stream().map(BirdSendTag::name).toList();
    }

    /** Tag names compare case-insensitively, as the simulator stores them. */
    @Override
    public boolean hasTag(String name) {
        return tags.stream().anyMatch(t -> t.name().equalsIgnoreCase(name));
    }

    public boolean isUnsubscribed() {
        return status == BirdSendContactStatus.UNSUBSCRIBED;
    }
}
