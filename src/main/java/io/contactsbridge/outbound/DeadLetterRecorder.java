package io.contactsbridge.outbound;

import java.io.InputStream;
import java.time.Clock;
import java.time.temporal.TemporalAccessor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.JournalHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Message;
import org.apache.camel.StreamCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The end of the {@code bridge-dead-letter} channel ({@code bean:deadLetterRecorder?method=record}):
 * stores the original message with why and where it failed. Keeps only headers with plain values
 * whose names do not look like credentials; Authorization never reaches the outbound caller's
 * message anyway, this is for headers a route's source brought along.
 */
@Component("deadLetterRecorder")
public class DeadLetterRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterRecorder.class);
    private static final Pattern SENSITIVE =
            Pattern.compile("(?i).*(authorization|cookie|token|secret|password|passwd|signature|api[-_]?key|credential).*");
    private static final int MAX_HEADER_VALUE = 1000;
    /** The exchange property a replay ({@link DeadLetterReplay}) sets on its exchange: the letter's id. */
    public static final String REPLAY_OF = "BridgeDeadLetterReplayOf";
    /** Set here when a replay's exchange fails again: the error, which the replay records on its letter. */
    public static final String REPLAY_FAILURE = "BridgeDeadLetterReplayFailure";
    /**
     * Exchange property a route sets to have its letters replayed by delivering the stored message to its own start
     * again (whatever its source, a trigger Kamelet over the journal among them), with this route id: an automation
     * ({@code AutomationSteps}). The letter is stored under that route, not under the action Kamelet's route that
     * failed inside it, and keeps the route in header {@value #REPLAY_INTO_HEADER}.
     */
    public static final String REPLAY_INTO = "BridgeDeadLetterReplayInto";
    /**
     * With {@link #REPLAY_INTO}: the message (a {@link Message} copy) as the route started with it, stored instead of
     * the failed step's. A Kamelet action runs in a unit of work of its own, so the "original message" of the dead
     * letter channel is the action's request, not the route's event.
     */
    public static final String REPLAY_MESSAGE = "BridgeDeadLetterReplayMessage";
    /** The letter header naming the route a replay delivers the message to (see {@link #REPLAY_INTO}). */
    public static final String REPLAY_INTO_HEADER = "BridgeReplayInto";

    private final DeadLetterStore store;
    private final ObjectMapper json;
    private final Clock clock;

    public DeadLetterRecorder(DeadLetterStore store, ObjectMapper json, Clock clock) {
        this.store = store;
        this.json = json;
        this.clock = clock;
    }

    public DeadLetter record(Exchange exchange) {
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Message m = exchange.getMessage();
        if (exchange.getProperty(REPLAY_OF) != null) {
            // A replay failed again: not a second letter; the replay reports it on the one it replays.
            exchange.setProperty(REPLAY_FAILURE, error != null ? error : new IllegalStateException("failed without an error"));
            return null;
        }
        Long queuedReplay = DeadLetterReplay.replayedLetterId(m.getHeader(JournalHeaders.EVENT_ID, String.class));
        if (queuedReplay != null) {
            // A replay handed to the live sync as a journal event failed there: the letter it replays is open again.
            store.failedAgain(queuedReplay, error == null ? "unknown" : error.getClass().getName(),
                    error == null ? null : error.getMessage(), clock.instant(), false);
            LOG.warn("Dead letter {} open again: its replay failed in route {}: {}", queuedReplay,
                    exchange.getProperty(ExchangePropertyKey.FAILURE_ROUTE_ID, String.class),
                    error == null ? null : error.getMessage());
            return store.get(queuedReplay).orElse(null);
        }
        UpstreamApiException upstream = upstreamCause(error);
        String replayInto = exchange.getProperty(REPLAY_INTO, String.class);
        Message started = exchange.getProperty(REPLAY_MESSAGE, Message.class);
        String routeId = replayInto != null ? replayInto : exchange.getProperty(ExchangePropertyKey.FAILURE_ROUTE_ID, String.class);
        // The failed call's own operation and connection first: headers can be a previous call's.
        String operation = firstNonNull(upstream == null ? null : upstream.operation(),
                m.getHeader(OutboundHeaders.OPERATION, String.class));
        String connection = firstNonNull(upstream == null ? null : upstream.connectionId(),
                m.getHeader(OutboundHeaders.CONNECTION_ID, String.class));
        if (replayInto != null && started != null) {
            m = started;
        }
        Map<String, String> headers = safeHeaders(m.getHeaders());
        if (replayInto != null) {
            headers.put(REPLAY_INTO_HEADER, replayInto);
        }
        DeadLetter letter = store.record(new DeadLetter(null,
                routeId != null ? routeId : String.valueOf(exchange.getFromRouteId()),
                operation,
                connection,
                bodyText(m),
                headers,
                error == null ? "unknown" : error.getClass().getName(),
                error == null ? null : error.getMessage(),
                clock.instant(),
                exchange.getProperty(DeadLetterPolicy.REDELIVERIES, 0, Integer.class) + 1));
        if (error == null || error.getClass().getName().startsWith("io.contactsbridge.")) {
            LOG.warn("Dead letter {} stored: route {} gave up after {} attempt(s): {}", letter.id(), letter.routeId(),
                    letter.attempts(), letter.errorMessage());
        } else {
            // Not one of the bridge's own errors (whose messages say what went wrong): the stack trace may be needed.
            LOG.warn("Dead letter {} stored: route {} gave up after {} attempt(s): {}", letter.id(), letter.routeId(),
                    letter.attempts(), letter.errorMessage(), error);
        }
        return letter;
    }

    static Map<String, String> safeHeaders(Map<String, Object> headers) {
        Map<String, String> out = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (value == null || SENSITIVE.matcher(name).matches() || !isPlain(value)) {
                return;
            }
            String text = String.valueOf(value);
            out.put(name, text.length() <= MAX_HEADER_VALUE ? text : text.substring(0, MAX_HEADER_VALUE));
        });
        return out;
    }

    private static boolean isPlain(Object value) {
        return value instanceof CharSequence || value instanceof Number || value instanceof Boolean
                || value instanceof Character || value instanceof Enum<?> || value instanceof TemporalAccessor;
    }

    private String bodyText(Message m) {
        Object body = m.getBody();
        if (body == null) {
            return null;
        }
        if (body instanceof CharSequence || body instanceof byte[] || body instanceof InputStream || body instanceof StreamCache) {
            return m.getBody(String.class);
        }
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            return String.valueOf(body);
        }
    }

    private static UpstreamApiException upstreamCause(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof UpstreamApiException u) {
                return u;
            }
        }
        return null;
    }

    private static String firstNonNull(String a, String b) {
        return a != null ? a : b;
    }
}
