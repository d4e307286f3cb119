package io.contactsbridge.sync;

/** The sync cannot apply this change as things are (ambiguous data on a side); retrying unchanged cannot help. */
public class SyncRefusedException extends RuntimeException {

    public SyncRefusedException(String message) {
        super(message);
    }
}
