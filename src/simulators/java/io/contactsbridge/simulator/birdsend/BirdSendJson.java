package io.contactsbridge.simulator.birdsend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimJson;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * BirdSend's JSON shapes (snake_case, integer ids, "YYYY-MM-DD HH:MM:SS" UTC timestamps) and the
 * request-field validation shared by the API and admin routes.
 */
final class BirdSendJson {

    static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    static final String TIMESTAMP_FORMAT_LARAVEL = "Y-m-d H:i:s";

    /** Laravel's {@code email} rule is lenient: something@something, no spaces. */
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+$");
    private static final Pattern IPV4 = Pattern.compile(
            "^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$");
    private static final Pattern IPV6 = Pattern.compile("^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$");
    private static final Pattern INTEGER = Pattern.compile("^-?\\d{1,18}$");

    private BirdSendJson() {
    }

    static String timestamp(Instant instant) {
        return instant == null ? null : TIMESTAMP.format(instant);
    }

    static Instant parseTimestamp(String text) {
        return LocalDateTime.parse(text, TIMESTAMP).toInstant(ZoneOffset.UTC);
    }

    // --- rendering -------------------------------------------------------------------------------

    static ObjectNode account(BirdSendAccountInfo a) {
        return SimJson.object()
                .put("account_id", a.accountId())
                .put("email", a.email())
                .put("first_name", a.firstName())
                .put("last_name", a.lastName())
                .put("company_name", a.companyName())
                .put("timezone", a.timezone())
                .put("created_at", timestamp(a.createdAt()));
    }

    /**
     * A contact as the API shows it. {@code status}, timestamps and {@code ipaddress} are assumed
     * extras, left out when the settings say so, so the bridge is tested against their absence.
     */
    static ObjectNode contact(BirdSendContactView c, BirdSendSettings settings, Collection<String> fieldKeys,
                              Map<Long, BirdSendSequence> sequences) {
        ObjectNode node = SimJson.object().put("contact_id", c.contactId()).put("email", c.email());
        ObjectNode fields = node.putObject("fields");
        if (settings.includeUnsetFields()) {
            fieldKeys.forEach(key -> fields.put(key, c.fields().get(key)));
        } else {
            c.fields().forEach(fields::put);
        }
        ArrayNode tags = node.putArray("tags");
        c.tags().forEach(t -> tags.add(tag(t)));
        if (settings.includeAssumedFields() && settings.listContactSequences()) {
            // [assumed] shaped like the tags: see BirdSendSettings.listContactSequences
            ArrayNode joined = node.putArray("sequences");
            for (Long id : c.sequenceIds()) {
                BirdSendSequence s = sequences.get(id);
                joined.add(SimJson.object().put("sequence_id", id).put("name", s == null ? null : s.name()));
            }
        }
        if (settings.includeAssumedFields()) {
            node.put("status", c.status().value())
                    .put("ipaddress", c.ipaddress())
                    .put("created_at", timestamp(c.createdAt()))
                    .put("updated_at", timestamp(c.updatedAt()));
        }
        return node;
    }

    /** Everything the simulator knows about a contact, for the admin snapshot. */
    static ObjectNode contactSnapshot(BirdSendContactView c) {
        ObjectNode node = SimJson.object()
                .put("contact_id", c.contactId())
                .put("account_id", c.accountId())
                .put("email", c.email());
        ObjectNode fields = node.putObject("fields");
        c.fields().forEach(fields::put);
        ArrayNode tags = node.putArray("tags");
        c.tags().forEach(t -> tags.add(tag(t)));
        node.put("status", c.status().value())
                .put("ipaddress", c.ipaddress())
                .put("created_at", timestamp(c.createdAt()))
                .put("updated_at", timestamp(c.updatedAt()));
        ArrayNode sequences = node.putArray("sequence_ids");
        c.sequenceIds().forEach(sequences::add);
        node.put("form_id", c.formId());
        return node;
    }

    static ObjectNode tag(BirdSendTag t) {
        return SimJson.object().put("tag_id", t.tagId()).put("name", t.name());
    }

    static ObjectNode field(BirdSendField f) {
        return SimJson.object()
                .put("field_id", f.fieldId())
                .put("key", f.key())
                .put("label", f.label())
                .put("type", f.type());
    }

    static ObjectNode sequence(BirdSendSequence s) {
        return SimJson.object()
                .put("sequence_id", s.sequenceId())
                .put("name", s.name())
                .put("status", s.status())
                .put("created_at", timestamp(s.createdAt()));
    }

    static ObjectNode form(BirdSendForm f) {
        return SimJson.object()
                .put("form_id", f.formId())
                .put("name", f.name())
                .put("type", f.type())
                .put("created_at", timestamp(f.createdAt()));
    }

    static ObjectNode broadcast(BirdSendBroadcast b) {
        return SimJson.object()
                .put("broadcast_id", b.broadcastId())
                .put("name", b.name())
                .put("subject", b.subject())
                .put("from_name", b.fromName())
                .put("from_email", b.fromEmail())
                .put("content", b.content())
                .put("status", b.status())
                .put("send_at", timestamp(b.sendAt()))
                .put("created_at", timestamp(b.createdAt()))
                .put("updated_at", timestamp(b.updatedAt()));
    }

    // --- request fields --------------------------------------------------------------------------

    /** A required, valid email; {@code null} (with errors added) otherwise. */
    static String email(JsonNode body, ValidationErrors errors) {
        JsonNode node = body.path("email");
        if (node.isMissingNode() || node.isNull() || (node.isTextual() && node.asText().isBlank())) {
            errors.add("email", ValidationErrors.required("email"));
            return null;
        }
        if (!node.isTextual()) {
            errors.add("email", ValidationErrors.string("email"));
            return null;
        }
        String email = node.asText().trim();
        if (!EMAIL.matcher(email).matches()) {
            errors.add("email", ValidationErrors.invalidEmail("email"));
            return null;
        }
        return email;
    }

    static boolean isEmail(String value) {
        return value != null && EMAIL.matcher(value).matches();
    }

    /**
     * The {@code fields} object: key to text. Numbers and booleans are kept as their text (BirdSend
     * stores field values as text); {@code null} clears a field. Absent: an empty map.
     */
    static Map<String, String> fields(JsonNode body, ValidationErrors errors) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode node = body.path("fields");
        if (node.isMissingNode() || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            errors.add("fields", ValidationErrors.array("fields"));
            return out;
        }
        node.fields().forEachRemaining(e -> {
            JsonNode value = e.getValue();
            if (value.isNull()) {
                out.put(e.getKey(), null);
            } else if (value.isValueNode()) {
                out.put(e.getKey(), value.asText());
            } else {
                errors.add("fields." + e.getKey(), ValidationErrors.string("fields." + e.getKey()));
            }
        });
        return out;
    }

    /** A list of tag names under {@code field}; {@code required} makes absence an error. */
    static List<String> tagNames(JsonNode body, String field, boolean required, ValidationErrors errors) {
        List<String> out = new ArrayList<>();
        JsonNode node = body.path(field);
        if (node.isMissingNode() || node.isNull() || (node.isArray() && node.isEmpty())) {
            if (required) {
                errors.add(field, ValidationErrors.required(field));
            }
            return out;
        }
        if (!node.isArray()) {
            errors.add(field, ValidationErrors.array(field));
            return out;
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode name = node.get(i);
            if (!name.isTextual()) {
                errors.add(field + "." + i, ValidationErrors.string(field + "." + i));
            } else if (name.asText().isBlank()) {
                errors.add(field + "." + i, ValidationErrors.required(field + "." + i));
            } else {
                out.add(name.asText().trim());
            }
        }
        return out;
    }

    /** An optional integer (a JSON number or a numeric string, as PHP accepts either). */
    static Long optionalInteger(JsonNode body, String field, ValidationErrors errors) {
        JsonNode node = body.path(field);
        if (node.isMissingNode() || node.isNull() || (node.isTextual() && node.asText().isEmpty())) {
            return null;
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.asLong();
        }
        if (node.isTextual() && INTEGER.matcher(node.asText().trim()).matches()) {
            return Long.parseLong(node.asText().trim());
        }
        errors.add(field, ValidationErrors.integer(field));
        return null;
    }

    /** An optional string; non-strings are reported. */
    static String optionalString(JsonNode body, String field, ValidationErrors errors) {
        JsonNode node = body.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            errors.add(field, ValidationErrors.string(field));
            return null;
        }
        return node.asText();
    }

    static String optionalIp(JsonNode body, String field, ValidationErrors errors) {
        String ip = optionalString(body, field, errors);
        if (ip == null || ip.isEmpty()) {
            return null;
        }
        if (!IPV4.matcher(ip).matches() && !IPV6.matcher(ip).matches()) {
            errors.add(field, "The " + ValidationErrors.attribute(field) + " field must be a valid IP address.");
            return null;
        }
        return ip;
    }

    static Instant optionalTimestamp(JsonNode body, String field, ValidationErrors errors) {
        String text = optionalString(body, field, errors);
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            return parseTimestamp(text);
        } catch (DateTimeParseException e) {
            errors.add(field, ValidationErrors.dateFormat(field, TIMESTAMP_FORMAT_LARAVEL));
            return null;
        }
    }
}
