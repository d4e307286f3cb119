package io.contactsbridge.sync;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.ops.AdminAnswer;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * The connection pairs' admin endpoints (admin login required, as for all of {@code /api/**}), changes applied at once
 * and seen by the other replicas within {@code bridge.pairs-refresh-ms}:
 * <ul>
 *   <li>{@code GET /api/pairs}: every pair, with its connections, its own mapping's location (null: the bridge's),
 *       whether it is paused and where it comes from.</li>
 *   <li>{@code POST /api/pairs} {@code {"id": "acme", "highlevelConnection": "hl-acme", "birdsendConnection": "bs-acme",
 *       "mapping": "file:/config/acme.yaml"}} adds a pair of two connections the bridge knows, syncing by its own
 *       contact mapping ({@code mapping} optional: without it, the bridge's; {@link PairMappingLoader#requested} says
 *       which locations are taken). 201; 400 saying what is wrong ({@code invalid_mapping} when the mapping is refused,
 *       missing or invalid), with nothing stored; 409 when the id is taken. Its polls start at their next round; its
 *       backfill starts at the next start-up check when {@code bridge.sync.backfill.on-startup} is true, else
 *       {@code POST /api/backfill?pair=acme} runs it.</li>
 *   <li>{@code POST /api/pairs/{id}/pause} and {@code /resume}: while paused, nothing of the pair is polled, synced,
 *       backfilled (a running backfill stops, resumable) or automated; the resume hands the contacts named in the
 *       journal since the pause began to the sync again ({@link PairPause}; {@code contactsHandedOver}), and the polls,
 *       whose cursors waited, find the rest.</li>
 *   <li>{@code DELETE /api/pairs/{id}}: the pair is synced no more (a configured one too, until the configuration drops
 *       it). Its links and cursors stay: adding it again continues where it was.</li>
 * </ul>
 * Route {@code sync-pairs-refresh} reads the changes other replicas made.
 */
@Component
public class PairRoutes extends RouteBuilder {

    private final SyncPairs pairs;
    private final Backfills backfills;
    private final PairPause pause;
    private final ObjectMapper json;

    public PairRoutes(SyncPairs pairs, Backfills backfills, PairPause pause, ObjectMapper json) {
        this.pairs = pairs;
        this.backfills = backfills;
        this.pause = pause;
        this.json = json;
    }

    @Override
    public void configure() {
        from("platform-http:/api/pairs?httpMethodRestrict=GET,POST")
                .routeId("pairs-api")
                .process(this::listOrAdd)
                .process(e -> AdminAnswer.asJson(json, e));
        from("platform-http:/api/pairs/{id}?httpMethodRestrict=GET,DELETE")
                .routeId("pair-api")
                .process(this::oneOrRemove)
                .process(e -> AdminAnswer.asJson(json, e));
        from("platform-http:/api/pairs/{id}/{action}?httpMethodRestrict=POST")
                .routeId("pair-pause-api")
                .process(this::pauseOrResume)
                .process(e -> AdminAnswer.asJson(json, e));
        from("timer:sync-pairs-refresh?period={{bridge.pairs-refresh-ms:5000}}&delay={{bridge.pairs-refresh-ms:5000}}")
                .routeId("sync-pairs-refresh")
                .description("Reads the connections and pairs added, paused and removed through the API, by any replica")
                .bean("apiConnections", "refresh")
                .bean("syncPairs", "refresh");
    }

    private void listOrAdd(Exchange exchange) {
        Message in = exchange.getMessage();
        if (!"POST".equals(in.getHeader(Exchange.HTTP_METHOD, String.class))) {
            List<Map<String, Object>> out = new ArrayList<>();
            pairs.all().forEach((id, pair) -> out.add(describe(id, pair)));
            in.setBody(Map.of("pairs", out));
            return;
        }
        JsonNode request = AdminAnswer.jsonObject(json, in);
        if (request == null) {
            AdminAnswer.error(in, 400, "bad_request", "The body must be a JSON object: {\"id\": \"acme\", \"highlevelConnection\": "
                    + "\"hl-acme\", \"birdsendConnection\": \"bs-acme\"}.");
            return;
        }
        String id = AdminAnswer.text(request, "id");
        JsonNode mapping = request.get("mapping");
        if (mapping != null && !mapping.isNull() && !mapping.isTextual()) {
            AdminAnswer.error(in, 400, "invalid_mapping", "mapping is the location of a contact mapping YAML, e.g. "
                    + "\"file:/config/acme.yaml\", or absent for the bridge's mapping.");
            return;
        }
        try {
            SyncPair pair = pairs.add(id, AdminAnswer.text(request, "highlevelConnection"),
                    AdminAnswer.text(request, "birdsendConnection"), AdminAnswer.text(request, "mapping"));
            in.setHeader(Exchange.HTTP_RESPONSE_CODE, 201);
            in.setBody(describe(id, pair));
        } catch (PairMappingLoader.UnusableMappingException e) {
            AdminAnswer.error(in, 400, "invalid_mapping", e.getMessage() + ".");
        } catch (IllegalArgumentException e) {
            AdminAnswer.error(in, 400, "invalid_pair", e.getMessage() + ".");
        } catch (IllegalStateException e) {
            AdminAnswer.error(in, 409, "pair_exists", e.getMessage() + ".");
        }
    }

    private void oneOrRemove(Exchange exchange) {
        Message in = exchange.getMessage();
        String id = in.getHeader("id", String.class);
        try {
            if ("DELETE".equals(in.getHeader(Exchange.HTTP_METHOD, String.class))) {
                SyncPair pair = pairs.find(id).orElse(null);
                pairs.remove(id);
                backfills.stop(id);
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("id", id);
                out.put("removed", true);
                out.put("highlevelConnection", pair == null ? null : pair.highlevelConnection());
                out.put("birdsendConnection", pair == null ? null : pair.birdsendConnection());
                in.setBody(out);
                return;
            }
            SyncPair pair = pairs.find(id).orElseThrow(() -> new NoSuchElementException("no pair of this bridge is called "
                    + AdminAnswer.abbreviate(id) + "; its pairs are " + pairs.ids()));
            in.setBody(describe(id, pair));
        } catch (NoSuchElementException e) {
            AdminAnswer.error(in, 404, "unknown_pair", e.getMessage() + ".");
        }
    }

    private void pauseOrResume(Exchange exchange) {
        Message in = exchange.getMessage();
        String id = in.getHeader("id", String.class);
        String action = in.getHeader("action", String.class);
        if (!"pause".equals(action) && !"resume".equals(action)) {
            AdminAnswer.error(in, 404, "unknown_action", "POST /api/pairs/<id>/pause or /resume.");
            return;
        }
        try {
            Integer handedOver = null;
            if ("pause".equals(action)) {
                pause.pause(id);
            } else {
                handedOver = pause.resume(id);
            }
            Map<String, Object> out = describe(id, pairs.find(id).orElseThrow());
            if (handedOver != null) {
                out.put("contactsHandedOver", handedOver);
            }
            in.setBody(out);
        } catch (NoSuchElementException e) {
            AdminAnswer.error(in, 404, "unknown_pair", e.getMessage() + ".");
        }
    }

    private Map<String, Object> describe(String id, SyncPair pair) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("highlevelConnection", pair.highlevelConnection());
        out.put("birdsendConnection", pair.birdsendConnection());
        out.put("mapping", pairs.mappingOf(id).map(PairMapping::location).orElse(null));
        out.put("paused", pairs.paused(id));
        out.put("source", pairs.addedAtRunTime(id) ? "api" : "configuration");
        return out;
    }




}
