package io.contactsbridge.outbound;

/**
 * An access token kept on the exchange between steps. Wrapped so that tracing, breadcrumbs or a
 * careless log of the exchange properties print a mask instead of the token.
 */
record AccessToken(String value) {

    @Override
    public String toString() {
        return "AccessToken[****]";
    }
}
