package io.contactsbridge.sync;

import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * The backfill's admin endpoints (admin login required, as for all of {@code /api/**}):
 * <ul>
 *   <li>{@code POST /api/backfill} starts it (202 with the progress); {@code ?dryRun=true} only reports what it would
 *       create, update and link; {@code ?restart=true} starts over instead of resuming an unfinished run. 409 when a
 *       run is already going.</li>
 *   <li>{@code GET /api/backfill}: the current or last run's progress.</li>
 *   <li>{@code DELETE /api/backfill} stops the running backfill after the contacts in flight (202); it ends as
 *       interrupted and the next start resumes it. 409 when none is running here.</li>
 * </ul>
 * With several pairs, {@code ?pair=<id>} names the pair (400 without it); with one, it may be left out.
 */
@Component
public class BackfillRoutes extends RouteBuilder {

    private final Backfills backfills;
    private final SyncPairs pairs;
    private final ObjectMapper json;

    public BackfillRoutes(Backfills backfills, SyncPairs pairs, ObjectMapper json) {
        this.backfills = backfills;
        this.pairs = pairs;
        this.json = json;
    }

    @Override
    public void configure() {
        from("platform-http:/api/backfill?httpMethodRestrict=GET,POST,DELETE")
                .routeId("backfill-api")
                .process(this::handle)
                // Spring's ObjectMapper (Java time as ISO-8601 text), not the data format's own.
                .process(e -> e.getMessage().setBody(json.writeValueAsString(e.getMessage().getBody())))
                .setHeader(Exchange.CONTENT_TYPE, constant("application/json"));
    }

    private void handle(Exchange exchange) {
        var in = exchange.getMessage();
        String method = in.getHeader(Exchange.HTTP_METHOD, String.class);
        String pairId = in.getHeader("pair", String.class);
        if (pairId == null || pairId.isBlank()) {
            pairId = pairs.single() ? pairs.ids().get(0) : null;
        }
        Backfill backfill = backfills.find(pairId).orElse(null);
        if (backfill == null) {
            in.setHeader(Exchange.HTTP_RESPONSE_CODE, 400);
            in.setBody(Map.of("error", pairId == null ? "missing_pair" : "unknown_pair", "message", (pairId == null
                    ? "This bridge syncs several pairs: name one with ?pair=<id>" : "No pair of this bridge is called "
                    + pairId) + "; its pairs are " + pairs.ids() + "."));
            return;
        }
        if ("DELETE".equals(method)) {
            if (!backfill.cancel()) {
                in.setHeader(Exchange.HTTP_RESPONSE_CODE, 409);
                in.setBody(Map.of("error", "backfill_not_running", "message", "No backfill is running here; nothing to stop."));
                return;
            }
            in.setHeader(Exchange.HTTP_RESPONSE_CODE, 202);
            in.setBody(backfill.snapshot());
            return;
        }
        if (!"POST".equals(method)) {
            in.setBody(backfill.snapshot());
            return;
        }
        Boolean dryRun = flag(in.getHeader("dryRun", String.class));
        Boolean restart = flag(in.getHeader("restart", String.class));
        if (dryRun == null || restart == null) {
            in.setHeader(Exchange.HTTP_RESPONSE_CODE, 400);
            in.setBody(Map.of("error", "bad_parameter", "message", "dryRun and restart take true or false"));
            return;
        }
        var started = backfill.start(dryRun, restart);
        if (started.isEmpty()) {
            in.setHeader(Exchange.HTTP_RESPONSE_CODE, 409);
            in.setBody(Map.of("error", "backfill_running",
                    "message", "A backfill is already running (here or on another replica); GET /api/backfill shows its progress.",
                    "progress", backfill.snapshot()));
            return;
        }
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, 202);
        in.setBody(started.get());
    }

    /** "true"/"false" (or absent: false); null for anything else. */
    private static Boolean flag(String value) {
        if (value == null || value.isBlank() || value.equalsIgnoreCase("false")) {
            return Boolean.FALSE;
        }
        return value.equalsIgnoreCase("true") ? Boolean.TRUE : null;
    }
}
