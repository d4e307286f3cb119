package io.contactsbridge.outbound;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.journal.AppendResult;
import io.contactsbridge.journal.ContactKeys;
import io.contactsbridge.journal.JournalHeaders;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.journal.JournalStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Replays dead letters, once each: the letter is claimed in the database first ({@link DeadLetterStore#claim}), so
 * two concurrent replays of one letter (two admins, two replicas) run it once; a letter already replayed answers with
 * the outcome recorded then and runs nothing. Each replay runs one time, and its outcome is recorded on the letter:
 * nothing here retries in a loop (the route replayed keeps its own error handling, as for any message).
 *
 * <p>How a letter is replayed depends on what it is about:
 * <ul>
 *   <li><b>A contact of the live sync</b> (it carries the journal consumer's headers, {@link JournalHeaders}: the sync
 *       refused by a service) <b>or of the backfill</b> (route {@code backfill}, body the item key {@code b:<id>} /
 *       {@code h:<id>}): handed to the live sync as one journal event, as the backfill hands over an item
 *       ({@code Backfill.handOver}): source {@value JournalSources#BACKFILL}, type {@code ContactChanged}, keyed by the
 *       contact, which the sync then syncs with both sides' CURRENT data (the stored payload may be stale), trying
 *       again a write it remembers as refused ({@code RefusalStore}): the replay is a person's request to try again
 *       after fixing the cause. The event id is {@code dead-letter-<id>-r<replay number>}, so a hand-over repeated
 *       for the same replay (a replica died before recording it) is the journal's duplicate, not a second event. The
 *       outcome is {@code queued}; when the sync has done it, the letter's outcome becomes {@code succeeded}; should the
 *       sync fail on it again (a refusal), the recorder opens this letter again with the new error instead of storing
 *       a second one, and the next replay is a new event. A sync letter about a contact known only by email (a
 *       BirdSend notification) goes back as its original event (source, type, payload) with an event id of the same
 *       form; that one is an ordinary event to the sync (a write remembered as refused is not sent again unchanged)
 *       and its letter keeps {@code queued}.</li>
 *   <li><b>A route's message</b> (routes with the {@code bridge-dead-letter} configuration): re-sent with its stored
 *       body (as text) and safe headers to the failed route's own input, when that route is in the CamelContext and
 *       starts from {@code direct:} or {@code seda:} (waited for). {@code succeeded} when the route completes;
 *       {@code failed} with the error when it fails again (the recorder then reports to the replay rather than
 *       storing a second letter).</li>
 *   <li><b>An automation's event</b> (letters with header {@value DeadLetterRecorder#REPLAY_INTO_HEADER}): delivered
 *       to the automation route's start again with its stored headers (the journal event's) and body; the effects it
 *       did before failing are skipped ({@code automation.once}), the rest done. {@code succeeded} or
 *       {@code failed} as for a route's message.</li>
 *   <li>Anything else (a route gone, or one that starts from a timer, a poll or HTTP) cannot be replayed: answered so,
 *       and the letter is left as it is.</li>
 * </ul>
 */
@Component
public class DeadLetterReplay {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterReplay.class);
    /** The event id of a replay handed to the live sync. */
    static final String EVENT_ID_PREFIX = "dead-letter-";
    private static final Pattern EVENT_ID = Pattern.compile(Pattern.quote(EVENT_ID_PREFIX) + "(\\d{1,18})-r\\d{1,9}");
    /** The backfill's item keys ({@code BackfillListingStore.key}): BirdSend ids zero-padded. */
    private static final Pattern BACKFILL_ITEM = Pattern.compile("([bh]):(.+)");
    public static final String REPLAYS_METER = "bridge.deadletters.replays";
    static final String CONTACT_CHANGED = "ContactChanged";
    /** The payload field of a hand-over that names the letter it replays. */
    public static final String REPLAY_MARK = "deadLetter";

    /** What a replay request came to. */
    public enum Outcome {
        /** Ran and went through. */
        SUCCEEDED,
        /** Handed to the live sync (a journal event). */
        QUEUED,
        /** Ran and failed again; the letter is open with the new error. */
        FAILED,
        /** Replayed before: nothing ran; {@code detail} has the outcome recorded then. */
        ALREADY_REPLAYED,
        /** Another replay holds the letter right now: nothing ran. */
        IN_PROGRESS,
        /** Discarded: nothing ran. */
        DISCARDED,
        /** The letter cannot be replayed (see detail); it is left open. */
        NOT_REPLAYABLE,
        NOT_FOUND;

        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * The answer for one letter.
     *
     * @param recordedOutcome the letter's last replay outcome as recorded ({@code succeeded}, {@code queued},
     *                        {@code failed} or null)
     */
    public record Result(long id, Outcome outcome, String state, String recordedOutcome, String detail) {
    }

    private final DeadLetterStore store;
    private final JournalStore journal;
    private final CamelContext camel;
    private final ProducerTemplate producer;
    private final ObjectMapper json;
    private final Clock clock;
    private final Duration claimFor;
    private final MeterRegistry registry;

    public DeadLetterReplay(DeadLetterStore store, JournalStore journal, CamelContext camel, ObjectMapper json,
                            Clock clock, MeterRegistry registry,
                            @Value("${bridge.dead-letter.replay-claim:5m}") Duration claimFor) {
        this.store = store;
        this.journal = journal;
        this.camel = camel;
        this.producer = camel.createProducerTemplate();
        this.json = json;
        this.clock = clock;
        this.claimFor = claimFor;
        this.registry = registry;
    }

    /** The letter a journal event replays, from its event id; null for every other event. */
    public static Long replayedLetterId(String eventId) {
        if (eventId == null) {
            return null;
        }
        Matcher m = EVENT_ID.matcher(eventId);
        return m.matches() ? Long.valueOf(m.group(1)) : null;
    }

    /** Replays one letter (see the class comment). */
    public Result replay(long id) {
        Optional<DeadLetterEntry> found = store.entry(id);
        if (found.isEmpty()) {
            return new Result(id, Outcome.NOT_FOUND, null, null, "No dead letter " + id + ".");
        }
        DeadLetterEntry entry = found.get();
        Optional<Result> settled = settled(entry);
        if (settled.isPresent()) {
            return settled.get();
        }
        Plan plan;
        try {
            plan = plan(entry);
        } catch (NotReplayable e) {
            return new Result(id, Outcome.NOT_REPLAYABLE, entry.state(), entry.lastReplayOutcome(), e.getMessage());
        }
        if (!store.claim(id, clock.instant(), claimFor)) {
            // Another replay got there first: it is running, or it finished between the read and the claim.
            DeadLetterEntry now = store.entry(id).orElse(entry);
            return settled(now).orElse(new Result(id, Outcome.IN_PROGRESS, now.state(), now.lastReplayOutcome(),
                    "Another replay of this letter is running."));
        }
        Outcome outcome;
        String detail;
        try {
            detail = plan.run();
            outcome = plan.queues() ? Outcome.QUEUED : Outcome.SUCCEEDED;
            store.replayed(id, outcome.key(), detail, clock.instant());
            LOG.info("Dead letter {} replayed ({}): {}", id, outcome.key(), detail);
        } catch (ReplayFailed e) {
            Throwable cause = e.getCause();
            outcome = Outcome.FAILED;
            detail = cause.getClass().getName() + ": " + cause.getMessage();
            store.failedAgain(id, cause.getClass().getName(), cause.getMessage(), clock.instant(), true);
            LOG.warn("Dead letter {} replayed and failed again: {}", id, cause.getMessage());
        } catch (RuntimeException e) {
            // Could not start or record it (the store failing): the claim goes back, the letter stays as it was.
            store.release(id);
            throw e;
        }
        Counter.builder(REPLAYS_METER).description("Dead-letter replays run, by outcome").tag("outcome", outcome.key())
                .register(registry).increment();
        DeadLetterEntry after = store.entry(id).orElse(entry);
        return new Result(id, outcome, after.state(), after.lastReplayOutcome(), detail);
    }

    /** Replays each, one after the other, in the order given. */
    public List<Result> replayAll(List<Long> ids) {
        List<Result> results = new ArrayList<>();
        for (long id : ids) {
            results.add(replay(id));
        }
        return results;
    }

    /** The answer for a letter nothing should run for: replayed, or discarded. */
    private static Optional<Result> settled(DeadLetterEntry e) {
        if (DeadLetterEntry.REPLAYED.equals(e.state())) {
            return Optional.of(new Result(e.id(), Outcome.ALREADY_REPLAYED, e.state(), e.lastReplayOutcome(),
                    "Replayed at " + e.replayedAt() + " (" + e.lastReplayOutcome() + "); not run again."));
        }
        if (DeadLetterEntry.DISCARDED.equals(e.state())) {
            return Optional.of(new Result(e.id(), Outcome.DISCARDED, e.state(), e.lastReplayOutcome(),
                    "Discarded at " + e.discardedAt() + "; not replayed."));
        }
        return Optional.empty();
    }

    /** How this letter is replayed, or {@link NotReplayable} saying why it cannot be. */
    private Plan plan(DeadLetterEntry entry) {
        DeadLetter letter = entry.letter();
        Map<String, String> headers = letter.headers();
        String into = headers.get(DeadLetterRecorder.REPLAY_INTO_HEADER);
        if (into != null) {
            return redeliverPlan(letter, into);
        }
        String contactKey = headers.get(JournalHeaders.CONTACT_KEY);
        if (headers.containsKey(JournalHeaders.EVENT_SOURCE) && contactKey != null) {
            if (contactKey.startsWith("birdsend:") || contactKey.startsWith("highlevel:")) {
                return handOver(entry, contactKey);
            }
            String source = headers.get(JournalHeaders.EVENT_SOURCE);
            String type = headers.getOrDefault(JournalHeaders.EVENT_TYPE, CONTACT_CHANGED);
            String payload = letter.body() == null || letter.body().isBlank() ? "{}" : letter.body();
            return new Plan(true, () -> append(source, type, eventId(entry), contactKey, payload, connectionOf(letter)));
        }
        if ("backfill".equals(letter.routeId())) {
            Matcher item = BACKFILL_ITEM.matcher(letter.body() == null ? "" : letter.body());
            if (!item.matches()) {
                throw new NotReplayable("This backfill letter does not name a contact (its body should be the item key, "
                        + "b:<BirdSend id> or h:<HighLevel id>).");
            }
            return handOver(entry, item.group(1).equals("b") ? ContactKeys.birdSend(unpad(item.group(2)))
                    : ContactKeys.highLevel(item.group(2)));
        }
        Route route = camel.getRoute(letter.routeId());
        if (route == null) {
            throw new NotReplayable("Route " + letter.routeId() + " is not in this bridge (removed or renamed), so there "
                    + "is nothing to replay it to; discard it if it is no longer needed.");
        }
        Endpoint input = route.getEndpoint();
        String uri = input.getEndpointUri();
        if (!uri.startsWith("direct:") && !uri.startsWith("seda:")) {
            throw new NotReplayable("Route " + letter.routeId() + " starts from " + uri.replaceAll("\\?.*", "")
                    + ", which cannot be handed a message; only routes starting from direct: or seda: can be replayed.");
        }
        return new Plan(false, () -> send(letter, input));
    }

    /**
     * A letter of a route that asked to be replayed into itself ({@link DeadLetterRecorder#REPLAY_INTO}, an
     * automation): its stored event goes to the route's start again, through the route's consumer, so it runs as
     * when the trigger delivered it (a JSON object body as the Map the trigger gives).
     */
    private Plan redeliverPlan(DeadLetter letter, String routeId) {
        Route route = camel.getRoute(routeId);
        if (route == null) {
            throw new NotReplayable("Route " + routeId + " is not in this bridge (removed or renamed), so there "
                    + "is nothing to replay it to; discard it if it is no longer needed.");
        }
        if (route.getConsumer() == null || !camel.getRouteController().getRouteStatus(routeId).isStarted()) {
            throw new NotReplayable("Route " + routeId + " is not running (an automation switched off?); start it, "
                    + "then replay.");
        }
        return new Plan(false, () -> redeliver(letter, route));
    }

    private String redeliver(DeadLetter letter, Route route) {
        // Made by the route's consumer, as the trigger's own are: from route and endpoint set (automation.once keys by
        // the from route).
        Exchange exchange = route.getConsumer().createExchange(false);
        Map<String, Object> headers = new java.util.HashMap<>(letter.headers());
        headers.remove(DeadLetterRecorder.REPLAY_INTO_HEADER);
        exchange.getMessage().setHeaders(headers);
        exchange.getMessage().setBody(eventBody(letter.body()));
        exchange.setProperty(DeadLetterRecorder.REPLAY_OF, letter.id());
        try {
            route.getConsumer().getProcessor().process(exchange);
        } catch (Exception e) {
            exchange.setException(e);
        }
        throwIfFailed(exchange);
        return "delivered again to route " + route.getRouteId();
    }

    /** The stored body as the trigger delivered it: a JSON object as a Map, anything else as the text. */
    private Object eventBody(String body) {
        if (body != null && body.stripLeading().startsWith("{")) {
            try {
                return json.readValue(body, java.util.LinkedHashMap.class);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                // not JSON after all: as stored
            }
        }
        return body;
    }

    private Plan handOver(DeadLetterEntry entry, String contactKey) {
        ObjectNode payload = json.createObjectNode();
        String id = contactKey.substring(contactKey.indexOf(':') + 1);
        payload.put(contactKey.startsWith("birdsend:") ? "birdsendId" : "highlevelId", id);
        // Read by the sync: a replay tries again a write it remembers as refused.
        payload.put(REPLAY_MARK, entry.id());
        return new Plan(true, () -> append(JournalSources.BACKFILL, CONTACT_CHANGED, eventId(entry), contactKey,
                payload.toString(), connectionOf(entry.letter())));
    }

    /** The journal event id of this letter's next replay. */
    static String eventId(DeadLetterEntry entry) {
        return EVENT_ID_PREFIX + entry.id() + "-r" + (entry.replayAttempts() + 1);
    }

    /** The connection the letter's event came from, else the one its failed call went to: either names its pair. */
    private static String connectionOf(DeadLetter letter) {
        String recorded = letter.headers().get(JournalHeaders.CONNECTION_ID);
        return recorded != null ? recorded : letter.connectionId();
    }

    private String append(String source, String type, String eventId, String contactKey, String payload,
                          String connectionId) {
        AppendResult appended = journal.append(source, type, eventId, contactKey, payload, connectionId);
        return "handed to the live sync as journal event " + source + "/" + eventId + " about " + contactKey
                + (appended == AppendResult.DUPLICATE ? " (already in the journal)" : "");
    }

    private String send(DeadLetter letter, Endpoint input) {
        Exchange done = producer.send(input, ExchangePattern.InOut, e -> {
            e.getMessage().setHeaders(new java.util.HashMap<>(letter.headers()));
            e.getMessage().setBody(letter.body());
            e.setProperty(DeadLetterRecorder.REPLAY_OF, letter.id());
        });
        throwIfFailed(done);
        return "re-sent to " + input.getEndpointUri().replaceAll("\\?.*", "") + " (route " + letter.routeId() + ")";
    }

    /** A replayed exchange failed when it ended with an exception or the error handler recorded the failure on it. */
    private static void throwIfFailed(Exchange done) {
        Throwable failure = done.getException() != null ? done.getException()
                : done.getProperty(DeadLetterRecorder.REPLAY_FAILURE, Throwable.class);
        if (failure != null) {
            throw new ReplayFailed(failure);
        }
    }

    /** BirdSend ids as the backfill keys them, zero-padded to 20 digits: the id without the padding. */
    private static String unpad(String padded) {
        return padded.replaceFirst("^0+(?=.)", "");
    }

    /** A replay to run: {@code run} answers what it did, or throws {@link ReplayFailed}. */
    private record Plan(boolean queues, java.util.function.Supplier<String> action) {
        String run() {
            return action.get();
        }
    }

    private static final class NotReplayable extends RuntimeException {
        NotReplayable(String message) {
            super(message, null, false, false);
        }
    }

    /** The replayed message failed again (the cause). */
    private static final class ReplayFailed extends RuntimeException {
        ReplayFailed(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }
}
