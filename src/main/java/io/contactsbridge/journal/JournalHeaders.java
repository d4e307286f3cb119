package io.contactsbridge.journal;

/** The headers of each message a journal consumer ({@code journal:} endpoint) hands to its route. */
public final class JournalHeaders {

    /** Where the event came from: one of {@link JournalSources}' names, e.g. {@code highlevel-webhook}. */
    public static final String EVENT_SOURCE = "BridgeEventSource";
    /** The event type, e.g. {@code ContactUpdate}. */
    public static final String EVENT_TYPE = "BridgeEventType";
    /** The source's own id of the event (unique per source). */
    public static final String EVENT_ID = "BridgeEventId";
    /** The event's position in the journal (a long). */
    public static final String EVENT_SEQ = "BridgeEventSeq";
    /** When the journal took the event in (ISO-8601 text, UTC): the same on every delivery of it. */
    public static final String RECEIVED_AT = "BridgeEventReceivedAt";
    /** The contact the event is about ({@link ContactKeys}): what orders and partitions the events. */
    public static final String CONTACT_KEY = "BridgeContactKey";
    /** The connection the event came from, when its writer recorded it: which connection pair it is for. */
    public static final String CONNECTION_ID = "BridgeEventConnection";

    private JournalHeaders() {
    }
}
