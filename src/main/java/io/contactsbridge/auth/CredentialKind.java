package io.contactsbridge.auth;

import java.util.Locale;

/**
 * How a connection authenticates. Static kinds use one configured token (HighLevel Private
 * Integration token, BirdSend Personal Access Token); OAuth kinds get tokens through the
 * authorization-code flow and refresh them.
 */
public enum CredentialKind {
    /** HighLevel marketplace app installed on one location (sub-account), user_type=Location. */
    LOCATION_OAUTH(ServiceType.HIGHLEVEL, true, "Private Integration token"),
    /**
     * HighLevel marketplace app installed on the agency (company), user_type=Company. It syncs nothing itself:
     * when HighLevel reports the app installed on a location (INSTALL), that location's {@code location-oauth}
     * connection of the same app gets a location token obtained with this connection's agency token.
     */
    AGENCY_OAUTH(ServiceType.HIGHLEVEL, true, "Private Integration token"),
    /** HighLevel Private Integration token of a sub-account. */
    PRIVATE_INTEGRATION(ServiceType.HIGHLEVEL, false, "Private Integration token"),
    /** BirdSend personal access token created in the BirdSend app. */
    PERSONAL_ACCESS_TOKEN(ServiceType.BIRDSEND, false, "personal access token"),
    /** BirdSend OAuth app. */
    OAUTH(ServiceType.BIRDSEND, true, "personal access token");

    private final ServiceType service;
    private final boolean oauth;
    private final String staticTokenName;

    CredentialKind(ServiceType service, boolean oauth, String staticTokenName) {
        this.service = service;
        this.oauth = oauth;
        this.staticTokenName = staticTokenName;
    }

    public ServiceType service() {
        return service;
    }

    /** True when tokens come from the OAuth flow and are refreshed; false for one configured token. */
    public boolean isOAuth() {
        return oauth;
    }

    /** What a person calls this service's long-lived configured token, for messages. */
    String staticTokenName() {
        return staticTokenName;
    }

    /** The value as written in properties, e.g. {@code private-integration}. */
    public String propertyValue() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
