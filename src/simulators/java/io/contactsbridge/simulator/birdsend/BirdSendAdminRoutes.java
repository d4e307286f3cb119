package io.contactsbridge.simulator.birdsend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimRequest;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.simulator.sim.SimServer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The simulator's admin routes (no auth, no rate limit, no faults, not counted), on top of the
 * core ones documented on {@link SimServer}. Where a route works on one account, it takes
 * {@code account_id} (query or body) and defaults to the default account.
 *
 * <ul>
 *   <li>{@code POST /__admin/seed} {@code {"count": 200, "seed": 42, "contacts": [<contact>...]}}:
 *       generated and/or exact contacts; answers {@code {"created": [ids], "total": n}}</li>
 *   <li>{@code POST /__admin/reset} {@code {"settings": false, "tokens": false}}: empties every
 *       account and the rate-limit counters; optionally restores default settings and revokes
 *       every token</li>
 *   <li>{@code GET /__admin/contacts}: snapshot of every contact with all it carries</li>
 *   <li>{@code POST /__admin/contacts} {@code <contact>}: create as a person in the app (may be
 *       unsubscribed, back-dated with {@code created_at})</li>
 *   <li>{@code POST /__admin/contacts/{id}/edit} {@code {"email", "fields": {k: v|null},
 *       "add_tags": [..], "remove_tags": [..], "status", "ipaddress"}}</li>
 *   <li>{@code POST /__admin/contacts/{id}/subscribe} {@code {"sequence_id": 201}} (optional): (re)subscribes,
 *       joining the sequence, as a form or a person in the app would;
 *       {@code POST /__admin/contacts/{id}/unsubscribe}, {@code DELETE /__admin/contacts/{id}}</li>
 *   <li>{@code POST /__admin/tokens} {@code {"account_id": 1, "scopes": ["read"]}}: a personal
 *       access token; {@code DELETE /__admin/tokens/{token}} revokes one</li>
 *   <li>{@code GET|PUT /__admin/settings}: the assumed behaviours ({@link BirdSendSettings}); PUT
 *       merges the given properties</li>
 *   <li>{@code GET|POST /__admin/accounts}, {@code POST /__admin/oauth-clients}
 *       {@code {"client_id", "client_secret", "redirect_uris": [..]}}, {@code POST /__admin/fields}
 *       {@code {"key", "label", "type"}}, {@code DELETE /__admin/fields/{key}} (deletes the field and its values),
 *       {@code POST /__admin/sequences} {@code {"name"}},
 *       {@code POST /__admin/forms} {@code {"name", "type"}}</li>
 * </ul>
 * Contacts are {@code {"email", "fields": {..}, "tags": [names], "ipaddress", "sequence_id",
 * "form_id", "status": "active|unsubscribed", "created_at": "YYYY-MM-DD HH:MM:SS"}}.
 */
final class BirdSendAdminRoutes {

    private final BirdSendSimulator sim;

    BirdSendAdminRoutes(BirdSendSimulator sim) {
        this.sim = sim;
    }

    void install(SimServer server) {
        server.adminRoute("POST", "/__admin/seed", "admin-seed", this::seed)
                .adminRoute("POST", "/__admin/reset", "admin-reset", this::reset)
                .adminRoute("GET", "/__admin/contacts", "admin-list-contacts", this::listContacts)
                .adminRoute("POST", "/__admin/contacts", "admin-create-contact", this::createContact)
                .adminRoute("POST", "/__admin/contacts/{id}/edit", "admin-edit-contact", this::editContact)
                .adminRoute("POST", "/__admin/contacts/{id}/subscribe", "admin-subscribe-contact", req -> {
                    ValidationErrors errors = ValidationErrors.create();
                    Long sequenceId = !req.hasBody() ? null
                            : BirdSendJson.optionalInteger(req.json(), "sequence_id", errors);
                    errors.throwIfAny();
                    return created(200, sim.subscribeContact(id(req), sequenceId));
                })
                .adminRoute("POST", "/__admin/contacts/{id}/unsubscribe", "admin-unsubscribe-contact",
                        req -> created(200, sim.unsubscribeContact(id(req))))
                .adminRoute("DELETE", "/__admin/contacts/{id}", "admin-delete-contact", req -> {
                    sim.deleteContact(id(req));
                    return SimResponse.noContent();
                })
                .adminRoute("POST", "/__admin/tokens", "admin-issue-token", this::issueToken)
                .adminRoute("DELETE", "/__admin/tokens/{token}", "admin-revoke-token", req ->
                        sim.revokeToken(req.pathVar("token")) ? SimResponse.noContent()
                                : LaravelErrors.message(404, "Unknown token"))
                .adminRoute("GET", "/__admin/settings", "admin-get-settings", req -> SimResponse.ok(sim.settings()))
                .adminRoute("PUT", "/__admin/settings", "admin-put-settings", req ->
                        SimResponse.ok(sim.settings(sim.settings().merge(req.json()))))
                .adminRoute("GET", "/__admin/accounts", "admin-list-accounts", this::listAccounts)
                .adminRoute("POST", "/__admin/accounts", "admin-create-account", this::createAccount)
                .adminRoute("POST", "/__admin/oauth-clients", "admin-register-oauth-client", this::registerClient)
                .adminRoute("POST", "/__admin/fields", "admin-define-field", req -> {
                    JsonNode body = req.json();
                    BirdSendField field = sim.defineField(accountId(req), text(body, "key"), text(body, "label"),
                            text(body, "type"));
                    return SimResponse.created(BirdSendJson.field(field));
                })
                .adminRoute("DELETE", "/__admin/fields/{key}", "admin-delete-field", req ->
                        sim.removeField(accountId(req), req.pathVar("key")).isPresent() ? SimResponse.noContent()
                                : LaravelErrors.message(404, "Unknown field " + req.pathVar("key")))
                .adminRoute("POST", "/__admin/sequences", "admin-add-sequence", req ->
                        SimResponse.created(BirdSendJson.sequence(
                                sim.addSequence(accountId(req), required(req.json(), "name")))))
                .adminRoute("POST", "/__admin/forms", "admin-add-form", req ->
                        SimResponse.created(BirdSendJson.form(
                                sim.addForm(accountId(req), required(req.json(), "name"), text(req.json(), "type")))));
    }

    private SimResponse seed(SimRequest req) {
        JsonNode body = req.json();
        long accountId = accountId(req);
        List<BirdSendNewContact> exact = new ArrayList<>();
        for (JsonNode contact : body.path("contacts")) {
            exact.add(newContact(contact));
        }
        ArrayNode created = SimJson.array();
        int count = body.path("count").asInt(0);
        if (count > 0) {
            sim.seed(accountId, count, body.path("seed").asLong(1L)).forEach(c -> created.add(c.contactId()));
        }
        exact.forEach(c -> created.add(sim.seedContact(accountId, c).contactId()));
        ObjectNode answer = SimJson.object().put("account_id", accountId);
        answer.set("created", created);
        answer.put("total", sim.contacts(accountId).size());
        return SimResponse.created(answer);
    }

    private SimResponse reset(SimRequest req) {
        JsonNode body = req.json();
        sim.reset();
        if (body.path("settings").asBoolean(false)) {
            sim.settings(BirdSendSettings.DEFAULTS);
        }
        if (body.path("tokens").asBoolean(false)) {
            sim.revokeAllTokens();
        }
        return SimResponse.noContent();
    }

    private SimResponse listContacts(SimRequest req) {
        long accountId = accountId(req);
        ArrayNode contacts = SimJson.array();
        sim.contacts(accountId).forEach(c -> contacts.add(BirdSendJson.contactSnapshot(c)));
        ObjectNode body = SimJson.object().put("account_id", accountId).put("total", contacts.size());
        body.set("contacts", contacts);
        ArrayNode tags = body.putArray("tags");
        sim.tags(accountId).forEach(t -> tags.add(BirdSendJson.tag(t)));
        return SimResponse.ok(body);
    }

    private SimResponse createContact(SimRequest req) {
        return created(201, sim.seedContact(accountId(req), newContact(req.json())));
    }

    private SimResponse editContact(SimRequest req) {
        JsonNode body = req.json();
        ValidationErrors errors = ValidationErrors.create();
        String email = null;
        if (body.has("email")) {
            email = BirdSendJson.email(body, errors);
        }
        Map<String, String> fields = BirdSendJson.fields(body, errors);
        List<String> add = BirdSendJson.tagNames(body, "add_tags", false, errors);
        List<String> remove = BirdSendJson.tagNames(body, "remove_tags", false, errors);
        String ip = BirdSendJson.optionalIp(body, "ipaddress", errors);
        BirdSendContactStatus status = status(body, errors);
        errors.throwIfAny();
        BirdSendContactEdit edit = new BirdSendContactEdit(email, fields, add, remove, status, ip);
        return created(200, sim.editContact(id(req), edit));
    }

    private SimResponse issueToken(SimRequest req) {
        JsonNode body = req.json();
        long accountId = accountId(req);
        JsonNode scopesNode = body.path("scopes");
        String scopeList = scopesNode.isArray()
                ? String.join(" ", SimJson.MAPPER.convertValue(scopesNode, String[].class))
                : scopesNode.asText("");
        Set<BirdSendScope> scopes = BirdSendScope.parseList(scopeList);
        if (scopes == null) {
            throw new IllegalArgumentException("scopes must be read and/or write: " + scopeList);
        }
        String token = sim.issuePersonalAccessToken(accountId, scopes.toArray(BirdSendScope[]::new));
        ObjectNode answer = SimJson.object().put("token", token).put("account_id", accountId);
        ArrayNode granted = answer.putArray("scopes");
        sim.auth().authenticate(token).orElseThrow().scopes().stream().sorted()
                .forEach(s -> granted.add(s.value()));
        return SimResponse.created(answer);
    }

    private SimResponse listAccounts(SimRequest req) {
        ArrayNode accounts = SimJson.array();
        sim.accounts().forEach(a -> accounts.add(BirdSendJson.account(a)));
        ObjectNode body = SimJson.object().put("default_account_id", sim.defaultAccountId());
        body.set("accounts", accounts);
        return SimResponse.ok(body);
    }

    private SimResponse createAccount(SimRequest req) {
        JsonNode body = req.json();
        long id = sim.createAccount(required(body, "email"), text(body, "first_name"), text(body, "last_name"),
                text(body, "company_name"), text(body, "timezone"));
        return SimResponse.created(BirdSendJson.account(sim.accountInfo(id)));
    }

    private SimResponse registerClient(SimRequest req) {
        JsonNode body = req.json();
        List<String> redirectUris = new ArrayList<>();
        body.path("redirect_uris").forEach(uri -> redirectUris.add(uri.asText()));
        if (body.hasNonNull("redirect_uri")) {
            redirectUris.add(body.get("redirect_uri").asText());
        }
        BirdSendOAuthClient client = sim.registerOAuthClient(text(body, "client_id"), text(body, "client_secret"),
                redirectUris.toArray(String[]::new));
        return SimResponse.created(SimJson.MAPPER.createObjectNode()
                .put("client_id", client.clientId())
                .put("client_secret", client.clientSecret())
                .set("redirect_uris", SimJson.MAPPER.valueToTree(client.redirectUris())));
    }

    // --- helpers ---------------------------------------------------------------------------------

    private BirdSendNewContact newContact(JsonNode body) {
        if (!body.isObject()) {
            throw new IllegalArgumentException("a contact must be a JSON object");
        }
        ValidationErrors errors = ValidationErrors.create();
        String email = BirdSendJson.email(body, errors);
        Map<String, String> fields = BirdSendJson.fields(body, errors);
        List<String> tags = BirdSendJson.tagNames(body, "tags", false, errors);
        String ip = BirdSendJson.optionalIp(body, "ipaddress", errors);
        Long sequenceId = BirdSendJson.optionalInteger(body, "sequence_id", errors);
        Long formId = BirdSendJson.optionalInteger(body, "form_id", errors);
        BirdSendContactStatus status = status(body, errors);
        Instant createdAt = BirdSendJson.optionalTimestamp(body, "created_at", errors);
        errors.throwIfAny();
        return new BirdSendNewContact(email, fields, tags, ip, sequenceId, formId, status, createdAt);
    }

    private static BirdSendContactStatus status(JsonNode body, ValidationErrors errors) {
        String status = BirdSendJson.optionalString(body, "status", errors);
        if (status == null) {
            return null;
        }
        try {
            return BirdSendContactStatus.parse(status);
        } catch (IllegalArgumentException e) {
            errors.add("status", ValidationErrors.selectedInvalid("status"));
            return null;
        }
    }

    private static SimResponse created(int status, BirdSendContactView contact) {
        return SimResponse.json(status, BirdSendJson.contactSnapshot(contact));
    }

    /** {@code account_id} from the query or the JSON body; the default account if absent. */
    private long accountId(SimRequest req) {
        String fromQuery = req.query("account_id");
        JsonNode fromBody = req.hasBody() && req.json().isObject() ? req.json().path("account_id") : null;
        long id;
        if (fromQuery != null) {
            id = parseLong(fromQuery, "account_id");
        } else if (fromBody != null && !fromBody.isMissingNode() && !fromBody.isNull()) {
            id = parseLong(fromBody.asText(), "account_id");
        } else {
            return sim.defaultAccountId();
        }
        if (!sim.hasAccount(id)) {
            throw new IllegalArgumentException("no account " + id);
        }
        return id;
    }

    private static long id(SimRequest req) {
        String raw = req.pathVar("id");
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw LaravelErrors.notFoundException("Contact", raw);
        }
    }

    private static long parseLong(String value, String name) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got " + value);
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode node = body.path(field);
        return node.isMissingNode() || node.isNull() ? null : node.asText();
    }

    private static String required(JsonNode body, String field) {
        String value = text(body, field);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is required");
        }
        return value;
    }
}
