package io.contactsbridge.mapping;

/** The two systems a contact lives in. */
public enum Side {
    BIRDSEND, HIGHLEVEL;

    public Side other() {
        return this == BIRDSEND ? HIGHLEVEL : BIRDSEND;
    }

    /** The word used in mapping files and properties: {@code birdsend} or {@code highlevel}. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
