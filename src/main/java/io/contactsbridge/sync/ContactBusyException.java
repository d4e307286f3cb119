package io.contactsbridge.sync;

/**
 * A person stayed in someone else's turn (another event, the backfill, another replica) for longer than the sync
 * waits. Nothing was written; the event (or backfill item) is tried again later.
 */
public class ContactBusyException extends RuntimeException {

    public ContactBusyException(String message) {
        super(message);
    }
}
