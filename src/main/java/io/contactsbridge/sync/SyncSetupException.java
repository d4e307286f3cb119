package io.contactsbridge.sync;

/** The sync is configured in a way it cannot work with (a connection without location, a missing field...). */
public class SyncSetupException extends RuntimeException {

    public SyncSetupException(String message) {
        super(message);
    }
}
