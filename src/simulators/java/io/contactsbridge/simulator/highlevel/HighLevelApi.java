package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.highlevel.BodyRules.Type;
import io.contactsbridge.simulator.sim.SimHandler;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimRequest;
import io.contactsbridge.simulator.sim.SimResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The simulated operations: the 32 of contacts.json, the 5 of businesses.json and 4 look-ups of
 * locations.json, each registered under its spec operationId (so call counts, faults and the
 * contract test speak the same names) with the scope Scopes.md and the spec require.
 *
 * <p>Envelopes and spellings follow the spec exactly, quirks included: {@code succeded},
 * {@code buiseness}, 201 on creates (contact, task, note, tags, followers, campaign, bulk tags,
 * business) but 200 on upsert and on adding to a workflow, JSON bodies on DELETE for tags,
 * followers and workflows. The bulk endpoints declare no security in the spec; the simulator asks
 * for {@code contacts.write}, the scope of every other contact write.
 */
final class HighLevelApi {

    static final String READ = "contacts.readonly";
    static final String WRITE = "contacts.write";
    static final String BUSINESSES_READ = "businesses.readonly";
    static final String BUSINESSES_WRITE = "businesses.write";
    static final String CUSTOM_FIELDS_READ = "locations/customFields.readonly";
    static final String TAGS_READ = "locations/tags.readonly";

    /** One operation: method, path template, spec operationId, required scope, handler. */
    record Operation(String method, String path, String operationId, String scope, SimHandler handler) {
    }

    static final BodyRules CREATE_TASK = BodyRules.of().required("title", Type.STRING)
            .optional("body", Type.STRING).required("dueDate", Type.DATE_STRING).required("completed", Type.BOOLEAN)
            .optional("assignedTo", Type.STRING);
    static final BodyRules UPDATE_TASK = BodyRules.of().optional("title", Type.STRING)
            .optional("body", Type.STRING).optional("dueDate", Type.DATE_STRING).optional("completed", Type.BOOLEAN)
            .optional("assignedTo", Type.STRING);
    private static final BodyRules TASK_COMPLETED = BodyRules.of().required("completed", Type.BOOLEAN);
    static final BodyRules CREATE_NOTE = BodyRules.of().optional("userId", Type.STRING)
            .required("body", Type.STRING).optional("title", Type.STRING).optional("color", Type.STRING)
            .optional("pinned", Type.BOOLEAN);
    private static final BodyRules UPDATE_NOTE = BodyRules.of().optional("userId", Type.STRING)
            .optional("body", Type.STRING).optional("title", Type.STRING).optional("color", Type.STRING)
            .optional("pinned", Type.BOOLEAN);
    private static final BodyRules TAGS = BodyRules.of().required("tags", Type.STRING_ARRAY);
    private static final BodyRules FOLLOWERS = BodyRules.of().required("followers", Type.STRING_ARRAY);
    private static final BodyRules WORKFLOW = BodyRules.of().optional("eventStartTime", Type.DATE_STRING);
    static final BodyRules BULK_TAGS = BodyRules.of().required("contacts", Type.STRING_ARRAY)
            .required("tags", Type.STRING_ARRAY).required("locationId", Type.STRING)
            .optional("removeAllTags", Type.BOOLEAN);
    static final BodyRules BULK_BUSINESS = BodyRules.of().required("locationId", Type.STRING)
            .required("ids", Type.STRING_ARRAY).required("businessId", Type.NULLABLE_STRING);
    static final BodyRules CREATE_BUSINESS = BodyRules.of().required("name", Type.STRING)
            .required("locationId", Type.STRING).optional("phone", Type.STRING).optional("email", Type.STRING)
            .optional("website", Type.STRING).optional("address", Type.STRING).optional("city", Type.STRING)
            .optional("postalCode", Type.STRING).optional("state", Type.STRING).optional("country", Type.STRING)
            .optional("description", Type.STRING);
    static final BodyRules UPDATE_BUSINESS = BodyRules.of().optional("name", Type.STRING)
            .optional("phone", Type.STRING).optional("email", Type.STRING).optional("postalCode", Type.STRING)
            .optional("website", Type.STRING).optional("address", Type.STRING).optional("state", Type.STRING)
            .optional("city", Type.STRING).optional("country", Type.STRING).optional("description", Type.STRING);

    private final HighLevelState state;
    private final Supplier<String> baseUrl;

    HighLevelApi(HighLevelState state, Supplier<String> baseUrl) {
        this.state = state;
        this.baseUrl = baseUrl;
    }

    List<Operation> operations() {
        List<Operation> ops = new ArrayList<>();
        // contacts.json: search
        ops.add(new Operation("POST", "/contacts/search", "search-contacts-advanced", READ, this::search));
        ops.add(new Operation("GET", "/contacts/search/duplicate", "get-duplicate-contact", READ, this::duplicate));
        // tasks
        ops.add(new Operation("GET", "/contacts/{contactId}/tasks", "get-all-tasks", READ, req ->
                SimResponse.ok(list("tasks", state.tasks(location(req), req.pathVar("contactId"))))));
        ops.add(new Operation("POST", "/contacts/{contactId}/tasks", "create-task", WRITE, req ->
                SimResponse.created(wrap("task", state.saveTask(location(req), req.pathVar("contactId"), null,
                        CREATE_TASK.validate(body(req)))))));
        ops.add(new Operation("GET", "/contacts/{contactId}/tasks/{taskId}", "get-task", READ, req ->
                SimResponse.ok(wrap("task", state.task(location(req), req.pathVar("contactId"), req.pathVar("taskId"))))));
        ops.add(new Operation("PUT", "/contacts/{contactId}/tasks/{taskId}", "update-task", WRITE, req ->
                SimResponse.ok(wrap("task", state.saveTask(location(req), req.pathVar("contactId"),
                        req.pathVar("taskId"), UPDATE_TASK.validate(body(req)))))));
        ops.add(new Operation("DELETE", "/contacts/{contactId}/tasks/{taskId}", "delete-task", WRITE, req -> {
            state.deleteTask(location(req), req.pathVar("contactId"), req.pathVar("taskId"));
            return SimResponse.ok(succeded());
        }));
        ops.add(new Operation("PUT", "/contacts/{contactId}/tasks/{taskId}/completed", "update-task-completed", WRITE,
                req -> SimResponse.ok(wrap("task", state.saveTask(location(req), req.pathVar("contactId"),
                        req.pathVar("taskId"), TASK_COMPLETED.validate(body(req)))))));
        // appointments
        ops.add(new Operation("GET", "/contacts/{contactId}/appointments", "get-appointments-for-contact", READ, req ->
                SimResponse.ok(list("events", state.appointments(location(req), req.pathVar("contactId"))))));
        // tags
        ops.add(new Operation("POST", "/contacts/{contactId}/tags", "add-tags", WRITE, req -> {
            List<String> tags = BodyRules.strings(TAGS.validate(body(req)).get("tags"));
            return SimResponse.created(tagsBody(state.addTags(location(req), req.pathVar("contactId"), tags)));
        }));
        ops.add(new Operation("DELETE", "/contacts/{contactId}/tags", "remove-tags", WRITE, req -> {
            List<String> tags = BodyRules.strings(TAGS.validate(body(req)).get("tags"));
            return SimResponse.ok(tagsBody(state.removeTags(location(req), req.pathVar("contactId"), tags)));
        }));
        // notes
        ops.add(new Operation("GET", "/contacts/{contactId}/notes", "get-all-notes", READ, req ->
                SimResponse.ok(list("notes", state.notes(location(req), req.pathVar("contactId"))))));
        ops.add(new Operation("POST", "/contacts/{contactId}/notes", "create-note", WRITE, req ->
                SimResponse.created(wrap("note", state.saveNote(location(req), req.pathVar("contactId"), null,
                        CREATE_NOTE.validate(body(req)))))));
        ops.add(new Operation("GET", "/contacts/{contactId}/notes/{id}", "get-note", READ, req ->
                SimResponse.ok(wrap("note", state.note(location(req), req.pathVar("contactId"), req.pathVar("id"))))));
        ops.add(new Operation("PUT", "/contacts/{contactId}/notes/{id}", "update-note", WRITE, req ->
                SimResponse.ok(wrap("note", state.saveNote(location(req), req.pathVar("contactId"), req.pathVar("id"),
                        UPDATE_NOTE.validate(body(req)))))));
        ops.add(new Operation("DELETE", "/contacts/{contactId}/notes/{id}", "delete-note", WRITE, req -> {
            state.deleteNote(location(req), req.pathVar("contactId"), req.pathVar("id"));
            return SimResponse.ok(succeded());
        }));
        // bulk
        ops.add(new Operation("POST", "/contacts/bulk/tags/update/{type}", "create-association", WRITE,
                this::bulkTags));
        ops.add(new Operation("POST", "/contacts/bulk/business", "add-remove-contact-from-business", WRITE,
                this::bulkBusiness));
        // contacts
        ops.add(new Operation("GET", "/contacts/{contactId}", "get-contact", READ, req ->
                SimResponse.ok(wrap("contact", state.getContact(location(req), req.pathVar("contactId"))))));
        ops.add(new Operation("PUT", "/contacts/{contactId}", "update-contact", WRITE, this::updateContact));
        ops.add(new Operation("DELETE", "/contacts/{contactId}", "delete-contact", WRITE, req -> {
            state.deleteContact(location(req), req.pathVar("contactId"));
            return SimResponse.ok(succeded());
        }));
        ops.add(new Operation("POST", "/contacts/upsert", "upsert-contact", WRITE, this::upsertContact));
        ops.add(new Operation("GET", "/contacts/business/{businessId}", "get-contacts-by-businessId", READ,
                this::contactsOfBusiness));
        // followers
        ops.add(new Operation("POST", "/contacts/{contactId}/followers", "add-followers-contact", WRITE, req -> {
            List<String> followers = BodyRules.strings(FOLLOWERS.validate(body(req)).get("followers"));
            HighLevelState.FollowersResult result = state.changeFollowers(location(req), req.pathVar("contactId"),
                    followers, true);
            return SimResponse.created(followersBody(result, "followersAdded"));
        }));
        ops.add(new Operation("DELETE", "/contacts/{contactId}/followers", "remove-followers-contact", WRITE, req -> {
            List<String> followers = BodyRules.strings(FOLLOWERS.validate(body(req)).get("followers"));
            HighLevelState.FollowersResult result = state.changeFollowers(location(req), req.pathVar("contactId"),
                    followers, false);
            return SimResponse.ok(followersBody(result, "followersRemoved"));
        }));
        // campaigns (AddContactToCampaignDto has no properties; anything sent is ignored)
        ops.add(new Operation("POST", "/contacts/{contactId}/campaigns/{campaignId}", "add-contact-to-campaign", WRITE,
                req -> {
                    state.addToCampaign(location(req), req.pathVar("contactId"), req.pathVar("campaignId"));
                    return SimResponse.created(succeded());
                }));
        ops.add(new Operation("DELETE", "/contacts/{contactId}/campaigns/{campaignId}", "remove-contact-from-campaign",
                WRITE, req -> {
                    state.removeFromCampaign(location(req), req.pathVar("contactId"), req.pathVar("campaignId"));
                    return SimResponse.ok(succeded());
                }));
        ops.add(new Operation("DELETE", "/contacts/{contactId}/campaigns/removeAll",
                "remove-contact-from-every-campaign", WRITE, req -> {
                    state.removeFromAllCampaigns(location(req), req.pathVar("contactId"));
                    return SimResponse.ok(succeded());
                }));
        // workflows
        ops.add(new Operation("POST", "/contacts/{contactId}/workflow/{workflowId}", "add-contact-to-workflow", WRITE,
                req -> {
                    JsonNode start = WORKFLOW.validate(body(req)).get("eventStartTime");
                    state.addToWorkflow(location(req), req.pathVar("contactId"), req.pathVar("workflowId"),
                            start == null ? null : start.asText());
                    return SimResponse.ok(succeded());
                }));
        ops.add(new Operation("DELETE", "/contacts/{contactId}/workflow/{workflowId}", "delete-contact-from-workflow",
                WRITE, req -> {
                    WORKFLOW.validate(body(req));
                    state.removeFromWorkflow(location(req), req.pathVar("contactId"), req.pathVar("workflowId"));
                    return SimResponse.ok(succeded());
                }));
        // create and the deprecated list; Express routing also answers the collection without the slash
        for (String path : List.of("/contacts/", "/contacts")) {
            ops.add(new Operation("POST", path, "create-contact", WRITE, this::createContact));
            ops.add(new Operation("GET", path, "get-contacts", READ, this::listContacts));
        }

        // businesses.json
        for (String path : List.of("/businesses/", "/businesses")) {
            ops.add(new Operation("GET", path, "get-businesses-by-location", BUSINESSES_READ, this::businesses));
            ops.add(new Operation("POST", path, "create-business", BUSINESSES_WRITE, req -> {
                ObjectNode body = CREATE_BUSINESS.validate(body(req));
                String locationId = requireLocation(req, body.get("locationId").asText());
                body.remove("locationId");
                ObjectNode business = state.saveBusiness(locationId, null, businessFields(body), source(req));
                return SimResponse.created(SimJson.object().put("success", true).set("buiseness", business));
            }));
        }
        ops.add(new Operation("GET", "/businesses/{businessId}", "get-business", BUSINESSES_READ, req ->
                SimResponse.ok(wrap("business", state.business(location(req), req.pathVar("businessId"))))));
        ops.add(new Operation("PUT", "/businesses/{businessId}", "update-business", BUSINESSES_WRITE, req -> {
            ObjectNode body = UPDATE_BUSINESS.validate(body(req));
            ObjectNode business = state.saveBusiness(location(req), req.pathVar("businessId"), businessFields(body),
                    source(req));
            return SimResponse.ok(SimJson.object().put("success", true).set("buiseness", business));
        }));
        ops.add(new Operation("DELETE", "/businesses/{businessId}", "delete-Business", BUSINESSES_WRITE, req -> {
            state.deleteBusiness(location(req), req.pathVar("businessId"));
            return SimResponse.ok(SimJson.object().put("success", true));
        }));

        // locations.json look-ups
        ops.add(new Operation("GET", "/locations/{locationId}/customFields", "get-custom-fields", CUSTOM_FIELDS_READ,
                this::customFields));
        ops.add(new Operation("GET", "/locations/{locationId}/customFields/{id}", "get-custom-field",
                CUSTOM_FIELDS_READ, req -> {
                    String locationId = requireLocation(req, req.pathVar("locationId"));
                    HighLevelCustomField field = state.customField(locationId, req.pathVar("id"))
                            .orElseThrow(() -> HighLevelErrors.badRequest("Custom field with id " + req.pathVar("id")
                                    + " not found"));
                    return SimResponse.ok(wrap("customField", field.toJson()));
                }));
        ops.add(new Operation("GET", "/locations/{locationId}/tags", "get-location-tags", TAGS_READ, req ->
                SimResponse.ok(list("tags", state.locationTags(requireLocation(req, req.pathVar("locationId")))))));
        ops.add(new Operation("GET", "/locations/{locationId}/tags/{tagId}", "get-tag-by-id", TAGS_READ, req -> {
            String locationId = requireLocation(req, req.pathVar("locationId"));
            ObjectNode tag = state.locationTag(locationId, req.pathVar("tagId"))
                    .orElseThrow(() -> HighLevelErrors.badRequest("Tag with id " + req.pathVar("tagId") + " not found"));
            return SimResponse.ok(wrap("tag", tag));
        }));
        return ops;
    }

    /** Required scope per operationId. */
    Map<String, String> scopes() {
        Map<String, String> scopes = new LinkedHashMap<>();
        operations().forEach(op -> scopes.put(op.operationId(), op.scope()));
        return scopes;
    }

    // --- contacts ------------------------------------------------------------------------------------

    private SimResponse createContact(SimRequest req) {
        ContactPatch patch = parseContact(req, ContactPatch.CREATE_PROPERTIES, true);
        String locationId = requireLocation(req, patch.locationId);
        return SimResponse.created(wrap("contact", state.createContact(locationId, patch)));
    }

    private SimResponse updateContact(SimRequest req) {
        ContactPatch patch = parseContact(req, ContactPatch.UPDATE_PROPERTIES, false);
        ObjectNode contact = state.updateContact(location(req), req.pathVar("contactId"), patch);
        return SimResponse.ok(SimJson.object().put("succeded", true).set("contact", contact));
    }

    private SimResponse upsertContact(SimRequest req) {
        ContactPatch patch = parseContact(req, ContactPatch.UPSERT_PROPERTIES, true);
        String locationId = requireLocation(req, patch.locationId);
        HighLevelState.UpsertResult result = state.upsertContact(locationId, patch);
        ObjectNode body = SimJson.object().put("new", result.created());
        body.set("contact", result.contact());
        body.put("traceId", state.traceId());
        return SimResponse.ok(body);
    }

    private static ContactPatch parseContact(SimRequest req, java.util.Set<String> allowed, boolean locationRequired) {
        JsonNode body = body(req);
        List<String> errors = new ArrayList<>();
        ContactPatch patch = ContactPatch.parse(body.isMissingNode() ? SimJson.object() : body, allowed, errors);
        if (locationRequired && patch.locationId == null && !errors.contains("locationId should not be empty")) {
            errors.add("locationId should not be empty");
            errors.add("locationId must be a string");
        }
        if (!errors.isEmpty()) {
            throw HighLevelErrors.unprocessable(errors);
        }
        return patch;
    }

    private SimResponse search(SimRequest req) {
        JsonNode body = body(req);
        JsonNode locationId = body.path("locationId");
        if (!locationId.isTextual() || locationId.asText().isBlank()) {
            throw HighLevelErrors.badRequest("locationId should not be empty");
        }
        return SimResponse.ok(state.search(requireLocation(req, locationId.asText()), body));
    }

    private SimResponse duplicate(SimRequest req) {
        String locationId = requireLocation(req, requiredQuery(req, "locationId", 400));
        String email = req.query("email");
        String number = req.query("number");
        if ((email == null || email.isBlank()) && (number == null || number.isBlank())) {
            throw HighLevelErrors.badRequest("Either email or number is required");
        }
        ObjectNode body = SimJson.object();
        body.set("contact", state.duplicateOf(locationId, email, number).map(JsonNode.class::cast)
                .orElse(SimJson.MAPPER.nullNode()));
        return SimResponse.ok(body);
    }

    private SimResponse listContacts(SimRequest req) {
        String locationId = requireLocation(req, requiredQuery(req, "locationId", 422));
        int limit = 20;
        List<String> errors = new ArrayList<>();
        if (req.query("limit") != null) {
            try {
                limit = (int) Double.parseDouble(req.query("limit"));
                if (limit > 100) {
                    errors.add("limit must not be greater than 100");
                } else if (limit < 1) {
                    errors.add("limit must not be less than 1");
                }
            } catch (NumberFormatException e) {
                errors.add("limit must be a number conforming to the specified constraints");
            }
        }
        Long startAfter = null;
        if (req.query("startAfter") != null) {
            try {
                startAfter = (long) Double.parseDouble(req.query("startAfter"));
            } catch (NumberFormatException e) {
                errors.add("startAfter must be a number conforming to the specified constraints");
            }
        }
        if (!errors.isEmpty()) {
            throw HighLevelErrors.unprocessable(errors);
        }
        return SimResponse.ok(state.listContacts(locationId, req.query("query"), limit, startAfter,
                req.query("startAfterId"), baseUrl.get()));
    }

    private SimResponse contactsOfBusiness(SimRequest req) {
        String locationId = requireLocation(req, requiredQuery(req, "locationId", 422));
        int limit = intQuery(req, "limit", 25);
        int skip = intQuery(req, "skip", 0);
        return SimResponse.ok(state.contactsOfBusiness(locationId, req.pathVar("businessId"), limit, skip,
                req.query("query")));
    }

    private SimResponse bulkTags(SimRequest req) {
        String type = req.pathVar("type");
        if (!type.equals("add") && !type.equals("remove")) {
            throw HighLevelErrors.unprocessable(List.of("type must be one of the following values: add, remove"));
        }
        ObjectNode body = BULK_TAGS.validate(body(req));
        boolean removeAll = body.path("removeAllTags").asBoolean(false);
        if (removeAll && type.equals("add")) {
            throw HighLevelErrors.badRequest("removeAllTags can only be used with the remove type");
        }
        String locationId = requireLocation(req, body.get("locationId").asText());
        ObjectNode result = state.bulkTags(locationId, type.equals("add"), BodyRules.strings(body.get("contacts")),
                BodyRules.strings(body.get("tags")), removeAll);
        return SimResponse.created(result);
    }

    private SimResponse bulkBusiness(SimRequest req) {
        ObjectNode body = BULK_BUSINESS.validate(body(req));
        List<String> ids = BodyRules.strings(body.get("ids"));
        if (ids.stream().anyMatch(id -> id.length() > 50)) {
            throw HighLevelErrors.unprocessable(List.of("each value in ids must be shorter than or equal to 50 characters"));
        }
        String locationId = requireLocation(req, body.get("locationId").asText());
        JsonNode businessId = body.get("businessId");
        List<String> updated = state.bulkBusiness(locationId, ids, businessId.isNull() ? null : businessId.asText());
        ObjectNode result = SimJson.object().put("success", true);
        updated.forEach(result.putArray("ids")::add);
        return SimResponse.ok(result);
    }

    // --- businesses and locations --------------------------------------------------------------------

    private SimResponse businesses(SimRequest req) {
        String locationId = requireLocation(req, requiredQuery(req, "locationId", 400));
        ObjectNode body = SimJson.object();
        ArrayNode list = body.putArray("businesses");
        state.businesses(locationId, intQuery(req, "limit", 100), intQuery(req, "skip", 0)).forEach(list::add);
        return SimResponse.ok(body);
    }

    private static Map<String, String> businessFields(ObjectNode body) {
        Map<String, String> fields = new LinkedHashMap<>();
        body.fields().forEachRemaining(field -> fields.put(field.getKey(), field.getValue().asText()));
        return fields;
    }

    private SimResponse customFields(SimRequest req) {
        String locationId = requireLocation(req, req.pathVar("locationId"));
        String model = req.query("model");
        if (model != null && !List.of("contact", "opportunity", "all").contains(model)) {
            throw HighLevelErrors.unprocessable(List.of("model must be one of the following values: contact, opportunity, all"));
        }
        ObjectNode body = SimJson.object();
        ArrayNode list = body.putArray("customFields");
        if (!"opportunity".equals(model)) { // the simulator only has contact fields
            state.customFields(locationId).forEach(field -> list.add(field.toJson()));
        }
        return SimResponse.ok(body);
    }

    // --- helpers -------------------------------------------------------------------------------------

    /**
     * The JSON body, as Express's JSON parser would hand it to HighLevel's handlers: only when the
     * request says {@code Content-Type: application/json}; otherwise the body counts as absent (so a
     * client that forgets the header meets the same 422s it would meet live).
     */
    private static JsonNode body(SimRequest req) {
        String type = req.contentType();
        if (type == null || !(type.equals("application/json") || type.endsWith("+json"))) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        return req.json();
    }

    /** The location of the token; every operation acts inside it. */
    private String location(SimRequest req) {
        HighLevelGrant grant = req.attribute(HighLevelGrant.ATTRIBUTE);
        if (grant == null || grant.locationId() == null) {
            throw HighLevelErrors.forbiddenLocation();
        }
        state.ensureLocation(grant.locationId());
        return grant.locationId();
    }

    /** A location named by the request must be the token's: 403 otherwise. */
    private String requireLocation(SimRequest req, String locationId) {
        String own = location(req);
        if (!own.equals(locationId)) {
            throw HighLevelErrors.forbiddenLocation();
        }
        return own;
    }

    private static String requiredQuery(SimRequest req, String name, int status) {
        String value = req.query(name);
        if (value == null || value.isBlank()) {
            if (status == 422) {
                throw HighLevelErrors.unprocessable(List.of(name + " should not be empty", name + " must be a string"));
            }
            throw HighLevelErrors.badRequest(name + " should not be empty");
        }
        return value;
    }

    private static int intQuery(SimRequest req, String name, int defaultValue) {
        String value = req.query(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed < 0) {
                throw new NumberFormatException(value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw HighLevelErrors.unprocessable(List.of(name + " must be a number string"));
        }
    }

    private static String source(SimRequest req) {
        HighLevelGrant grant = req.attribute(HighLevelGrant.ATTRIBUTE);
        return grant != null && grant.kind() == HighLevelGrant.Kind.PRIVATE_INTEGRATION
                ? "PRIVATE_INTEGRATION" : "INTEGRATION";
    }

    private static ObjectNode wrap(String name, JsonNode value) {
        ObjectNode body = SimJson.object();
        body.set(name, value);
        return body;
    }

    private static ObjectNode list(String name, List<ObjectNode> items) {
        ObjectNode body = SimJson.object();
        ArrayNode array = body.putArray(name);
        items.forEach(array::add);
        return body;
    }

    private static ObjectNode succeded() {
        return SimJson.object().put("succeded", true);
    }

    private static ObjectNode tagsBody(List<String> tags) {
        ObjectNode body = SimJson.object();
        tags.forEach(body.putArray("tags")::add);
        return body;
    }

    private static ObjectNode followersBody(HighLevelState.FollowersResult result, String changedName) {
        ObjectNode body = SimJson.object();
        result.followers().forEach(body.putArray("followers")::add);
        result.changed().forEach(body.putArray(changedName)::add);
        return body;
    }
}
