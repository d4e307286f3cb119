package io.contactsbridge.outbound.contacts;

/** The sync is configured in a way it cannot work with (a connection without location, a missing field...). */
public class ContactSetupException extends RuntimeException {

    public ContactSetupException(String message) {
        super(message);
    }
}
