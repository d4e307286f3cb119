package io.contactsbridge.outbound.contacts;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.mapping.BirdSendWrite;
import io.contactsbridge.outbound.OutboundClient;
import io.contactsbridge.outbound.UpstreamRejectedException;
import org.springframework.stereotype.Component;

/**
 * The BirdSend contacts calls the sync makes, through the outbound layer. BirdSend changes a contact in
 * several calls (fields by PATCH, tags one by one, the subscription by its own endpoints); {@link #apply}
 * makes only the ones a {@link BirdSendWrite} needs.
 */
@Component
public class BirdSendContactApi {

    private static final DateTimeFormatter UPDATED_AT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    /** Tag names are re-read at most this often when one is not found. */
    private static final Duration TAG_REFRESH = Duration.ofMinutes(1);

    private final OutboundClient client;
    private final ObjectMapper json;
    private final Clock clock;
    private final Map<String, TagNames> tagNames = new ConcurrentHashMap<>();

    public BirdSendContactApi(OutboundClient client, ObjectMapper json, Clock clock) {
        this.client = client;
        this.json = json;
        this.clock = clock;
    }

    /** The contact, or empty when BirdSend does not know the id (deleted). */
    public Optional<JsonNode> get(String connectionId, String contactId) {
        try {
            JsonNode contact = client.call(connectionId, "get-contact", "GET", "/contacts/" + contactId, null, null).body();
            return contact == null || !contact.isObject() ? Optional.empty() : Optional.of(contact);
        } catch (UpstreamRejectedException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The contact with exactly this email (ignoring case): BirdSend's email search may match parts of addresses. */
    public Optional<JsonNode> findByEmail(String connectionId, String email) {
        if (email == null || email.isBlank()) {
            return Optional.empty();
        }
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("search_by", "email");
        query.put("keyword", email.trim());
        query.put("per_page", 100);
        JsonNode body = client.call(connectionId, "list-contacts", "GET", "/contacts", query, null).body();
        for (JsonNode c : body == null ? json.createArrayNode() : body.path("data")) {
            if (c.path("email").asText("").trim().equalsIgnoreCase(email.trim())) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    public record Created(String id, JsonNode contact, boolean duplicate) {
    }

    /**
     * Creates the contact with the write's email, fields and tags (then unsubscribes it if asked). An email
     * BirdSend already has (422 "has already been taken") gives the existing contact instead.
     */
    public Created create(String connectionId, BirdSendWrite write) {
        ObjectNode body = json.createObjectNode().put("email", write.email());
        if (!write.fields().isEmpty()) {
            ObjectNode fields = body.putObject("fields");
            write.fields().forEach(fields::put);
        }
        if (!write.addTags().isEmpty()) {
            var tags = body.putArray("tags");
            tagNames(connectionId).resolve(write.addTags()).forEach(tags::add);
        }
        JsonNode contact;
        try {
            contact = client.call(connectionId, "create-contact", "POST", "/contacts", null, body).body();
        } catch (UpstreamRejectedException e) {
            if (e.status() == 422 && e.fieldErrors().getOrDefault("email", List.of()).stream()
                    .anyMatch(m -> m.toLowerCase(Locale.ROOT).contains("taken"))) {
                Optional<JsonNode> existing = findByEmail(connectionId, write.email());
                if (existing.isPresent()) {
                    return new Created(existing.get().path("contact_id").asText(), existing.get(), true);
                }
            }
            throw e;
        }
        String id = contact == null ? null : contact.path("contact_id").asText(null);
        if (id == null) {
            throw new IllegalStateException("BirdSend answered a contact create without contact_id");
        }
        // An unsubscribe is a call of its own (BirdSend's create takes no status): the caller makes it once the new
        // contact is linked, so a stop between the two calls cannot leave a contact the bridge made but does not know.
        return new Created(id, contact, false);
    }

    /** Makes the calls the write needs and returns the contact as BirdSend answered the last of them. */
    public JsonNode apply(String connectionId, String contactId, JsonNode current, BirdSendWrite write) {
        JsonNode contact = current;
        String path = "/contacts/" + contactId;
        if (write.emailChanged() || !write.fields().isEmpty()) {
            // BirdSend's PATCH requires the email; unchanged, it is sent as stored so its case is kept.
            String email = write.emailChanged() || !current.path("email").isTextual() ? write.email() : current.get("email").asText();
            ObjectNode body = json.createObjectNode().put("email", email);
            if (!write.fields().isEmpty()) {
                ObjectNode fields = body.putObject("fields");
                write.fields().forEach(fields::put);
            }
            contact = client.call(connectionId, "update-contact", "PATCH", path, null, body).body();
        }
        if (!write.addTags().isEmpty()) {
            ObjectNode body = json.createObjectNode();
            var tags = body.putArray("tags");
            tagNames(connectionId).resolve(write.addTags()).forEach(tags::add);
            contact = client.call(connectionId, "add-contact-tags", "POST", path + "/tags", null, body).body();
        }
        for (String name : write.removeTags()) {
            for (JsonNode tag : current.path("tags")) {
                if (tag.path("name").asText("").trim().equalsIgnoreCase(name)) {
                    contact = client.call(connectionId, "remove-contact-tag", "DELETE",
                            path + "/tags/" + tag.path("tag_id").asText(), null, null).body();
                }
            }
        }
        if (write.unsubscribed() != null) {
            contact = write.unsubscribed()
                    ? client.call(connectionId, "unsubscribe-contact", "DELETE", path + "/unsubscribe", null, null).body()
                    : client.call(connectionId, "subscribe-contact", "POST", path + "/subscribe", null, json.createObjectNode()).body();
        }
        return contact;
    }

    /** Deletes the contact; an unknown id counts as deleted. */
    public void delete(String connectionId, String contactId) {
        try {
            client.call(connectionId, "delete-contact", "DELETE", "/contacts/" + contactId, null, null);
        } catch (UpstreamRejectedException e) {
            if (e.status() != 404) {
                throw e;
            }
        }
    }

    /** Every contact, page by page, by id ascending. Returns the number of requests made. */
    public int forEachPage(String connectionId, int pageSize, Consumer<List<JsonNode>> page) {
        int requests = 0;
        for (int n = 1; ; n++) {
            Map<String, Object> query = new LinkedHashMap<>();
            query.put("page", n);
            query.put("per_page", pageSize);
            query.put("order_by", "contact_id");
            query.put("sort", "asc");
            JsonNode body = client.call(connectionId, "list-contacts", "GET", "/contacts", query, null).body();
            requests++;
            List<JsonNode> out = new ArrayList<>();
            body.path("data").forEach(out::add);
            page.accept(out);
            int last = body.path("meta").path("last_page").asInt(n);
            if (out.isEmpty() || n >= last) {
                return requests;
            }
        }
    }

    /** The keys of the account's fields ({@code GET /fields}: first_name, last_name and the custom ones). */
    public java.util.Set<String> fieldKeys(String connectionId) {
        java.util.Set<String> keys = new java.util.TreeSet<>();
        for (int n = 1; ; n++) {
            JsonNode body = client.call(connectionId, "list-fields", "GET", "/fields", Map.of("page", n, "per_page", 100), null).body();
            body.path("data").forEach(f -> keys.add(f.path("key").asText()));
            if (body.path("data").isEmpty() || n >= body.path("meta").path("last_page").asInt(n)) {
                return keys;
            }
        }
    }

    /** BirdSend's {@code updated_at} ("YYYY-MM-DD HH:MM:SS", UTC; assumed, so optional). */
    public static Instant updatedAt(JsonNode contact) {
        JsonNode v = contact == null ? null : contact.get("updated_at");
        if (v == null || !v.isTextual()) {
            return null;
        }
        try {
            return LocalDateTime.parse(v.asText().trim().replace('T', ' ').replaceAll("(\\.\\d+)?Z?$", ""), UPDATED_AT)
                    .toInstant(ZoneOffset.UTC);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private TagNames tagNames(String connectionId) {
        return tagNames.computeIfAbsent(connectionId, TagNames::new);
    }

    /** The account's tag names by lower case, so a tag synced from HighLevel (lower case) reuses "VIP". */
    private final class TagNames {

        private final String connectionId;
        private volatile Map<String, String> byLower = Map.of();
        private volatile Instant loadedAt;

        TagNames(String connectionId) {
            this.connectionId = connectionId;
        }

        List<String> resolve(List<String> lowerNames) {
            if (lowerNames.stream().anyMatch(n -> !byLower.containsKey(n))) {
                reload();
            }
            return lowerNames.stream().map(n -> byLower.getOrDefault(n, n)).toList();
        }

        private synchronized void reload() {
            Instant now = clock.instant();
            if (loadedAt != null && now.isBefore(loadedAt.plus(TAG_REFRESH))) {
                return;
            }
            Map<String, String> names = new LinkedHashMap<>();
            for (int n = 1; ; n++) {
                JsonNode body = client.call(connectionId, "list-tags", "GET", "/tags", Map.of("page", n, "per_page", 100), null)
                        .body();
                body.path("data").forEach(t -> names.putIfAbsent(t.path("name").asText("").trim().toLowerCase(Locale.ROOT),
                        t.path("name").asText("").trim()));
                if (body.path("data").isEmpty() || n >= body.path("meta").path("last_page").asInt(n)) {
                    break;
                }
            }
            byLower = Map.copyOf(names);
            loadedAt = now;
        }
    }
}
