package io.contactsbridge.mapping;

import java.util.List;
import java.util.Map;

/**
 * What to change on a BirdSend contact so its mapped fields equal the desired values.
 *
 * @param email        the desired email, always set when known: BirdSend's PATCH requires it
 * @param emailChanged whether the email itself changes
 * @param fields       {@code fields.<key>} to set (an empty string clears)
 * @param addTags      tag names to add (lower case, as in {@link CanonicalContact})
 * @param removeTags   tag names to remove (lower case)
 * @param unsubscribed TRUE to unsubscribe, FALSE to (re)subscribe, null to leave alone
 */
public record BirdSendWrite(String email, boolean emailChanged, Map<String, String> fields, List<String> addTags,
                            List<String> removeTags, Boolean unsubscribed) {

    public BirdSendWrite {
        fields = Map.copyOf(fields);
        addTags = List.copyOf(addTags);
        removeTags = List.copyOf(removeTags);
    }

    /** Whether nothing needs writing. */
    public boolean isEmpty() {
        return !emailChanged && fields.isEmpty() && addTags.isEmpty() && removeTags.isEmpty() && unsubscribed == null;
    }
}
