package io.contactsbridge.automation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.JournalHeaders;
import io.contactsbridge.ops.BridgeProperties;
import io.contactsbridge.outbound.DeadLetterRecorder;
import io.contactsbridge.outbound.OutboundClient;
import io.contactsbridge.outbound.contacts.BirdSendContactApi;
import io.contactsbridge.reports.ReportCounters;
import io.contactsbridge.sync.ContactLink;
import io.contactsbridge.sync.ContactSync;
import io.contactsbridge.sync.LinkStore;
import io.contactsbridge.sync.SyncPair;
import io.contactsbridge.sync.SyncPairs;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The steps automations are made of (routes/automations/*.yaml), between a trigger Kamelet and action Kamelets:
 * <ul>
 *   <li>{@link #linkedContact}: the same person's id on the other side, from the link table, as header
 *       {@code contactId} (what the action Kamelets read); no link ends the route for this event, unless asked to
 *       create the partner first;</li>
 *   <li>{@link #once} / {@link #done}: around each effect, so it happens once per source event (dedupe key: the
 *       automation, the journal event and the effect's name, in table automation_effect);</li>
 *   <li>{@link #text}, {@link #note}, {@link #task}, {@link #tags}, {@link #sequence(Exchange, String)}: the actions'
 *       request bodies, with text templates that read the event ({@code $[appointment.title]},
 *       {@code $[event.type]}).</li>
 * </ul>
 * The event as the trigger delivered it is kept in exchange property {@value #EVENT}, so later steps still read it
 * after an action replaced the body with the service's answer; the connection pair it is for, in {@value #PAIR}. Every
 * step that reads or writes contacts does so in that pair only: with several pairs, an event whose pair is unknown
 * ends the automation for that event (a step stops the route, a filter answers false).
 */
@Component("automation")
public class AutomationSteps {

    private static final Logger LOG = LoggerFactory.getLogger(AutomationSteps.class);

    /** Exchange property: the trigger's event (payload Map). */
    public static final String EVENT = "BridgeAutomationEvent";
    /** Exchange property: the connection pair of the trigger's event ({@link SyncPair}), once known. */
    public static final String PAIR = SyncPairs.EXCHANGE_PAIR;
    /** Exchange property: the effect claimed by {@link #once}, recorded by {@link #done}. */
    public static final String EFFECT = "BridgeAutomationEffect";
    /** The header the action Kamelets read the contact id from. */
    public static final String CONTACT_ID = "contactId";
    /** {@code $[event.time]}: minutes are enough for a note, and UTC says which clock. */
    private static final DateTimeFormatter EVENT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    private final LinkStore links;
    private final SyncPairs pairs;
    private final AutomationEffectStore effects;
    private final BirdSendContactApi birdSend;
    private final OutboundClient outbound;
    private final ObjectProvider<ContactSync> contactSync;
    private final ObjectMapper json;
    private final Clock clock;
    private final String owner;
    /** Effects claimed by deliveries of this process still running. */
    private final java.util.Set<AutomationEffectStore.Key> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Duration claimTimeout;
    private final ReportCounters reports;

    public AutomationSteps(LinkStore links, SyncPairs pairs, AutomationEffectStore effects, BirdSendContactApi birdSend,
                           OutboundClient outbound, ObjectProvider<ContactSync> contactSync, ObjectMapper json, Clock clock, BridgeProperties bridge,
                           @Value("${bridge.automations.claim-timeout:PT5M}") Duration claimTimeout, ReportCounters reports) {
        this.links = links;
        this.pairs = pairs;
        this.effects = effects;
        this.birdSend = birdSend;
        this.outbound = outbound;
        this.contactSync = contactSync;
        this.json = json;
        this.clock = clock;
        // Per process: two automations sharing an effect in this process must not both take its claim.
        this.owner = (bridge.instance() == null ? "local" : bridge.instance().id()) + "/"
                + java.util.UUID.randomUUID().toString().substring(0, 8);
        this.claimTimeout = claimTimeout;
        this.reports = reports;
    }

    // --- linked-contact ------------------------------------------------------------------------------

    /**
     * Sets header {@code contactId} to the linked contact's id on {@code side} ({@code birdsend} or {@code highlevel})
     * for the contact the event names (header BridgeContactKey), and keeps the event in property {@value #EVENT}.
     * A contact not linked (yet) ends the route for this event: there is nobody to act on.
     */
    public void linkedContact(Exchange exchange, String side) {
        linkedContact(exchange, side, false);
    }

    /**
     * As {@link #linkedContact(Exchange, String)}; with {@code create} true, a contact not linked yet is first synced
     * (by the two-way sync's own steps, as if it had changed): that creates its partner on the other side and the
     * link when the mapping lets it, so the automation can act on a person the other side did not know yet.
     */
    public void linkedContact(Exchange exchange, String side, boolean create) {
        Optional<SyncPair> pair = pair(exchange);
        if (pair.isEmpty()) {
            exchange.setRouteStop(true);
            return;
        }
        String key = exchange.getMessage().getHeader(JournalHeaders.CONTACT_KEY, String.class);
        Optional<String> other = otherId(pair.get(), key, side);
        if (other.isEmpty() && create && key != null && key.indexOf(':') > 0) {
            String id = key.substring(key.indexOf(':') + 1);
            ContactSync contactSync = this.contactSync.getObject();
            if (key.startsWith("highlevel:")) {
                contactSync.fromHighLevel(pair.get(), id, null);
            } else if (key.startsWith("birdsend:")) {
                contactSync.fromBirdSend(pair.get(), id, null);
            }
            other = otherId(pair.get(), key, side);
        }
        if (other.isEmpty()) {
            LOG.debug("Automation {}: {} has no linked {} contact; nothing to do", automationId(exchange), key, side);
            exchange.setRouteStop(true);
            return;
        }
        exchange.getMessage().setHeader(CONTACT_ID, other.get());
    }

    /** The id on {@code side} of the contact {@code contactKey} names, by the links of {@code pair}. */
    Optional<String> otherId(SyncPair pair, String contactKey, String side) {
        String want = side == null ? "" : side.trim().toLowerCase(Locale.ROOT);
        if (!want.equals("birdsend") && !want.equals("highlevel")) {
            throw new IllegalArgumentException("linked-contact: side must be birdsend or highlevel, not '" + side + "'");
        }
        if (contactKey == null || contactKey.indexOf(':') < 0) {
            return Optional.empty();
        }
        String from = contactKey.substring(0, contactKey.indexOf(':'));
        String id = contactKey.substring(contactKey.indexOf(':') + 1);
        if (from.equals(want)) {
            return Optional.of(id); // already that side's contact
        }
        Optional<ContactLink> link = switch (from) {
            case "highlevel" -> links.byHighLevel(pair, id);
            case "birdsend" -> links.byBirdSend(pair, id);
            default -> Optional.empty(); // email: keys (a contact not yet known on either side) have no link
        };
        return link.filter(l -> l.unlinkedSide() == null)
                .map(l -> want.equals("birdsend") ? l.birdsendId() : l.highlevelId());
    }

    private void keepEvent(Exchange exchange) {
        // A dead letter of this automation is replayed by delivering its event to the automation again (its effects
        // done already are skipped by once), not to the action Kamelet's route that failed.
        if (exchange.getProperty(DeadLetterRecorder.REPLAY_INTO) == null) {
            exchange.setProperty(DeadLetterRecorder.REPLAY_INTO, automationId(exchange));
            exchange.setProperty(DeadLetterRecorder.REPLAY_MESSAGE, exchange.getMessage().copy());
        }
        if (exchange.getProperty(EVENT) == null) {
            Object body = exchange.getMessage().getBody();
            exchange.setProperty(EVENT, body instanceof JsonNode node ? json.convertValue(node, Map.class) : body);
        }
        if (exchange.getProperty(PAIR) == null) {
            // From the kept event, not the body: an action may have replaced the body with its answer by now.
            Object event = exchange.getProperty(EVENT);
            JsonNode payload = event instanceof JsonNode node ? node
                    : event instanceof Map<?, ?> map ? json.valueToTree(map) : null;
            pairs.forEvent(exchange.getMessage().getHeader(JournalHeaders.EVENT_SOURCE, String.class),
                    exchange.getMessage().getHeader(JournalHeaders.CONNECTION_ID, String.class), payload)
                    .ifPresent(pair -> exchange.setProperty(PAIR, pair));
        }
    }

    /**
     * The pair of the automation's event; empty (logged) when no pair of this bridge is concerned, or, with several
     * pairs, the event names neither its connection nor a location: the caller then leaves the event alone, never
     * acting on another pair's contacts.
     */
    private Optional<SyncPair> pair(Exchange exchange) {
        keepEvent(exchange);
        SyncPair pair = exchange.getProperty(PAIR, SyncPair.class);
        if (pair == null) {
            String connectionId = exchange.getMessage().getHeader(JournalHeaders.CONNECTION_ID, String.class);
            Object event = exchange.getProperty(EVENT);
            Object location = event instanceof Map<?, ?> map ? map.get("locationId") : null;
            String why = connectionId != null ? "no pair of this bridge syncs connection " + connectionId
                    : location != null ? "no pair of this bridge syncs HighLevel location " + location
                    : "the event names no connection or location, and this bridge syncs several pairs";
            // Webhooks of other locations are routine (the app may be installed on many); an event naming nothing is not.
            LOG.atLevel(connectionId == null && location == null ? Level.INFO : Level.DEBUG)
                    .log("Automation {}: event {} of {} skipped: {}", automationId(exchange),
                            exchange.getMessage().getHeader(JournalHeaders.EVENT_ID, String.class),
                            exchange.getMessage().getHeader(JournalHeaders.CONTACT_KEY, String.class), why);
        } else if (!pairs.active(pair)) {
            LOG.debug("Automation {}: event {} skipped: its pair is paused", automationId(exchange),
                    exchange.getMessage().getHeader(JournalHeaders.EVENT_ID, String.class));
            return Optional.empty();
        } else if (!runsFor(exchange, pair)) {
            LOG.debug("Automation {}: event {} skipped: the automation is not for its pair ({})", automationId(exchange),
                    exchange.getMessage().getHeader(JournalHeaders.EVENT_ID, String.class), pairsSetting(exchange));
            return Optional.empty();
        }
        return Optional.ofNullable(pair);
    }

    /**
     * Whether the automation runs for {@code pair}: setting {@code bridge.automations.<name>.pairs} (the route id
     * without {@code automation-}) lists the pair ids it runs for, comma-separated; unset or blank, every pair's.
     */
    private boolean runsFor(Exchange exchange, SyncPair pair) {
        Optional<String> only = exchange.getContext().getPropertiesComponent().resolveProperty(pairsSetting(exchange))
                .filter(v -> !v.isBlank());
        if (only.isEmpty()) {
            return true;
        }
        String id = pairs.idOf(pair).orElse(null);
        return java.util.Arrays.stream(only.get().split(",")).map(String::trim).anyMatch(p -> p.equals(id));
    }

    private static String pairsSetting(Exchange exchange) {
        String automation = automationId(exchange);
        String name = automation != null && automation.startsWith("automation-") ? automation.substring("automation-".length())
                : automation;
        return "bridge.automations." + name + ".pairs";
    }

    // --- exactly once --------------------------------------------------------------------------------

    /**
     * Claims {@code effect} for this automation (the route's id) and journal event; true when it is to be done now,
     * false when it was done for this event already (a replay, a redelivery). Use as a filter around the action,
     * ending the filter with {@link #done}.
     *
     * @throws EffectBusyException when another delivery holds a fresh claim: retried later, never done twice
     */
    public boolean once(Exchange exchange, String effect) {
        return claim(exchange, key(exchange, effect));
    }

    private boolean claim(Exchange exchange, AutomationEffectStore.Key key) {
        if (pair(exchange).isEmpty()) {
            return false; // the effect would act on a contact of no (or another) pair
        }
        // In flight in this process (two automations sharing the effect, a redelivery): the store cannot tell, since
        // the claim is this process's either way; a claim of this process no delivery holds any more is taken over.
        if (!inFlight.add(key)) {
            throw new EffectBusyException("Automation effect " + key + " is being done by another delivery");
        }
        AutomationEffectStore.Claim claim;
        try {
            claim = effects.claim(key, owner, claimTimeout);
        } catch (RuntimeException e) {
            inFlight.remove(key);
            throw e;
        }
        if (claim != AutomationEffectStore.Claim.CLAIMED) {
            inFlight.remove(key);
        }
        switch (claim) {
            case CLAIMED -> {
                exchange.setProperty(EFFECT, key);
                exchange.getExchangeExtension().addOnCompletion(new org.apache.camel.support.SynchronizationAdapter() {
                    @Override
                    public void onDone(Exchange done) {
                        inFlight.remove(key);
                    }
                });
                return true;
            }
            case DONE -> {
                LOG.debug("Automation effect {} was done already; skipped", key);
                return false;
            }
            default -> throw new EffectBusyException("Automation effect " + key + " is being done by another delivery");
        }
    }

    /**
     * Like {@link #once}, but once per contact (the event's BridgeContactKey) instead of once per event: for effects
     * such as a sequence subscription when a tag is first seen, which a later event that still shows the tag must
     * not repeat.
     */
    public boolean oncePerContact(Exchange exchange, String effect) {
        String contactKey = exchange.getMessage().getHeader(JournalHeaders.CONTACT_KEY, String.class);
        if (contactKey == null) {
            throw new IllegalStateException("Automation " + automationId(exchange) + ": the event names no contact");
        }
        // With several pairs a contact key is the pair's: two BirdSend accounts both have a contact 7, two pairs the
        // same email. With one pair the key stays as it was, so effects recorded before still count.
        String subject = pairs.single() ? contactKey : pair(exchange).map(p -> p.birdsendConnection() + "/" + contactKey)
                .orElse(null);
        if (subject == null) {
            return false;
        }
        return claim(exchange, new AutomationEffectStore.Key(automationId(exchange), "contact", subject, effect));
    }

    /**
     * Like {@link #once}, but shared by every automation that names the same {@code group}, once per HighLevel contact
     * (header {@code contactId}, set by {@link #linkedContact} with side highlevel) and UTC day. For a follow-up that
     * two automations can ask for about one change: a BirdSend unsubscribe that the sync turns into Do Not Disturb in
     * HighLevel reaches both the unsubscribe and the DND automation, and the person gets one follow-up task, not two.
     */
    public boolean oncePerPersonPerDay(Exchange exchange, String group, String effect) {
        String contactId = exchange.getMessage().getHeader(CONTACT_ID, String.class);
        if (contactId == null) {
            throw new IllegalStateException("Automation " + automationId(exchange)
                    + ": oncePerPersonPerDay needs linkedContact(*, 'highlevel') before it");
        }
        String day = clock.instant().truncatedTo(ChronoUnit.DAYS).toString().substring(0, 10);
        return claim(exchange, new AutomationEffectStore.Key(group, "highlevel-contact", contactId, effect + "@" + day));
    }

    /** Records the effect {@link #once} claimed as done, with the action's answer (the body). */
    public void done(Exchange exchange) {
        AutomationEffectStore.Key key = exchange.getProperty(EFFECT, AutomationEffectStore.Key.class);
        if (key == null) {
            throw new IllegalStateException("automation.done without automation.once before it in route "
                    + automationId(exchange));
        }
        effects.done(key, asText(exchange.getMessage().getBody()));
        exchange.removeProperty(EFFECT);
        // Counted once per effect done (never for a replay that finds it done), in the event's pair: the reports'
        // automation firings. once claimed only with a pair known, so it is there.
        pair(exchange).ifPresent(pair -> reports.automationFired(pair.highlevelConnection(), pair.birdsendConnection(),
                automationId(exchange)));
    }

    /**
     * The automation: the route whose steps run now. Not the exchange's from-route, which is the trigger Kamelet's own
     * route ({@code <id>-source}, where the journal consumer made the exchange) in one process and the automation's in
     * another; the dedupe key, the reports and the dashboard need the same name everywhere.
     */
    public static String automationId(Exchange exchange) {
        org.apache.camel.spi.UnitOfWork unitOfWork = exchange.getUnitOfWork();
        org.apache.camel.Route route = unitOfWork == null ? null : unitOfWork.getRoute();
        return route != null ? route.getRouteId() : exchange.getFromRouteId();
    }

    AutomationEffectStore.Key key(Exchange exchange, String effect) {
        String automation = automationId(exchange);
        String source = exchange.getMessage().getHeader(JournalHeaders.EVENT_SOURCE, String.class);
        String eventId = exchange.getMessage().getHeader(JournalHeaders.EVENT_ID, String.class);
        if (source == null || eventId == null) {
            throw new IllegalStateException("Automation " + automation + ": the event has no " + JournalHeaders.EVENT_SOURCE
                    + "/" + JournalHeaders.EVENT_ID + " headers; automations start from a trigger Kamelet over the journal");
        }
        return new AutomationEffectStore.Key(automation, source, eventId, effect);
    }

    // --- request bodies and templates ----------------------------------------------------------------

    /**
     * The template with each {@code $[path]} replaced from the event: a dotted path into the payload
     * ({@code $[appointment.title]}, {@code $[title]}), or {@code $[event.type]}, {@code $[event.id]},
     * {@code $[event.source]}, {@code $[event.time]} (when the bridge took the event in, {@code 2026-12-03 14:55 UTC}).
     * A list reads as its items' names (or values) separated by ", " ({@code $[changes.added]}: the tags added);
     * {@code $[name]}, where the event has no name, is the first and last name (BirdSend's {@code fields}, HighLevel's
     * {@code firstName}/{@code lastName}), else the email. A path the event lacks becomes empty.
     */
    public String text(Exchange exchange, String template) {
        keepEvent(exchange);
        return Templates.render(template, path -> lookup(exchange, path));
    }

    /** Body of highlevel-create-note-action: {@code {"body": <template rendered>}}. */
    public Map<String, Object> note(Exchange exchange, String template) {
        return new LinkedHashMap<>(Map.of("body", text(exchange, template)));
    }

    /**
     * Body of highlevel-create-note-action from the template in setting {@code property} (for example
     * {@code bridge.automations.activity-notes.tags-added}), read from the configuration rather than written into the
     * route, so it may hold commas, quotes and any other character ({@code \n} in a properties file for a new line;
     * {@code ${...}} and {@code {{...}}} are Spring's and Camel's placeholders there, as in every setting). Put
     * {@link #configured} before it, as a filter, to let a blank setting switch the note off.
     *
     * @throws IllegalArgumentException when there is no such setting (a typo in the route) or it is blank
     */
    public Map<String, Object> noteFromSetting(Exchange exchange, String property) {
        String template = setting(exchange, property);
        if (template.isBlank()) {
            throw new IllegalArgumentException("Automation " + automationId(exchange) + ": setting '" + property
                    + "' is blank; put configured(*, '" + property + "') before the note to let a blank one switch it off");
        }
        return note(exchange, template);
    }

    /**
     * True when setting {@code property} has a value that is not blank: a filter that lets a blank setting switch an
     * effect off (an activity note's template, for example). A filter only decides: Camel evaluates it on a copy of the
     * message, so the step that uses the setting comes after it.
     *
     * @throws IllegalArgumentException when there is no such setting (a typo in the route)
     */
    public boolean configured(Exchange exchange, String property) {
        return !setting(exchange, property).isBlank();
    }

    private static String setting(Exchange exchange, String property) {
        return exchange.getContext().getPropertiesComponent().resolveProperty(property)
                .orElseThrow(() -> new IllegalArgumentException("Automation " + automationId(exchange)
                        + ": there is no setting '" + property + "' (or it names a placeholder that is not set)"));
    }

    /**
     * True when the event has a value at {@code path} (dotted, as in templates): a non-empty list or text, or any
     * other value. For example {@code has(*, 'changes.added')}: a tag change that added tags.
     */
    public boolean has(Exchange exchange, String path) {
        keepEvent(exchange);
        String value = lookup(exchange, path);
        return value != null && !value.isBlank();
    }

    /**
     * Body of highlevel-create-task-action: title and body from templates, due {@code dueIn} (ISO-8601 duration such
     * as P2D or PT4H) from now, assigned to {@code assignee} (a HighLevel user id; blank: nobody).
     */
    public Map<String, Object> task(Exchange exchange, String title, String body, String dueIn, String assignee) {
        Map<String, Object> task = new LinkedHashMap<>();
        task.put("title", text(exchange, title));
        task.put("body", text(exchange, body));
        task.put("dueDate", clock.instant().plus(Duration.parse(dueIn)).truncatedTo(ChronoUnit.SECONDS).toString());
        task.put("completed", false);
        if (assignee != null && !assignee.isBlank()) {
            task.put("assignedTo", assignee.trim());
        }
        return task;
    }

    /** Body of birdsend-add-contact-tags-action: {@code {"tags": [...]}} from a comma-separated list. */
    public Map<String, Object> tags(String names) {
        List<String> list = List.of(names.split(",")).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (list.isEmpty()) {
            throw new IllegalArgumentException("automation.tags needs at least one tag name");
        }
        return Map.of("tags", list);
    }

    /**
     * Body of birdsend-subscribe-contact-action: {@code {"sequence_id": id}}, for a sequence given by its
     * {@code sequence_id} or by its name (looked up in the first 100 sequences of the event's pair's BirdSend account,
     * any case). An event of no known pair ends the route (body null).
     */
    public Map<String, Object> sequence(Exchange exchange, String sequence) {
        Optional<SyncPair> pair = pair(exchange);
        if (pair.isEmpty()) {
            exchange.setRouteStop(true);
            return null;
        }
        return sequence(pair.get(), sequence);
    }

    /**
     * As {@link #sequence(Exchange, String)}, for a bridge of one pair (a name is looked up in its BirdSend account).
     *
     * @throws IllegalStateException when the bridge syncs several pairs: use {@code sequence(*, '...')}
     */
    public Map<String, Object> sequence(String sequence) {
        return sequence(pairs.only(), sequence);
    }

    private Map<String, Object> sequence(SyncPair pair, String sequence) {
        String wanted = sequence == null ? "" : sequence.trim();
        if (wanted.isEmpty()) {
            throw new IllegalArgumentException("automation.sequence: no BirdSend sequence configured (its sequence_id"
                    + " or name; list them with birdsend-list-sequences-action or BirdSend's GET /sequences)");
        }
        if (wanted.matches("[0-9]+")) {
            return Map.of("sequence_id", Long.parseLong(wanted));
        }
        JsonNode page = outbound.call(pair.birdsendConnection(), "list-sequences", "GET", "/sequences",
                Map.of("per_page", 100), null).body();
        for (JsonNode s : page == null ? json.createArrayNode() : page.path("data")) {
            if (s.path("name").asText().equalsIgnoreCase(wanted)) {
                return Map.of("sequence_id", s.path("sequence_id").asLong());
            }
        }
        throw new IllegalArgumentException("automation.sequence: BirdSend has no sequence named '" + wanted + "'");
    }

    /**
     * True when the event's contact has at least one of the comma-separated tags (any case): HighLevel's
     * {@code tags} list in a contact webhook, BirdSend's tag names in a BirdSend event.
     */
    public boolean hasAnyTag(Exchange exchange, String names) {
        keepEvent(exchange);
        Object event = exchange.getProperty(EVENT);
        Object tags = event instanceof Map<?, ?> map ? map.get("tags") : null;
        if (!(tags instanceof List<?> list)) {
            return false;
        }
        List<String> wanted = List.of(names.split(",")).stream().map(t -> t.trim().toLowerCase(Locale.ROOT))
                .filter(t -> !t.isEmpty()).toList();
        for (Object tag : list) {
            Object name = tag instanceof Map<?, ?> m ? m.get("name") : tag;
            if (name != null && wanted.contains(name.toString().trim().toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when the BirdSend contact in header {@code contactId} is subscribed (status active): a subscribe call
     * would otherwise re-subscribe a person who unsubscribed.
     */
    public boolean birdSendSubscribed(Exchange exchange) {
        Optional<SyncPair> pair = pair(exchange);
        if (pair.isEmpty()) {
            return false;
        }
        String contactId = exchange.getMessage().getHeader(CONTACT_ID, String.class);
        return birdSend.get(pair.get().birdsendConnection(), contactId)
                .map(c -> "active".equalsIgnoreCase(c.path("status").asText())).orElse(false);
    }

    /**
     * Sets header {@code tagId} to the id of the BirdSend contact's tag named {@code name} (any case); true when the
     * contact has it, false when not (nothing to remove). Reads the contact in header {@code contactId}.
     */
    public boolean birdSendTag(Exchange exchange, String name) {
        Optional<SyncPair> pair = pair(exchange);
        if (pair.isEmpty()) {
            exchange.getMessage().removeHeader("tagId");
            return false;
        }
        String contactId = exchange.getMessage().getHeader(CONTACT_ID, String.class);
        Optional<JsonNode> contact = birdSend.get(pair.get().birdsendConnection(), contactId);
        for (JsonNode tag : contact.map(c -> c.path("tags")).orElse(json.createArrayNode())) {
            if (tag.path("name").asText().equalsIgnoreCase(name.trim())) {
                exchange.getMessage().setHeader("tagId", tag.path("tag_id").asText());
                return true;
            }
        }
        exchange.getMessage().removeHeader("tagId");
        return false;
    }

    /**
     * False for the BirdSend poll's ContactCreated of a contact the bridge had linked before the journal took the event
     * in: the sync created that BirdSend contact itself, as the copy of a contact made in HighLevel, and the poll only
     * found it afterwards. True for every other event, and for a contact linked later (a new BirdSend subscriber: the
     * sync, or linkedContact with create, links it after the poll found it). A contact pulled at once by a BirdSend
     * notification, and so linked before the poll found it, reads as the bridge's too.
     */
    public boolean notCreatedByBridge(Exchange exchange) {
        Optional<SyncPair> pair = pair(exchange);
        if (pair.isEmpty()) {
            return false;
        }
        String source = exchange.getMessage().getHeader(JournalHeaders.EVENT_SOURCE, String.class);
        String type = exchange.getMessage().getHeader(JournalHeaders.EVENT_TYPE, String.class);
        String key = exchange.getMessage().getHeader(JournalHeaders.CONTACT_KEY, String.class);
        String receivedAt = exchange.getMessage().getHeader(JournalHeaders.RECEIVED_AT, String.class);
        if (!"birdsend-poll".equals(source) || !"ContactCreated".equals(type) || key == null || !key.startsWith("birdsend:")
                || receivedAt == null) {
            return true;
        }
        Optional<Instant> linkedAt = links.byBirdSend(pair.get(), key.substring("birdsend:".length()))
                .flatMap(links::createdAt);
        return linkedAt.isEmpty() || !linkedAt.get().isBefore(Instant.parse(receivedAt));
    }

    // --- contact-filter -------------------------------------------------------------------------------

    /**
     * True when the event (a HighLevel contact webhook, ContactDndUpdate among them) says Do Not Disturb is on for
     * {@code channel} (Email, SMS, Call, WhatsApp, GMB, FB, as in HighLevel's {@code dndSettings}): its
     * {@code dndSettings.<channel>.status} is {@code active}, or the contact-wide {@code dnd} is on. Use as a filter
     * after a trigger for ContactDndUpdate, which HighLevel sends when a DND setting changed.
     */
    public boolean dndOn(Exchange exchange, String channel) {
        keepEvent(exchange);
        String status = lookup(exchange, "dndSettings." + channel.trim() + ".status");
        return "active".equalsIgnoreCase(status) || "true".equals(lookup(exchange, "dnd"));
    }

    @SuppressWarnings("unchecked")
    private String lookup(Exchange exchange, String path) {
        switch (path) {
            case "event.type" -> { return exchange.getMessage().getHeader(JournalHeaders.EVENT_TYPE, String.class); }
            case "event.id" -> { return exchange.getMessage().getHeader(JournalHeaders.EVENT_ID, String.class); }
            case "event.source" -> { return exchange.getMessage().getHeader(JournalHeaders.EVENT_SOURCE, String.class); }
            case "event.time" -> { return eventTime(exchange.getMessage().getHeader(JournalHeaders.RECEIVED_AT, String.class)); }
            default -> { }
        }
        Object node = exchange.getProperty(EVENT);
        for (String part : path.split("\\.")) {
            if (!(node instanceof Map<?, ?> map)) {
                node = null;
                break;
            }
            node = ((Map<String, Object>) map).get(part);
        }
        if (node == null && path.equals("name")) {
            return personName(exchange.getProperty(EVENT));
        }
        if (node instanceof List<?> list) {
            List<String> items = list.stream().map(AutomationSteps::itemText).filter(t -> t != null && !t.isBlank()).toList();
            return items.isEmpty() ? null : String.join(", ", items);
        }
        return node == null || node instanceof Map ? null : node.toString();
    }

    /** A list item as text: a tag's or sequence's name (its id when it has none), or the value itself. */
    private static String itemText(Object item) {
        if (item instanceof Map<?, ?> map) {
            for (String key : List.of("name", "sequence_id", "tag_id", "id")) {
                if (map.get(key) != null) {
                    return map.get(key).toString();
                }
            }
            return null;
        }
        return item == null ? null : item.toString();
    }

    /** First and last name of a BirdSend ({@code fields.first_name}) or HighLevel ({@code firstName}) contact, else its email. */
    private static String personName(Object event) {
        if (!(event instanceof Map<?, ?> map)) {
            return null;
        }
        Object fields = map.get("fields");
        Map<?, ?> names = fields instanceof Map<?, ?> f ? f : map;
        String first = text(names.get(fields instanceof Map ? "first_name" : "firstName"));
        String last = text(names.get(fields instanceof Map ? "last_name" : "lastName"));
        String name = (first + " " + last).trim();
        return name.isEmpty() ? text(map.get("email")) : name;
    }

    private static String text(Object value) {
        return value == null || value instanceof Map || value instanceof List ? "" : value.toString().trim();
    }

    /** {@code 2026-12-03 14:55 UTC}, from the journal's ISO-8601 time; empty when there is none. */
    private static String eventTime(String receivedAt) {
        if (receivedAt == null || receivedAt.isBlank()) {
            return null;
        }
        try {
            return EVENT_TIME.format(Instant.parse(receivedAt));
        } catch (DateTimeParseException e) {
            return receivedAt;
        }
    }


    private String asText(Object body) {
        if (body == null || body instanceof String) {
            return (String) body;
        }
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            return body.toString();
        }
    }
}
