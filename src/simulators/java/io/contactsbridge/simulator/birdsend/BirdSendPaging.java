package io.contactsbridge.simulator.birdsend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimRequest;

import java.util.List;
import java.util.function.Function;

/**
 * Laravel-style length-aware paging: {@code page} and {@code per_page} in, and the envelope
 * {@code {"data": [...], "meta": {"current_page", "last_page", "per_page", "total"}}} out.
 *
 * <p>{@code per_page} is validated (an integer from 1 to the configured maximum; otherwise 422).
 * {@code page} is not: a missing, non-numeric or non-positive page means page 1, as Laravel's
 * paginator resolves it; a page past the end answers an empty {@code data}.
 */
record BirdSendPaging(int page, int perPage) {

    static BirdSendPaging from(SimRequest request, BirdSendSettings settings, ValidationErrors errors) {
        int page = 1;
        String pageParam = request.query("page");
        if (pageParam != null) {
            try {
                page = Math.max(1, Integer.parseInt(pageParam.trim()));
            } catch (NumberFormatException e) {
                page = 1;
            }
        }
        int perPage = settings.defaultPerPage();
        String perPageParam = request.query("per_page");
        if (perPageParam != null && !perPageParam.isEmpty()) {
            long requested;
            try {
                requested = Long.parseLong(perPageParam.trim());
            } catch (NumberFormatException e) {
                errors.add("per_page", ValidationErrors.integer("per_page"));
                return new BirdSendPaging(page, perPage);
            }
            if (requested < 1) {
                errors.add("per_page", ValidationErrors.atLeast("per_page", 1));
            } else if (requested > settings.maxPerPage()) {
                errors.add("per_page", ValidationErrors.notGreaterThan("per_page", settings.maxPerPage()));
            } else {
                perPage = (int) requested;
            }
        }
        return new BirdSendPaging(page, perPage);
    }

    <T> ObjectNode envelope(List<T> all, Function<T, JsonNode> render, BirdSendSettings settings) {
        long from = offset();
        return envelope(all.size(), all.subList((int) Math.min(all.size(), from), (int) Math.min(all.size(), from + perPage)),
                render, settings);
    }

    /** Index of this page's first item in the whole list. */
    long offset() {
        return (long) (page - 1) * perPage;
    }

    /** The envelope of this page, given its items and the number of items in the whole list. */
    <T> ObjectNode envelope(int total, List<T> pageItems, Function<T, JsonNode> render, BirdSendSettings settings) {
        int lastPage = Math.max(1, (total + perPage - 1) / perPage);
        ObjectNode body = SimJson.object();
        ArrayNode data = body.putArray("data");
        pageItems.forEach(item -> data.add(render.apply(item)));
        ObjectNode meta = body.putObject("meta").put("current_page", page).put("last_page", lastPage);
        if (settings.includeAssumedPagingMeta()) {
            meta.put("per_page", perPage).put("total", total);
        }
        return body;
    }
}
