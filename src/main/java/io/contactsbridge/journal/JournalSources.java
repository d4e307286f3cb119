package io.contactsbridge.journal;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** The sources that append to the journal. Poll triggers use the {@code *-poll} ones. */
public final class JournalSources {

    /** Signed webhooks posted by HighLevel to {@code /webhooks/highlevel}. */
    public static final String HIGHLEVEL_WEBHOOK = "highlevel-webhook";
    /** This bridge's own notification endpoint {@code /webhooks/birdsend}, called by BirdSend automations. */
    public static final String BIRDSEND_NOTIFICATION = "birdsend-notification";
    /** Changes found by polling HighLevel's contacts API. */
    public static final String HIGHLEVEL_POLL = "highlevel-poll";
    /** Changes found by polling BirdSend's contacts API. */
    public static final String BIRDSEND_POLL = "birdsend-poll";
    /**
     * Backfill items that failed for a reason not their own (a service down), handed to the live sync: type
     * {@code ContactChanged}, keyed by the item's BirdSend contact, else its HighLevel contact.
     */
    public static final String BACKFILL = "backfill";

    /** A marketplace app was installed on, or uninstalled from, a location (or company). */
    public static final Set<String> HIGHLEVEL_LIFECYCLE_TYPES = Set.of("INSTALL", "UNINSTALL");

    /**
     * The webhook events HighLevel documents (shared/reference/highlevel/webhook-events/), and the app's
     * INSTALL and UNINSTALL, which HighLevel sends to the app's Default Webhook URL.
     */
    public static final Set<String> HIGHLEVEL_WEBHOOK_TYPES = Set.of(
            "ContactCreate", "ContactUpdate", "ContactDelete", "ContactTagUpdate", "ContactDndUpdate",
            "NoteCreate", "NoteUpdate", "NoteDelete",
            "TaskCreate", "TaskComplete", "TaskDelete",
            "AppointmentCreate", "AppointmentUpdate", "AppointmentDelete",
            "INSTALL", "UNINSTALL");

    /** The one event type of BirdSend notifications. */
    public static final String CONTACT_NOTIFIED = "ContactNotified";

    /** Event types each source can append, where fixed; consumers asking for others are refused as typos. */
    private static final Map<String, Set<String>> KNOWN_TYPES = Map.of(
            HIGHLEVEL_WEBHOOK, HIGHLEVEL_WEBHOOK_TYPES,
            BIRDSEND_NOTIFICATION, Set.of(CONTACT_NOTIFIED));

    /**
     * What source names, event types and consumer ids may look like. Kept narrow on purpose: they are
     * stored as comma-separated lists and appear in bean-call URIs of the Kamelets.
     */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private JournalSources() {
    }

    /**
     * Refuses an event type none of {@code sources} can produce, so a typo in a route ("ContactCreated") fails
     * loudly instead of silently delivering nothing. Sources without a fixed list accept any name.
     */
    public static void requireKnownTypes(Collection<String> sources, Collection<String> eventTypes) {
        for (String type : eventTypes) {
            boolean possible = sources.stream().anyMatch(s -> !KNOWN_TYPES.containsKey(s) || KNOWN_TYPES.get(s).contains(type));
            if (!possible) {
                TreeSet<String> known = new TreeSet<>();
                sources.forEach(s -> known.addAll(KNOWN_TYPES.getOrDefault(s, Set.of())));
                throw new IllegalArgumentException("Event type '" + type + "' never comes from " + String.join(", ", sources)
                        + "; the event types are " + String.join(", ", known));
            }
        }
    }

    static String requireName(String what, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be 1-100 letters, digits, '.', '_' or '-' (starting with a "
                    + "letter or digit), got " + (value == null ? "nothing" : "'" + value + "'"));
        }
        return value;
    }
}
