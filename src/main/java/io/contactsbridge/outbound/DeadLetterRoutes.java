package io.contactsbridge.outbound;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.ops.AdminQuery;
import io.contactsbridge.ops.AdminQuery.BadRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * The dead letters' admin endpoints (admin login required, as for all of {@code /api/**}; a browser session needs the
 * CSRF token for POST and DELETE, a script with Basic credentials does not):
 * <ul>
 *   <li>{@code GET /api/dead-letters}: newest (highest id) first, without payloads. Filters: {@code connection},
 *       {@code route}, {@code errorClass} (full or simple class name), {@code since} / {@code until} (ISO-8601
 *       instants, on the last failure), {@code state} ({@code open} by default, {@code replaying}, {@code replayed},
 *       {@code discarded}, comma-separated, or {@code all}); {@code limit} (default 50, at most 500) and the cursor
 *       {@code before} (the answer's {@code nextBefore}).</li>
 *   <li>{@code GET /api/dead-letters/{id}}: one letter with its payload, headers, error, attempts, first and last
 *       failure and its replays.</li>
 *   <li>{@code POST /api/dead-letters/{id}/replay}: replays it once ({@link DeadLetterReplay}); a letter replayed
 *       before answers with the outcome recorded then and runs nothing.</li>
 *   <li>{@code POST /api/dead-letters/replay}: replays many, one after the other: {@code {"ids": [..]}}, or open letters
 *       by the list's filters ({@code {"route": .., "since": .., "limit": ..}}; at least one filter).</li>
 *   <li>{@code DELETE /api/dead-letters/{id}}: discards it: kept as {@code discarded} (for the record), hidden from
 *       the list unless asked for, never replayed.</li>
 * </ul>
 * Query parameters are read as {@link AdminQuery} reads them.
 */
@Component
public class DeadLetterRoutes extends RouteBuilder {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    private static final Set<String> LIST_PARAMETERS =
            Set.of("connection", "route", "errorClass", "since", "until", "state", "limit", "before");
    private static final Set<String> BULK_FIELDS = Set.of("ids", "connection", "route", "errorClass", "since", "until", "limit");

    private final DeadLetterStore store;
    private final DeadLetterReplay replay;
    private final ObjectMapper json;
    private final java.time.Clock clock;

    public DeadLetterRoutes(DeadLetterStore store, DeadLetterReplay replay, ObjectMapper json, java.time.Clock clock) {
        this.store = store;
        this.replay = replay;
        this.json = json;
        this.clock = clock;
    }

    @Override
    public void configure() {
        from("platform-http:/api/dead-letters?httpMethodRestrict=GET")
                .routeId("dead-letters-api")
                .process(this::list)
                .process(this::asJson);
        from("platform-http:/api/dead-letters/replay?httpMethodRestrict=POST")
                .routeId("dead-letters-replay-api")
                .process(this::replayMany)
                .process(this::asJson);
        from("platform-http:/api/dead-letters/{id}?httpMethodRestrict=GET,DELETE")
                .routeId("dead-letter-api")
                .process(this::one)
                .process(this::asJson);
        from("platform-http:/api/dead-letters/{id}/replay?httpMethodRestrict=POST")
                .routeId("dead-letter-replay-api")
                .process(this::replayOne)
                .process(this::asJson);
    }

    private void list(Exchange exchange) {
        Message in = exchange.getMessage();
        try {
            Map<String, String> q = AdminQuery.of(in);
            DeadLetterFilter filter = filter(q, LIST_PARAMETERS, "query parameter");
            int limit = limit(q.get("limit"));
            List<DeadLetterEntry> page = store.find(filter, limit + 1);
            boolean more = page.size() > limit;
            List<Map<String, Object>> letters = new ArrayList<>();
            page.stream().limit(limit).forEach(e -> letters.add(summary(e)));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("deadLetters", letters);
            out.put("nextBefore", more ? page.get(limit - 1).id() : null);
            in.setBody(out);
        } catch (BadRequest e) {
            badRequest(in, e.getMessage());
        }
    }

    private void one(Exchange exchange) {
        Message in = exchange.getMessage();
        Long id = id(in);
        if (id == null) {
            return;
        }
        if ("DELETE".equals(in.getHeader(Exchange.HTTP_METHOD, String.class))) {
            var existing = store.entry(id);
            if (existing.isPresent() && !store.discard(id, clock.instant())
                    && !DeadLetterEntry.DISCARDED.equals(existing.get().state())) {
                // Replayed (or being replayed): the record of what was done stays as it is.
                in.setHeader(Exchange.HTTP_RESPONSE_CODE, 409);
                in.setBody(Map.of("error", "not_open", "message", "Dead letter " + id + " is " + existing.get().state()
                        + ", not open; only open letters can be discarded."));
                return;
            }
        }
        store.entry(id).ifPresentOrElse(e -> in.setBody(detail(e)), () -> notFound(in, id));
    }

    private void replayOne(Exchange exchange) {
        Message in = exchange.getMessage();
        Long id = id(in);
        if (id == null) {
            return;
        }
        DeadLetterReplay.Result result = replay.replay(id);
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, switch (result.outcome()) {
            case SUCCEEDED, FAILED, ALREADY_REPLAYED -> 200;
            case QUEUED -> 202;
            case NOT_FOUND -> 404;
            case IN_PROGRESS, DISCARDED, NOT_REPLAYABLE -> 409;
        });
        in.setBody(result(result));
    }

    private void replayMany(Exchange exchange) {
        Message in = exchange.getMessage();
        try {
            String body = in.getBody(String.class);
            JsonNode request;
            try {
                request = body == null || body.isBlank() ? null : json.readTree(body);
            } catch (JsonProcessingException e) {
                throw new BadRequest("The body is not JSON: " + e.getOriginalMessage());
            }
            if (request == null || !request.isObject()) {
                throw new BadRequest("Send a JSON object: {\"ids\": [1, 2]} or filters such as {\"route\": \"contact-sync\"}.");
            }
            List<Long> ids = new ArrayList<>();
            if (request.has("ids")) {
                if (request.size() > 1) {
                    throw new BadRequest("Give either ids or filters, not both.");
                }
                JsonNode list = request.get("ids");
                if (!list.isArray() || list.isEmpty() || list.size() > MAX_LIMIT) {
                    throw new BadRequest("ids must be a list of 1 to " + MAX_LIMIT + " dead-letter ids.");
                }
                for (JsonNode n : list) {
                    if (!n.canConvertToLong() || !n.isIntegralNumber()) {
                        throw new BadRequest("ids must be numbers; got " + n);
                    }
                    ids.add(n.asLong());
                }
            } else {
                Map<String, String> fields = new TreeMap<>();
                request.fields().forEachRemaining(f -> fields.put(f.getKey(), f.getValue().isValueNode()
                        ? f.getValue().asText() : f.getValue().toString()));
                DeadLetterFilter filter = filter(fields, BULK_FIELDS, "field");
                if (!filter.narrowed()) {
                    throw new BadRequest("Give ids, or at least one of connection, route, errorClass, since, until: "
                            + "replaying every open letter at once is not offered.");
                }
                store.find(new DeadLetterFilter(filter.connection(), filter.route(), filter.errorClass(), filter.since(),
                        filter.until(), List.of(DeadLetterEntry.OPEN), null), limit(fields.get("limit")))
                        .forEach(e -> ids.add(e.id()));
            }
            List<Map<String, Object>> results = new ArrayList<>();
            Map<String, Integer> counts = new TreeMap<>();
            for (DeadLetterReplay.Result r : replay.replayAll(ids)) {
                results.add(result(r));
                counts.merge(r.outcome().key(), 1, Integer::sum);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("counts", counts);
            out.put("results", results);
            in.setBody(out);
        } catch (BadRequest e) {
            badRequest(in, e.getMessage());
        }
    }

    private DeadLetterFilter filter(Map<String, String> q, Set<String> known, String what) {
        AdminQuery.requireKnown(q, known, what);
        Instant since = instant("since", q.get("since"));
        Instant until = instant("until", q.get("until"));
        if (since != null && until != null && !since.isBefore(until)) {
            throw new BadRequest("since (" + since + ") must be before until (" + until + ").");
        }
        List<String> states;
        String state = AdminQuery.blankToNull(q.get("state"));
        if (state == null) {
            states = List.of(DeadLetterEntry.OPEN);
        } else if (state.equals("all")) {
            states = DeadLetterEntry.STATES;
        } else {
            states = new ArrayList<>();
            for (String s : state.split(",")) {
                if (!DeadLetterEntry.STATES.contains(s.trim())) {
                    throw new BadRequest("Unknown state '" + s.trim() + "'; the states are "
                            + String.join(", ", DeadLetterEntry.STATES) + " (comma-separated), or all.");
                }
                states.add(s.trim());
            }
        }
        Long before = null;
        if (AdminQuery.blankToNull(q.get("before")) != null) {
            try {
                before = Long.parseLong(q.get("before").trim());
            } catch (NumberFormatException e) {
                throw new BadRequest("before must be a dead-letter id (the nextBefore of the previous page); got '"
                        + q.get("before") + "'.");
            }
        }
        return new DeadLetterFilter(AdminQuery.blankToNull(q.get("connection")), AdminQuery.blankToNull(q.get("route")),
                AdminQuery.blankToNull(q.get("errorClass")), since, until, states, before);
    }

    private static int limit(String value) {
        if (AdminQuery.blankToNull(value) == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(value.trim());
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new BadRequest("limit must be a whole number from 1 to " + MAX_LIMIT + "; got '" + value + "'.");
    }

    private static Instant instant(String name, String value) {
        if (AdminQuery.blankToNull(value) == null) {
            return null;
        }
        try {
            return Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw new BadRequest(name + " must be an ISO-8601 instant such as 2026-01-31T09:00:00Z; got '" + value + "'.");
        }
    }

    /** The path's id, or null after answering 400. */
    private static Long id(Message in) {
        String id = in.getHeader("id", String.class);
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            badRequest(in, "A dead letter's id is a number; got '" + id + "'.");
            return null;
        }
    }


    private static Map<String, Object> summary(DeadLetterEntry e) {
        DeadLetter l = e.letter();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", l.id());
        m.put("state", e.state());
        m.put("route", l.routeId());
        m.put("operation", l.operation());
        m.put("connection", l.connectionId());
        m.put("errorClass", l.errorClass());
        m.put("errorMessage", l.errorMessage());
        m.put("attempts", l.attempts());
        m.put("firstFailedAt", e.firstFailedAt());
        m.put("lastFailedAt", l.failedAt());
        m.put("replayAttempts", e.replayAttempts());
        m.put("lastReplayOutcome", e.lastReplayOutcome());
        m.put("lastReplayError", e.lastReplayError());
        m.put("replayedAt", e.replayedAt());
        m.put("discardedAt", e.discardedAt());
        return m;
    }

    private static Map<String, Object> detail(DeadLetterEntry e) {
        Map<String, Object> m = summary(e);
        m.put("payload", e.letter().body());
        m.put("headers", e.letter().headers());
        m.put("replays", e.replays());
        return m;
    }

    private static Map<String, Object> result(DeadLetterReplay.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("outcome", r.outcome().key());
        m.put("state", r.state());
        m.put("recordedOutcome", r.recordedOutcome());
        m.put("detail", r.detail());
        return m;
    }

    private static void notFound(Message in, long id) {
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, 404);
        in.setBody(Map.of("error", "not_found", "message", "No dead letter " + id + "."));
    }

    private static void badRequest(Message in, String message) {
        in.setBody(AdminQuery.badRequest(in, message));
    }


    /** Spring's ObjectMapper (Java time as ISO-8601 text), not the data format's own. */
    private void asJson(Exchange e) throws JsonProcessingException {
        io.contactsbridge.ops.AdminAnswer.asJson(json, e);
    }
}
