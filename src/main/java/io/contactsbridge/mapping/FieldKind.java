package io.contactsbridge.mapping;

/** What a mapped field holds, as decided by its paths. */
public enum FieldKind {
    /** A string ({@code CanonicalContact} value: {@code String}). */
    TEXT,
    /** BirdSend {@code unsubscribed} / HighLevel {@code dnd} ({@code Boolean}). */
    BOOLEAN,
    /** The tag lists ({@code List<String>}, sorted, lower case). */
    TAGS
}
