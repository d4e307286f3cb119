package io.contactsbridge.automation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.JournalEvent;
import io.contactsbridge.journal.JournalHeaders;
import io.contactsbridge.journal.JournalStore;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * The {@code contact-filter} steps of automations (routes/automations/*.yaml): conditions on the event, used as
 * {@code filter: method: {ref: contactFilter, method: "tagAdded(*, 'customer')"}}.
 * <ul>
 *   <li>{@link #eventType}: the event is of one of the types;</li>
 *   <li>{@link #tagAdded} / {@link #tagRemoved}: one of the tags was added / removed by this event;</li>
 *   <li>{@link #fieldChanged}: a value changed, optionally from / to given values;</li>
 *   <li>{@link #dndSwitchedOn}: Do Not Disturb for a channel was switched on by this event.</li>
 * </ul>
 * What changed: a BirdSend event says which tags it added and removed ({@code changes.added/removed}); for the rest
 * (HighLevel webhooks carry the contact as it is now) the event is compared with the same contact's previous event
 * from the same source in the journal that has the value (up to {@value #LOOK_BACK} events back). That is the same
 * answer however often the event is delivered (a replay, a restart). When there is no such event (the contact's first
 * event, or retention removed the older ones) the contact counts as new: its tags as added, its values as changed
 * from empty, its DND as switched on. Pair these filters with {@code automation.once} / {@code oncePerContact}, as
 * the shipped automations do, so that case cannot repeat an effect.
 */
@Component("contactFilter")
public class ContactFilter {

    /** How many earlier events of the contact are looked through for one that has the value. */
    static final int LOOK_BACK = 20;
    /** Exchange property: the previous events read for this exchange (read once per event, not per filter). */
    private static final String PREVIOUS = "BridgeContactFilterPrevious";
    /** From / to value meaning "any value". */
    public static final String ANY = "*";

    private final JournalStore journal;
    private final ObjectMapper json;

    public ContactFilter(JournalStore journal, ObjectMapper json) {
        this.journal = journal;
        this.json = json;
    }

    /** True when the event's type (header BridgeEventType) is one of the comma-separated types. */
    public boolean eventType(Exchange exchange, String types) {
        String type = exchange.getMessage().getHeader(JournalHeaders.EVENT_TYPE, String.class);
        return type != null && names(types).contains(type.toLowerCase(Locale.ROOT));
    }

    /** True when this event added at least one of the comma-separated tags (any case). */
    public boolean tagAdded(Exchange exchange, String tags) {
        return intersects(tagChange(exchange, "added"), names(tags));
    }

    /** True when this event removed at least one of the comma-separated tags (any case). */
    public boolean tagRemoved(Exchange exchange, String tags) {
        return intersects(tagChange(exchange, "removed"), names(tags));
    }

    /**
     * True when the value at {@code path} (dotted, into the event: {@code email}, {@code fields.first_name} for BirdSend,
     * {@code customFields.<field id>} for HighLevel) differs from the contact's previous event.
     */
    public boolean fieldChanged(Exchange exchange, String path) {
        return fieldChanged(exchange, path, ANY, ANY);
    }

    /**
     * As {@link #fieldChanged(Exchange, String)}, and the value was {@code from} and is now {@code to} (compared
     * trimmed and in any case; {@value #ANY} for any value, an empty string for no value).
     */
    public boolean fieldChanged(Exchange exchange, String path, String from, String to) {
        Object event = event(exchange);
        String now = text(valueAt(event, path));
        String before = previousWith(exchange, path).map(p -> text(valueAt(p, path))).orElse(null);
        if (Objects.equals(blankToNull(now), blankToNull(before))) {
            return false;
        }
        return matches(before, from) && matches(now, to);
    }

    /**
     * True when this event switched Do Not Disturb on for {@code channel} (Email, SMS, Call, WhatsApp, GMB, FB, as in
     * HighLevel's {@code dndSettings}, or the contact-wide {@code dnd}): on now, and not on in the contact's previous
     * event of the same type (ContactDndUpdate: HighLevel sends one when a DND setting changed; a ContactUpdate about
     * the same change may come before or after it). A change of another channel's DND is not a reason to act again.
     */
    public boolean dndSwitchedOn(Exchange exchange, String channel) {
        if (!dndOn(event(exchange), channel)) {
            return false;
        }
        String type = exchange.getMessage().getHeader(JournalHeaders.EVENT_TYPE, String.class);
        for (Previous p : previous(exchange)) {
            if (Objects.equals(type, p.type()) && p.payload() instanceof Map<?, ?> map
                    && (map.containsKey("dndSettings") || map.containsKey("dnd"))) {
                return !dndOn(map, channel);
            }
        }
        return true;
    }

    static boolean dndOn(Object event, String channel) {
        return "active".equalsIgnoreCase(text(valueAt(event, "dndSettings." + channel.trim() + ".status")))
                || "true".equalsIgnoreCase(text(valueAt(event, "dnd")));
    }

    // --- what changed --------------------------------------------------------------------------------------

    private Set<String> tagChange(Exchange exchange, String kind) {
        Object event = event(exchange);
        Object said = valueAt(event, "changes." + kind);
        if (said instanceof List<?> list) {
            return lower(list);
        }
        Set<String> now = tags(event);
        Set<String> before = previousWith(exchange, "tags").map(ContactFilter::tags).orElse(null);
        Set<String> out = new TreeSet<>(kind.equals("added") ? now : before == null ? Set.of() : before);
        if (kind.equals("added") && before != null) {
            out.removeAll(before);
        } else if (kind.equals("removed")) {
            out.removeAll(now);
        }
        return out;
    }

    private static Set<String> tags(Object event) {
        return valueAt(event, "tags") instanceof List<?> list ? lower(list) : Set.of();
    }

    private static Set<String> lower(List<?> list) {
        Set<String> out = new TreeSet<>();
        for (Object tag : list) {
            Object name = tag instanceof Map<?, ?> m ? m.get("name") : tag;
            if (name != null && !name.toString().isBlank()) {
                out.add(name.toString().trim().toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }

    /** The payload of the contact's latest earlier event (same source) whose top-level key of {@code path} is there. */
    private Optional<Object> previousWith(Exchange exchange, String path) {
        String top = path.split("\\.", 2)[0];
        for (Previous p : previous(exchange)) {
            if (p.payload() instanceof Map<?, ?> map && map.containsKey(top)) {
                return Optional.of(p.payload());
            }
        }
        return Optional.empty();
    }

    /** An earlier event of the contact: its type and payload (parsed). */
    private record Previous(String type, Object payload) {
    }

    @SuppressWarnings("unchecked")
    private List<Previous> previous(Exchange exchange) {
        List<Previous> cached = exchange.getProperty(PREVIOUS, List.class);
        if (cached != null) {
            return cached;
        }
        String key = exchange.getMessage().getHeader(JournalHeaders.CONTACT_KEY, String.class);
        String source = exchange.getMessage().getHeader(JournalHeaders.EVENT_SOURCE, String.class);
        Long seq = exchange.getMessage().getHeader(JournalHeaders.EVENT_SEQ, Long.class);
        if (key == null || source == null || seq == null) {
            throw new IllegalStateException("contactFilter in route " + AutomationSteps.automationId(exchange) + ": the event has no "
                    + JournalHeaders.CONTACT_KEY + "/" + JournalHeaders.EVENT_SOURCE + "/" + JournalHeaders.EVENT_SEQ
                    + " headers; automations start from a trigger Kamelet over the journal");
        }
        List<Previous> payloads = new ArrayList<>();
        String connection = exchange.getMessage().getHeader(JournalHeaders.CONNECTION_ID, String.class);
        for (JournalEvent e : journal.previous(key, source, connection, seq, LOOK_BACK)) {
            try {
                payloads.add(new Previous(e.eventType(), json.readValue(e.payload(), Object.class)));
            } catch (JsonProcessingException notJson) {
                // An event that is not JSON tells nothing about the contact's values.
            }
        }
        exchange.setProperty(PREVIOUS, payloads);
        return payloads;
    }

    /** The event as the trigger delivered it (kept by the automation steps once an action replaced the body). */
    private Object event(Exchange exchange) {
        Object kept = exchange.getProperty(AutomationSteps.EVENT);
        Object body = kept != null ? kept : exchange.getMessage().getBody();
        if (body instanceof JsonNode node) {
            return json.convertValue(node, Object.class);
        }
        if (body instanceof String s && s.stripLeading().startsWith("{")) {
            try {
                return json.readValue(s, Object.class);
            } catch (JsonProcessingException e) {
                return body;
            }
        }
        return body;
    }

    /**
     * The value at a dotted path. In a list of objects a part picks the element whose id, key, fieldKey or name is
     * that part and goes on with its value (HighLevel's {@code customFields: [{"id": .., "value": ..}]}).
     */
    static Object valueAt(Object root, String path) {
        Object node = root;
        for (String part : path.split("\\.")) {
            if (node instanceof Map<?, ?> map) {
                node = map.get(part);
            } else if (node instanceof List<?> list) {
                node = element(list, part);
            } else {
                return null;
            }
        }
        return node;
    }

    private static Object element(List<?> list, String part) {
        for (Object item : list) {
            if (item instanceof Map<?, ?> m) {
                for (String idKey : List.of("id", "key", "fieldKey", "name")) {
                    if (m.get(idKey) != null && part.equalsIgnoreCase(m.get(idKey).toString())) {
                        return m.containsKey("value") ? m.get("value") : m.get("field_value");
                    }
                }
            }
        }
        return null;
    }

    private static String text(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof List<?> || value instanceof Map<?, ?>) {
            return value.toString();
        }
        return value.toString().trim();
    }

    private static boolean matches(String value, String wanted) {
        if (wanted == null || wanted.trim().equals(ANY)) {
            return true;
        }
        String v = blankToNull(value);
        String w = blankToNull(wanted);
        return v == null ? w == null : w != null && v.equalsIgnoreCase(w.trim());
    }

    private static Set<String> names(String csv) {
        Set<String> out = new TreeSet<>();
        for (String n : csv.split(",")) {
            if (!n.isBlank()) {
                out.add(n.trim().toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }

    private static boolean intersects(Set<String> a, Set<String> b) {
        for (String x : a) {
            if (b.contains(x)) {
                return true;
            }
        }
        return false;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
