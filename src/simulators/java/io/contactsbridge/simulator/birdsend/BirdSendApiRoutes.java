package io.contactsbridge.simulator.birdsend;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimRequest;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.simulator.sim.SimServer;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static io.contactsbridge.simulator.birdsend.BirdSendOperations.*;

/**
 * The BirdSend REST API v1 endpoints (paths under {@value BirdSendSimulator#API_PREFIX}) and the
 * OAuth endpoints. Authentication, scopes and rate limiting happen in the simulator's filters
 * before these handlers run; a handler finds the caller's account through the
 * {@link BirdSendGrant} the auth filter left on the request.
 */
final class BirdSendApiRoutes {

    private static final String V1 = BirdSendSimulator.API_PREFIX;

    private final BirdSendSimulator sim;

    BirdSendApiRoutes(BirdSendSimulator sim) {
        this.sim = sim;
    }

    void install(SimServer server) {
        server.route("GET", V1 + "/account", GET_ACCOUNT, this::getAccount)
                .route("GET", V1 + "/contacts", LIST_CONTACTS, this::listContacts)
                .route("POST", V1 + "/contacts", CREATE_CONTACT, this::createContact)
                .route("GET", V1 + "/contacts/{id}", GET_CONTACT, this::getContact)
                .route("PATCH", V1 + "/contacts/{id}", UPDATE_CONTACT, this::updateContact)
                .route("DELETE", V1 + "/contacts/{id}", DELETE_CONTACT, this::deleteContact)
                .route("POST", V1 + "/contacts/{id}/subscribe", SUBSCRIBE_CONTACT, this::subscribe)
                .route("DELETE", V1 + "/contacts/{id}/unsubscribe", UNSUBSCRIBE_CONTACT, this::unsubscribe)
                .route("POST", V1 + "/contacts/{id}/tags", ADD_CONTACT_TAGS, this::addTags)
                .route("DELETE", V1 + "/contacts/{id}/tags/{tagId}", REMOVE_CONTACT_TAG, this::removeTag)
                .route("GET", V1 + "/tags", LIST_TAGS, this::listTags)
                .route("GET", V1 + "/fields", LIST_FIELDS, this::listFields)
                .route("GET", V1 + "/sequences", LIST_SEQUENCES, this::listSequences)
                .route("GET", V1 + "/forms", LIST_FORMS, this::listForms)
                .route("GET", V1 + "/broadcasts", LIST_BROADCASTS, this::listBroadcasts)
                .route("POST", V1 + "/broadcasts", CREATE_BROADCAST, this::createBroadcast)
                .route("GET", V1 + "/broadcasts/{id}", GET_BROADCAST, this::getBroadcast)
                .route("GET", "/oauth/authorize", OAUTH_AUTHORIZE,
                        req -> sim.auth().authorize(req, sim.defaultAccountId()))
                .route("POST", "/oauth/token", OAUTH_TOKEN, req -> sim.auth().token(req));
    }

    // --- account ---------------------------------------------------------------------------------

    private SimResponse getAccount(SimRequest req) {
        return SimResponse.ok(BirdSendJson.account(account(req).info()));
    }

    // --- contacts --------------------------------------------------------------------------------

    private SimResponse listContacts(SimRequest req) {
        BirdSendSettings settings = sim.settings();
        ValidationErrors errors = ValidationErrors.create();
        BirdSendPaging paging = BirdSendPaging.from(req, settings, errors);
        String searchBy = blankToNull(req.query("search_by"));
        if (searchBy != null && !searchBy.equals("email") && !searchBy.equals("tag")) {
            errors.add("search_by", ValidationErrors.selectedInvalid("search_by"));
        }
        String orderBy = orDefault(req.query("order_by"), settings.defaultOrderBy());
        if (!BirdSendSettings.CONTACT_ORDER_COLUMNS.contains(orderBy)) {
            errors.add("order_by", ValidationErrors.selectedInvalid("order_by"));
        }
        boolean descending = sortDescending(req, settings.defaultSort(), errors);
        errors.throwIfAny();

        if (orderBy.equals("updated_at") && !settings.orderByUpdatedAt()) {
            // An API that does not sort by this column, and says nothing: its default order applies.
            orderBy = settings.defaultOrderBy();
        }

        BirdSendAccount account = account(req);
        String keyword = blankToNull(req.query("keyword"));
        Comparator<BirdSendListedContact> order = contactOrder(orderBy);
        BirdSendAccount.ContactPage page = account.list(c -> keyword == null || matchesContact(c, searchBy, keyword, settings),
                descending ? order.reversed() : order, paging.offset(), paging.perPage());
        Set<String> keys = account.fieldKeys();
        Map<Long, BirdSendSequence> sequences = account.sequencesById();
        return SimResponse.ok(paging.envelope(page.total(), page.contacts(), c -> BirdSendJson.contact(c, settings, keys, sequences),
                settings));
    }

    /**
     * {@code search_by=email}: a substring of the email (or the whole email when partial matching
     * is off); {@code search_by=tag}: carries a tag of that name; no {@code search_by}: the keyword
     * appears in the email or a name. Matching ignores case, as MySQL's default collation does.
     */
    private static boolean matchesContact(BirdSendListedContact c, String searchBy, String keyword,
                                          BirdSendSettings settings) {
        String needle = lower(keyword.trim());
        if ("email".equals(searchBy)) {
            if (settings.partialEmailMatch()) {
                return lower(c.email()).contains(needle);
            }
            return settings.caseInsensitiveEmails() ? c.email().equalsIgnoreCase(keyword.trim())
                    : c.email().equals(keyword.trim());
        }
        if ("tag".equals(searchBy)) {
            return c.hasTag(keyword.trim());
        }
        String firstName = c.field(BirdSendAccount.FIRST_NAME);
        String lastName = c.field(BirdSendAccount.LAST_NAME);
        return lower(c.email()).contains(needle)
                || (firstName != null && lower(firstName).contains(needle))
                || (lastName != null && lower(lastName).contains(needle));
    }

    /** Ascending order by a column, ties broken by id (nulls first, as MySQL sorts them). */
    private static Comparator<BirdSendListedContact> contactOrder(String column) {
        Comparator<BirdSendListedContact> primary = switch (column) {
            case "contact_id" -> Comparator.comparingLong(BirdSendListedContact::contactId);
            case "email" -> Comparator.comparing(c -> lower(c.email()));
            case "created_at" -> Comparator.comparing(BirdSendListedContact::createdAt);
            case "updated_at" -> Comparator.comparing(BirdSendListedContact::updatedAt);
            default -> Comparator.comparing(c -> c.field(column) == null ? null : lower(c.field(column)),
                    Comparator.nullsFirst(Comparator.naturalOrder()));
        };
        return primary.thenComparingLong(BirdSendListedContact::contactId);
    }

    private SimResponse getContact(SimRequest req) {
        BirdSendAccount account = account(req);
        return contactResponse(200, account, account.requireContact(contactId(req)));
    }

    private SimResponse createContact(SimRequest req) {
        JsonNode body = body(req);
        ValidationErrors errors = ValidationErrors.create();
        String email = BirdSendJson.email(body, errors);
        Map<String, String> fields = BirdSendJson.fields(body, errors);
        List<String> tags = BirdSendJson.tagNames(body, "tags", false, errors);
        String ip = BirdSendJson.optionalIp(body, "ipaddress", errors);
        Long sequenceId = BirdSendJson.optionalInteger(body, "sequence_id", errors);
        Long formId = BirdSendJson.optionalInteger(body, "form_id", errors);
        errors.throwIfAny();
        BirdSendAccount account = account(req);
        BirdSendContactView created = account.create(
                new BirdSendNewContact(email, fields, tags, ip, sequenceId, formId, null, null),
                sim.settings(), now());
        return contactResponse(sim.settings().createStatus(), account, created);
    }

    /**
     * Updates email, fields and ipaddress. {@code email} is required even when unchanged, as public
     * clients always send it. Tags in the body are ignored: they change through the tag endpoints.
     */
    private SimResponse updateContact(SimRequest req) {
        BirdSendAccount account = account(req);
        long id = contactId(req);
        account.requireContact(id); // an unknown id is a 404 before any validation, as route binding does
        JsonNode body = body(req);
        ValidationErrors errors = ValidationErrors.create();
        String email = BirdSendJson.email(body, errors);
        Map<String, String> fields = BirdSendJson.fields(body, errors);
        String ip = BirdSendJson.optionalIp(body, "ipaddress", errors);
        errors.throwIfAny();
        BirdSendContactEdit edit = new BirdSendContactEdit(email, fields, null, null, null, ip);
        return contactResponse(200, account, account.update(id, edit, sim.settings(), now()));
    }

    private SimResponse deleteContact(SimRequest req) {
        account(req).delete(contactId(req));
        return deleted("Contact deleted.");
    }

    private SimResponse subscribe(SimRequest req) {
        BirdSendAccount account = account(req);
        long id = contactId(req);
        account.requireContact(id);
        ValidationErrors errors = ValidationErrors.create();
        Long sequenceId = BirdSendJson.optionalInteger(body(req), "sequence_id", errors);
        errors.throwIfAny();
        return contactResponse(200, account, account.subscribe(id, sequenceId, now()));
    }

    private SimResponse unsubscribe(SimRequest req) {
        BirdSendAccount account = account(req);
        return contactResponse(200, account, account.unsubscribe(contactId(req), now()));
    }

    /** Adds tags by name; unknown names become new tags (unless the settings forbid it). */
    private SimResponse addTags(SimRequest req) {
        BirdSendAccount account = account(req);
        long id = contactId(req);
        account.requireContact(id);
        ValidationErrors errors = ValidationErrors.create();
        List<String> names = BirdSendJson.tagNames(body(req), "tags", true, errors);
        errors.throwIfAny();
        BirdSendContactEdit edit = BirdSendContactEdit.change().addTags(names.toArray(String[]::new));
        return contactResponse(200, account, account.update(id, edit, sim.settings(), now()));
    }

    /** Removes one tag by id; a tag the contact does not carry is a no-op answered with the contact. */
    private SimResponse removeTag(SimRequest req) {
        BirdSendAccount account = account(req);
        long id = contactId(req);
        long tagId = pathId(req, "tagId", "Tag");
        return contactResponse(200, account, account.removeTag(id, tagId, sim.settings(), now()));
    }

    private SimResponse contactResponse(int status, BirdSendAccount account, BirdSendContactView contact) {
        return SimResponse.json(status, BirdSendJson.contact(contact, sim.settings(), account.fieldKeys(),
                account.sequencesById()));
    }

    // --- tags, fields, sequences, forms ----------------------------------------------------------

    private SimResponse listTags(SimRequest req) {
        return list(req, account(req).tags(), "tag_id", Map.<String, Comparator<BirdSendTag>>of(
                "tag_id", Comparator.comparingLong(BirdSendTag::tagId),
                "name", Comparator.comparing((BirdSendTag t) -> lower(t.name()))),
                BirdSendTag::name, BirdSendJson::tag);
    }

    private SimResponse listFields(SimRequest req) {
        return list(req, account(req).fields(), "field_id", Map.<String, Comparator<BirdSendField>>of(
                "field_id", Comparator.comparingLong(BirdSendField::fieldId),
                "key", Comparator.comparing(BirdSendField::key),
                "label", Comparator.comparing((BirdSendField f) -> lower(f.label()))),
                f -> f.key() + " " + f.label(), BirdSendJson::field);
    }

    private SimResponse listSequences(SimRequest req) {
        return list(req, account(req).sequences(), "sequence_id", Map.<String, Comparator<BirdSendSequence>>of(
                "sequence_id", Comparator.comparingLong(BirdSendSequence::sequenceId),
                "name", Comparator.comparing((BirdSendSequence s) -> lower(s.name())),
                "created_at", Comparator.comparing(BirdSendSequence::createdAt)),
                BirdSendSequence::name, BirdSendJson::sequence);
    }

    private SimResponse listForms(SimRequest req) {
        return list(req, account(req).forms(), "form_id", Map.<String, Comparator<BirdSendForm>>of(
                "form_id", Comparator.comparingLong(BirdSendForm::formId),
                "name", Comparator.comparing((BirdSendForm f) -> lower(f.name())),
                "created_at", Comparator.comparing(BirdSendForm::createdAt)),
                BirdSendForm::name, BirdSendJson::form);
    }

    // --- broadcasts ------------------------------------------------------------------------------

    private SimResponse listBroadcasts(SimRequest req) {
        return list(req, account(req).broadcasts(), "broadcast_id", Map.<String, Comparator<BirdSendBroadcast>>of(
                "broadcast_id", Comparator.comparingLong(BirdSendBroadcast::broadcastId),
                "name", Comparator.comparing((BirdSendBroadcast b) -> lower(b.name())),
                "subject", Comparator.comparing((BirdSendBroadcast b) -> lower(b.subject())),
                "created_at", Comparator.comparing(BirdSendBroadcast::createdAt),
                "updated_at", Comparator.comparing(BirdSendBroadcast::updatedAt)),
                b -> b.name() + " " + b.subject(), BirdSendJson::broadcast);
    }

    private SimResponse getBroadcast(SimRequest req) {
        long id = pathId(req, "id", "Broadcast");
        return SimResponse.ok(BirdSendJson.broadcast(account(req).broadcast(id)));
    }

    private SimResponse createBroadcast(SimRequest req) {
        JsonNode body = body(req);
        ValidationErrors errors = ValidationErrors.create();
        String subject = BirdSendJson.optionalString(body, "subject", errors);
        if (subject == null || subject.isBlank()) {
            if (!errors.has("subject")) {
                errors.add("subject", ValidationErrors.required("subject"));
            }
        }
        String name = BirdSendJson.optionalString(body, "name", errors);
        String content = BirdSendJson.optionalString(body, "content", errors);
        String fromName = BirdSendJson.optionalString(body, "from_name", errors);
        String fromEmail = BirdSendJson.optionalString(body, "from_email", errors);
        if (fromEmail != null && !BirdSendJson.isEmail(fromEmail)) {
            errors.add("from_email", ValidationErrors.invalidEmail("from_email"));
        }
        Instant sendAt = BirdSendJson.optionalTimestamp(body, "send_at", errors);
        errors.throwIfAny();
        BirdSendBroadcast created = account(req).addBroadcast(name, subject, fromName, fromEmail, content, sendAt, now());
        return SimResponse.json(sim.settings().createStatus(), BirdSendJson.broadcast(created));
    }

    // --- shared ----------------------------------------------------------------------------------

    /**
     * A paged list. {@code keyword} filters by a case-insensitive substring of the item's
     * searchable text; {@code order_by} must name one of {@code columns}; {@code search_by} is
     * accepted and ignored on these lists, whose only searchable text is their name.
     */
    private <T> SimResponse list(SimRequest req, List<T> items, String defaultColumn,
                                 Map<String, Comparator<T>> columns, Function<T, String> searchable,
                                 Function<T, JsonNode> render) {
        BirdSendSettings settings = sim.settings();
        ValidationErrors errors = ValidationErrors.create();
        BirdSendPaging paging = BirdSendPaging.from(req, settings, errors);
        String orderBy = orDefault(req.query("order_by"), defaultColumn);
        if (!columns.containsKey(orderBy)) {
            errors.add("order_by", ValidationErrors.selectedInvalid("order_by"));
        }
        boolean descending = sortDescending(req, "asc", errors);
        errors.throwIfAny();
        String keyword = blankToNull(req.query("keyword"));
        Comparator<T> order = columns.get(orderBy).thenComparing(columns.get(defaultColumn));
        List<T> matches = items.stream()
                .filter(item -> keyword == null || lower(searchable.apply(item)).contains(lower(keyword.trim())))
                .sorted(descending ? order.reversed() : order)
                .toList();
        return SimResponse.ok(paging.envelope(matches, render, settings));
    }

    private static boolean sortDescending(SimRequest req, String defaultSort, ValidationErrors errors) {
        String sort = lower(orDefault(req.query("sort"), defaultSort));
        if (!sort.equals("asc") && !sort.equals("desc")) {
            errors.add("sort", ValidationErrors.selectedInvalid("sort"));
            return false;
        }
        return sort.equals("desc");
    }

    private BirdSendAccount account(SimRequest req) {
        BirdSendGrant grant = req.attribute(BirdSendGrant.ATTRIBUTE);
        return sim.account(grant.accountId());
    }

    private static long contactId(SimRequest req) {
        return pathId(req, "id", "Contact");
    }

    /** A numeric path id; anything else cannot match a row, so it is the model's 404. */
    private static long pathId(SimRequest req, String variable, String model) {
        String raw = req.pathVar(variable);
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw LaravelErrors.notFoundException(model, raw);
        }
    }

    /**
     * The JSON body as an object. Valid JSON that is not an object reads as no input, as Laravel
     * merges only objects into the request input; unparseable JSON raises the core's
     * {@code MalformedBodyException}, which the simulator answers per its settings.
     */
    private static JsonNode body(SimRequest req) {
        JsonNode json = req.json();
        return json.isObject() ? json : SimJson.object();
    }

    private SimResponse deleted(String message) {
        return sim.settings().deleteStatus() == 204 ? SimResponse.noContent() : LaravelErrors.message(200, message);
    }

    private Instant now() {
        return sim.clock().now();
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static String orDefault(String s, String fallback) {
        return s == null || s.isBlank() ? fallback : s.trim();
    }
}
