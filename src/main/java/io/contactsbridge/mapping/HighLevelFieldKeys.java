package io.contactsbridge.mapping;

import java.util.Optional;

/**
 * A HighLevel location's contact custom fields: HighLevel contacts carry custom values by field id, the
 * mapping names them by key ({@code contact.favourite_colour}, or without the {@code contact.} prefix).
 */
public interface HighLevelFieldKeys {

    /** The id of the custom field with this key (with or without the {@code contact.} prefix). */
    Optional<String> idOf(String fieldKey);

    /** The key ({@code contact.<name>}) of the custom field with this id. */
    Optional<String> keyOf(String fieldId);
}
