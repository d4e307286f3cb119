package io.contactsbridge.sync;

/**
 * Someone else (another replica, the backfill, another event) changed or made the link between reading and writing
 * it. An expected conflict, not an error: the work is safe to repeat and is done again at once, reconciling against
 * the new state ({@link ContactSync#apply}, the backfill); only when it keeps happening does the journal retry the
 * event with back-off.
 */
public class LinkChangedException extends RuntimeException {

    public LinkChangedException(String message) {
        super(message);
    }
}
