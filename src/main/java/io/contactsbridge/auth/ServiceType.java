package io.contactsbridge.auth;

/** The services the bridge connects to. */
public enum ServiceType {
    HIGHLEVEL("HighLevel"),
    BIRDSEND("BirdSend");

    private final String displayName;

    ServiceType(String displayName) {
        this.displayName = displayName;
    }

    public String displayName() {
        return displayName;
    }
}
