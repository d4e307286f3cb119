package io.contactsbridge.sync;

/**
 * Someone else (another replica, the backfill) changed the link between reading and writing it. The work
 * is safe to repeat: the event is retried and reconciles against the new state.
 */
public class LinkChangedException extends RuntimeException {

    public LinkChangedException(String message) {
        super(message);
    }
}
