package io.contactsbridge.journal;

/** What {@link JournalStore#append} did. */
public enum AppendResult {
    /** Stored; consumers will see it. */
    APPENDED,
    /** An event with the same id from the same source is already in the journal; nothing was stored. */
    DUPLICATE
}
