package io.contactsbridge.outbound.contacts;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.auth.Connection;
import io.contactsbridge.auth.ConnectionRegistry;
import io.contactsbridge.mapping.HighLevelFieldKeys;
import io.contactsbridge.mapping.HighLevelWrite;
import io.contactsbridge.outbound.OutboundClient;
import io.contactsbridge.outbound.OutboundResponse;
import io.contactsbridge.outbound.UpstreamRejectedException;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * The HighLevel contacts calls the sync makes, through the outbound layer (token, rate budget, retries,
 * breaker). Paths and bodies follow contacts.json and locations.json.
 */
@Component
public class HighLevelContactApi {

    /** Properties {@code PUT /contacts/{id}} accepts (UpdateContactDto); others can only be set by create or upsert. */
    static final Set<String> UPDATABLE = Set.of("firstName", "lastName", "name", "email", "phone", "address1", "city",
            "state", "postalCode", "website", "timezone", "dnd", "dndSettings", "inboundDndSettings", "tags",
            "customFields", "source", "dateOfBirth", "country", "assignedTo");

    /** Custom-field definitions are re-read at most this often when a key or id is not found. */
    private static final Duration FIELD_REFRESH = Duration.ofMinutes(1);

    private final OutboundClient client;
    private final ConnectionRegistry connections;
    private final ObjectMapper json;
    private final Clock clock;
    private final Map<String, FieldDirectory> fieldDirectories = new java.util.concurrent.ConcurrentHashMap<>();

    public HighLevelContactApi(OutboundClient client, ConnectionRegistry connections, ObjectMapper json, Clock clock) {
        this.client = client;
        this.connections = connections;
        this.json = json;
        this.clock = clock;
    }

    /** The location the connection was authorised for: every contact call names it. */
    public String locationId(String connectionId) {
        return connections.find(connectionId).map(Connection::locationId).filter(StringUtils::hasText)
                .orElseThrow(() -> new ContactSetupException("HighLevel connection '" + connectionId
                        + "' has no location id; set bridge.connections." + connectionId + ".location-id"));
    }

    /** The contact, or empty when HighLevel does not know the id (deleted, merged away). */
    public Optional<JsonNode> get(String connectionId, String contactId) {
        try {
            JsonNode body = client.call(connectionId, "get-contact", "GET", "/contacts/" + contactId, null, null).body();
            JsonNode contact = body == null ? null : body.get("contact");
            return contact == null || contact.isNull() ? Optional.empty() : Optional.of(contact);
        } catch (UpstreamRejectedException e) {
            if (notFound(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The contact the location's duplicate rules match for this email, else this phone (E.164). */
    public Optional<JsonNode> findDuplicate(String connectionId, String email, String phone) {
        for (String[] param : new String[][] {{"email", email}, {"number", phone}}) {
            if (!StringUtils.hasText(param[1])) {
                continue;
            }
            Map<String, Object> query = new LinkedHashMap<>();
            query.put("locationId", locationId(connectionId));
            query.put(param[0], param[1]);
            JsonNode body = client.call(connectionId, "get-duplicate-contact", "GET", "/contacts/search/duplicate", query, null)
                    .body();
            JsonNode contact = body == null ? null : body.get("contact");
            if (contact != null && contact.isObject() && contact.hasNonNull("id")) {
                return Optional.of(contact);
            }
        }
        return Optional.empty();
    }

    /**
     * A new contact, or the id of the existing one when the location's duplicate rules refused it.
     *
     * @param refusal for a duplicate: HighLevel's answer ({@code meta.contactId}, {@code meta.matchingField}), should the
     *                caller not be able to use the existing contact
     */
    public record Created(String id, JsonNode contact, boolean duplicate, UpstreamRejectedException refusal) {
    }

    public Created create(String connectionId, ObjectNode properties) {
        ObjectNode body = properties.deepCopy();
        body.put("locationId", locationId(connectionId));
        try {
            JsonNode answer = client.call(connectionId, "create-contact", "POST", "/contacts/", null, body).body();
            JsonNode contact = answer == null ? null : answer.get("contact");
            if (contact == null || !contact.hasNonNull("id")) {
                throw new IllegalStateException("HighLevel answered a contact create without the contact's id");
            }
            return new Created(contact.get("id").asText(), contact, false, null);
        } catch (UpstreamRejectedException e) {
            // "This location does not allow duplicated contacts." names the existing contact in meta.contactId.
            JsonNode existing = e.meta().path("contactId");
            if (e.status() == 400 && existing.isTextual() && !existing.asText().isBlank()) {
                return new Created(existing.asText(), null, true, e);
            }
            throw e;
        }
    }

    /**
     * Sets the properties on the contact and returns it as HighLevel stored it (null if it did not say). Properties
     * the update endpoint does not take (companyName) go through the upsert endpoint, which finds the contact by
     * its email: then everything goes in that one call, unless the email itself changes (the upsert would not find
     * the contact by its new email), in which case the update comes first.
     */
    public JsonNode update(String connectionId, String contactId, ObjectNode properties, String email) {
        ObjectNode put = json.createObjectNode();
        ObjectNode upsertOnly = json.createObjectNode();
        properties.fields().forEachRemaining(e -> (UPDATABLE.contains(e.getKey()) ? put : upsertOnly).set(e.getKey(), e.getValue()));
        if (upsertOnly.isEmpty() || !StringUtils.hasText(email)) {
            return put.isEmpty() ? null : putContact(connectionId, contactId, put);
        }
        JsonNode contact = null;
        ObjectNode upsert = properties.deepCopy();
        if (put.has("email")) {
            contact = putContact(connectionId, contactId, put);
            upsert = upsertOnly;
        }
        upsert.put("locationId", locationId(connectionId));
        upsert.put("email", email);
        JsonNode answer = client.call(connectionId, "upsert-contact", "POST", "/contacts/upsert", null, upsert).body();
        JsonNode upserted = answer == null ? null : answer.get("contact");
        if (upserted != null && !contactId.equals(upserted.path("id").asText())) {
            // Only when the location allows duplicates and two contacts share the email: retrying cannot help.
            throw new ContactRefusedException("HighLevel's upsert by email " + email + " matched contact "
                    + upserted.path("id").asText() + ", not the linked " + contactId + ": two HighLevel contacts share the email");
        }
        return upserted != null ? upserted : contact;
    }

    /**
     * Makes the calls the write needs: the properties by {@link #update}, then the tags by difference (added with
     * {@code POST /contacts/{id}/tags}, removed with {@code DELETE /contacts/{id}/tags}), so a tag added in HighLevel
     * meanwhile is never lost to a whole tag list computed before it.
     */
    public void apply(String connectionId, String contactId, HighLevelWrite write, String email) {
        if (write.hasProperties()) {
            update(connectionId, contactId, write.body(), email);
        }
        if (!write.addTags().isEmpty()) {
            client.call(connectionId, "add-tags", "POST", "/contacts/" + contactId + "/tags", null, tagsBody(write.addTags()));
        }
        if (!write.removeTags().isEmpty()) {
            client.call(connectionId, "remove-tags", "DELETE", "/contacts/" + contactId + "/tags", null,
                    tagsBody(write.removeTags()));
        }
    }

    private ObjectNode tagsBody(List<String> tags) {
        ObjectNode body = json.createObjectNode();
        tags.forEach(body.putArray("tags")::add);
        return body;
    }

    private JsonNode putContact(String connectionId, String contactId, ObjectNode body) {
        JsonNode answer = client.call(connectionId, "update-contact", "PUT", "/contacts/" + contactId, null, body).body();
        return answer == null ? null : answer.get("contact");
    }

    /** Deletes the contact; an unknown id counts as deleted. */
    public void delete(String connectionId, String contactId) {
        try {
            client.call(connectionId, "delete-contact", "DELETE", "/contacts/" + contactId, null, null);
        } catch (UpstreamRejectedException e) {
            if (!notFound(e)) {
                throw e;
            }
        }
    }

    /** Every contact of the location, page by page (the search endpoint's searchAfter paging), oldest first. */
    public int forEachPage(String connectionId, int pageSize, Consumer<List<JsonNode>> page) {
        String location = locationId(connectionId);
        JsonNode searchAfter = null;
        int requests = 0;
        while (true) {
            ObjectNode body = json.createObjectNode().put("locationId", location).put("pageLimit", pageSize);
            body.putArray("sort").addObject().put("field", "dateAdded").put("direction", "asc");
            if (searchAfter != null) {
                body.set("searchAfter", searchAfter);
            }
            OutboundResponse response = client.call(connectionId, "search-contacts-advanced", "POST", "/contacts/search", null, body);
            requests++;
            JsonNode contacts = response.body() == null ? null : response.body().get("contacts");
            if (contacts == null || !contacts.isArray()) {
                throw new IllegalStateException("HighLevel's contact search answered without a contacts array");
            }
            List<JsonNode> out = new ArrayList<>();
            JsonNode last = null;
            for (JsonNode c : contacts) {
                ObjectNode contact = c.deepCopy();
                JsonNode after = contact.remove("searchAfter");
                last = after != null && after.isArray() ? after : last;
                out.add(contact);
            }
            page.accept(out);
            if (contacts.size() < pageSize || last == null) {
                return requests;
            }
            searchAfter = last;
        }
    }

    /** The location's custom fields by key and id, re-read when a name is not found (at most once a minute). */
    public HighLevelFieldKeys fieldKeys(String connectionId) {
        return fieldDirectories.computeIfAbsent(connectionId, FieldDirectory::new);
    }

    /**
     * As {@link #fieldKeys}, read from HighLevel now: for the mapping check, which must see a field created a moment
     * ago and has its own schedule.
     */
    public HighLevelFieldKeys reloadFieldKeys(String connectionId) {
        FieldDirectory directory = fieldDirectories.computeIfAbsent(connectionId, FieldDirectory::new);
        directory.load();
        return directory;
    }

    public static boolean notFound(UpstreamRejectedException e) {
        String message = e.upstreamMessage() == null ? "" : e.upstreamMessage().toLowerCase(Locale.ROOT);
        return e.status() == 404 || (e.status() == 400 && message.contains("not found"));
    }

    public static Instant updatedAt(JsonNode contact) {
        for (String field : new String[] {"dateUpdated", "dateAdded"}) {
            JsonNode v = contact == null ? null : contact.get(field);
            if (v != null && v.isTextual()) {
                try {
                    return Instant.parse(v.asText());
                } catch (RuntimeException e) {
                    // try the next one
                }
            }
        }
        return null;
    }

    private final class FieldDirectory implements HighLevelFieldKeys {

        private final String connectionId;
        private volatile Map<String, String> idsByKey = Map.of();
        private volatile Map<String, String> keysById = Map.of();
        private volatile Instant loadedAt;

        FieldDirectory(String connectionId) {
            this.connectionId = connectionId;
        }

        @Override
        public Optional<String> idOf(String fieldKey) {
            String key = fieldKey.startsWith("contact.") ? fieldKey : "contact." + fieldKey;
            String id = idsByKey.get(key);
            if (id == null && reload()) {
                id = idsByKey.get(key);
            }
            return Optional.ofNullable(id);
        }

        @Override
        public Optional<String> keyOf(String fieldId) {
            String key = keysById.get(fieldId);
            if (key == null && reload()) {
                key = keysById.get(fieldId);
            }
            return Optional.ofNullable(key);
        }

        private synchronized boolean reload() {
            if (loadedAt != null && clock.instant().isBefore(loadedAt.plus(FIELD_REFRESH))) {
                return false;
            }
            load();
            return true;
        }

        synchronized void load() {
            Instant now = clock.instant();
            JsonNode body = client.call(connectionId, "get-custom-fields", "GET",
                    "/locations/" + locationId(connectionId) + "/customFields", Map.of("model", "contact"), null).body();
            Map<String, String> byKey = new LinkedHashMap<>();
            Map<String, String> byId = new LinkedHashMap<>();
            JsonNode fields = body == null ? null : body.get("customFields");
            if (fields != null) {
                for (Iterator<JsonNode> it = fields.elements(); it.hasNext(); ) {
                    JsonNode f = it.next();
                    String id = f.path("id").asText(null);
                    String key = f.path("fieldKey").asText(null);
                    if (id != null && key != null) {
                        byKey.put(key, id);
                        byId.put(id, key);
                    }
                }
            }
            idsByKey = Map.copyOf(byKey);
            keysById = Map.copyOf(byId);
            loadedAt = now;
        }
    }
}
