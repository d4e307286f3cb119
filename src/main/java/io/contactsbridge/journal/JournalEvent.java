package io.contactsbridge.journal;

import java.time.Instant;

/**
 * One entry of the inbound journal.
 *
 * @param seq        position in the journal; increases with every append and is never reused
 * @param source     where it came from (see {@link JournalSources})
 * @param eventType  e.g. ContactCreate, ContactNotified
 * @param eventId    the sender's id for the event, unique per source
 * @param contactKey the contact it is about (see {@link ContactKeys}); events of one key are delivered in order
 * @param payload    the JSON body exactly as received
 * @param connectionId the connection it came from; {@code null} when its writer could not tell (and in events stored
 *                   before connections were recorded)
 */
public record JournalEvent(long seq, String source, String eventType, String eventId, String contactKey,
                           String payload, Instant receivedAt, String connectionId) {

    public JournalEvent(long seq, String source, String eventType, String eventId, String contactKey, String payload,
                        Instant receivedAt) {
        this(seq, source, eventType, eventId, contactKey, payload, receivedAt, null);
    }
}
