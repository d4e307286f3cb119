package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.FirstInOrder;
import io.contactsbridge.simulator.sim.SimJson;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * {@code POST /contacts/search}: HighLevel's "advanced" search, whose request body the spec leaves
 * empty ({@code SearchBodyV2DTO}) and documents elsewhere. Modelled on that documentation:
 *
 * <ul>
 *   <li>{@code locationId} (required), {@code pageLimit} (required, 1..500), {@code page} (from 1) or
 *       {@code searchAfter} (not both), {@code filters}, {@code sort}, {@code query} (max 75 chars).</li>
 *   <li>Filters {@code {field, operator, value}} or groups {@code {group: "AND"|"OR", filters: [...]}},
 *       nestable; the top-level list is AND. Operators: {@code eq}, {@code not_eq}, {@code contains},
 *       {@code not_contains}, {@code exists}, {@code not_exists}, {@code range} (value
 *       {@code {gt|gte|lt|lte}} on dates or numbers). String comparisons ignore case; on list fields
 *       ({@code tags}, {@code followers}) {@code eq} means "has", and an array value "has any".
 *       String values are limited to 75 characters.</li>
 *   <li>Fields: {@link #FIELDS}, and {@code customFields.<id or key>}.</li>
 *   <li>Sort: up to two of {@link #SORT_FIELDS}, {@code direction} asc/desc; missing values last;
 *       ties broken by id. Default (the documentation is silent, so chosen): {@code dateAdded} desc.</li>
 *   <li>Standard paging reaches {@code page * pageLimit <= 10,000}; beyond that the caller must use
 *       {@code searchAfter}: the {@code searchAfter} array each returned contact carries (its sort
 *       values, dates as epoch millis, then its id).</li>
 *   <li>Answer: {@code {contacts: [...], total}}, total counting every match.</li>
 * </ul>
 * Malformed searches are answered 400 (the spec lists only 200/400/401 for this operation).
 */
final class ContactSearch {

    static final int MAX_PAGE_LIMIT = 500;
    static final int MAX_VALUE_LENGTH = 75;
    static final List<String> FIELDS = List.of("id", "firstName", "firstNameLowerCase", "lastName",
            "lastNameLowerCase", "fullNameLowerCase", "email", "phone", "companyName", "businessName", "address",
            "address1", "city", "state", "country", "postalCode", "website", "timezone", "source", "type",
            "assignedTo", "gender", "tags", "followers", "dnd", "businessId", "dateAdded", "dateUpdated",
            "dateOfBirth");
    static final List<String> SORT_FIELDS = List.of("dateAdded", "dateUpdated", "firstNameLowerCase",
            "lastNameLowerCase", "fullNameLowerCase", "email", "companyName", "businessName", "dateOfBirth");

    private final List<HighLevelCustomField> customFieldDefinitions;

    ContactSearch(List<HighLevelCustomField> customFieldDefinitions) {
        this.customFieldDefinitions = customFieldDefinitions;
    }

    private record SortKey(String field, boolean descending) {
    }

    /** Runs a search over {@code candidates} (already limited to the location). */
    ObjectNode search(JsonNode body, Collection<ContactRecord> candidates, int maxPagedWindow) {
        if (!body.isObject()) {
            throw HighLevelErrors.badRequest("The search body must be a JSON object");
        }
        JsonNode pageLimitNode = body.get("pageLimit");
        if (pageLimitNode == null || !pageLimitNode.canConvertToInt() || !pageLimitNode.isIntegralNumber()) {
            throw HighLevelErrors.badRequest("pageLimit must be an integer between 1 and " + MAX_PAGE_LIMIT);
        }
        int pageLimit = pageLimitNode.asInt();
        if (pageLimit < 1 || pageLimit > MAX_PAGE_LIMIT) {
            throw HighLevelErrors.badRequest("pageLimit must be an integer between 1 and " + MAX_PAGE_LIMIT);
        }
        JsonNode searchAfter = body.get("searchAfter");
        JsonNode pageNode = body.get("page");
        if (searchAfter != null && pageNode != null) {
            throw HighLevelErrors.badRequest("page and searchAfter cannot be used together");
        }
        int page = 1;
        if (pageNode != null) {
            if (!pageNode.isIntegralNumber() || pageNode.asInt() < 1) {
                throw HighLevelErrors.badRequest("page must be an integer greater than or equal to 1");
            }
            page = pageNode.asInt();
            if ((long) page * pageLimit > maxPagedWindow) {
                throw HighLevelErrors.badRequest("page * pageLimit must not exceed " + maxPagedWindow
                        + "; use searchAfter to paginate beyond " + maxPagedWindow + " records");
            }
        }
        List<SortKey> sort = sortKeys(body.get("sort"));
        Predicate<ContactRecord> filter = filters(body.get("filters"));
        JsonNode query = body.get("query");
        if (query != null && !query.isNull()) {
            if (!query.isTextual() || query.asText().length() > MAX_VALUE_LENGTH) {
                throw HighLevelErrors.badRequest("query must be a string of at most " + MAX_VALUE_LENGTH + " characters");
            }
            filter = filter.and(freeText(query.asText()));
        }

        Comparator<List<Object>> order = tupleOrder(sort);
        // Sort keys are computed once per match, not once per comparison; the page is selected, not sorted out of
        // every match (a poller asks for the first page of a large location often).
        record Keyed(ContactRecord contact, List<Object> key) {
        }
        List<Object> cursor = searchAfter == null ? null : cursor(searchAfter, sort);
        FirstInOrder<Keyed> first = new FirstInOrder<>(Comparator.comparing(Keyed::key, order),
                cursor == null ? (long) (page - 1) * pageLimit : 0, pageLimit);
        int total = 0;
        for (ContactRecord contact : candidates) {
            if (filter.test(contact)) {
                total++;
                List<Object> key = sortTuple(contact, sort);
                if (cursor == null || order.compare(key, cursor) > 0) {
                    first.offer(new Keyed(contact, key));
                }
            }
        }
        ObjectNode result = SimJson.object();
        ArrayNode contacts = result.putArray("contacts");
        for (Keyed match : first.page()) {
            ObjectNode json = match.contact().toJson();
            ArrayNode after = json.putArray("searchAfter");
            match.key().forEach(value -> after.add(toJsonValue(value)));
            contacts.add(json);
        }
        result.put("total", total);
        return result;
    }

    // --- sorting ---------------------------------------------------------------------------------

    private static List<SortKey> sortKeys(JsonNode sort) {
        if (sort == null || sort.isNull() || (sort.isArray() && sort.isEmpty())) {
            return List.of(new SortKey("dateAdded", true));
        }
        if (!sort.isArray() || sort.size() > 2) {
            throw HighLevelErrors.badRequest("sort must be an array of at most 2 sort criteria");
        }
        List<SortKey> keys = new ArrayList<>();
        for (JsonNode item : sort) {
            String field = item.path("field").asText("");
            if (!SORT_FIELDS.contains(field)) {
                throw HighLevelErrors.badRequest("Invalid sort field: " + field + ". Supported fields: "
                        + String.join(", ", SORT_FIELDS));
            }
            String direction = item.path("direction").asText("asc").toLowerCase(Locale.ROOT);
            if (!direction.equals("asc") && !direction.equals("desc")) {
                throw HighLevelErrors.badRequest("sort direction must be one of the following values: asc, desc");
            }
            keys.add(new SortKey(field, direction.equals("desc")));
        }
        return keys;
    }

    /** The values a contact sorts by: one per sort key (dates as epoch millis), then its id. */
    private static List<Object> sortTuple(ContactRecord contact, List<SortKey> sort) {
        List<Object> tuple = new ArrayList<>(sort.size() + 1);
        for (SortKey key : sort) {
            Object value = fieldValue(contact, key.field());
            tuple.add(value instanceof Instant instant ? (Object) instant.toEpochMilli()
                    : value instanceof String text ? text.toLowerCase(Locale.ROOT) : value);
        }
        tuple.add(contact.id);
        return tuple;
    }

    private static Comparator<List<Object>> tupleOrder(List<SortKey> sort) {
        return (a, b) -> {
            for (int i = 0; i < sort.size(); i++) {
                Object x = a.get(i);
                Object y = b.get(i);
                if (x == null || y == null) {
                    if (x != y) {
                        return x == null ? 1 : -1; // missing values last, whatever the direction
                    }
                    continue;
                }
                int diff = compareValues(x, y);
                if (diff != 0) {
                    return sort.get(i).descending() ? -diff : diff;
                }
            }
            return ((String) a.get(sort.size())).compareTo((String) b.get(sort.size()));
        };
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareValues(Object x, Object y) {
        if (x instanceof Number a && y instanceof Number b) {
            return Long.compare(a.longValue(), b.longValue());
        }
        if (x.getClass() == y.getClass() && x instanceof Comparable comparable) {
            return comparable.compareTo(y);
        }
        return String.valueOf(x).compareTo(String.valueOf(y));
    }

    private static List<Object> cursor(JsonNode searchAfter, List<SortKey> sort) {
        if (!searchAfter.isArray() || searchAfter.size() != sort.size() + 1
                || !searchAfter.get(sort.size()).isTextual()) {
            throw HighLevelErrors.badRequest("searchAfter must be the searchAfter array of the last contact of the"
                    + " previous page (one value per sort field, then the contact id)");
        }
        List<Object> cursor = new ArrayList<>();
        for (int i = 0; i < sort.size(); i++) {
            JsonNode value = searchAfter.get(i);
            cursor.add(value.isNull() ? null : value.isNumber() ? (Object) value.asLong()
                    : value.asText().toLowerCase(Locale.ROOT));
        }
        cursor.add(searchAfter.get(sort.size()).asText());
        return cursor;
    }

    private static JsonNode toJsonValue(Object value) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (value == null) {
            return nodes.nullNode();
        }
        if (value instanceof Long number) {
            return nodes.numberNode(number);
        }
        if (value instanceof Boolean bool) {
            return nodes.booleanNode(bool);
        }
        return nodes.textNode(String.valueOf(value));
    }

    // --- filters ---------------------------------------------------------------------------------

    private Predicate<ContactRecord> filters(JsonNode filters) {
        if (filters == null || filters.isNull()) {
            return contact -> true;
        }
        if (!filters.isArray()) {
            throw HighLevelErrors.badRequest("filters must be an array");
        }
        return group("AND", filters);
    }

    private Predicate<ContactRecord> group(String logic, JsonNode filters) {
        List<Predicate<ContactRecord>> parts = new ArrayList<>();
        for (JsonNode item : filters) {
            parts.add(item.has("group") ? nestedGroup(item) : condition(item));
        }
        if ("OR".equals(logic)) {
            return contact -> parts.stream().anyMatch(p -> p.test(contact));
        }
        return contact -> parts.stream().allMatch(p -> p.test(contact));
    }

    private Predicate<ContactRecord> nestedGroup(JsonNode item) {
        String logic = item.path("group").asText("").toUpperCase(Locale.ROOT);
        if (!logic.equals("AND") && !logic.equals("OR")) {
            throw HighLevelErrors.badRequest("group must be one of the following values: AND, OR");
        }
        JsonNode nested = item.get("filters");
        if (nested == null || !nested.isArray() || nested.isEmpty()) {
            throw HighLevelErrors.badRequest("a filter group needs a non-empty filters array");
        }
        return group(logic, nested);
    }

    private Predicate<ContactRecord> condition(JsonNode item) {
        if (!item.isObject()) {
            throw HighLevelErrors.badRequest("each filter must be an object");
        }
        String field = item.path("field").asText("");
        String operator = item.path("operator").asText("");
        JsonNode value = item.get("value");
        HighLevelCustomField customField = null;
        if (field.startsWith("customFields.") || field.startsWith("customField.")) {
            String idOrKey = field.substring(field.indexOf('.') + 1);
            customField = customFieldDefinitions.stream().filter(f -> f.matches(idOrKey)).findFirst()
                    .orElseThrow(() -> HighLevelErrors.badRequest("Unknown custom field in filter: " + idOrKey));
        } else if (!FIELDS.contains(field)) {
            throw HighLevelErrors.badRequest("Invalid filter field: " + field);
        }
        if (value != null && value.isTextual() && value.asText().length() > MAX_VALUE_LENGTH) {
            throw HighLevelErrors.badRequest("filter value must be at most " + MAX_VALUE_LENGTH + " characters");
        }
        HighLevelCustomField custom = customField;
        java.util.function.Function<ContactRecord, Object> read = custom == null
                ? contact -> fieldValue(contact, field)
                : contact -> customValue(contact, custom);
        return switch (operator) {
            case "eq" -> equalTo(field, requireValue(operator, value), read);
            case "not_eq" -> equalTo(field, requireValue(operator, value), read).negate();
            case "contains" -> containing(requireText(operator, value), read);
            case "not_contains" -> containing(requireText(operator, value), read).negate();
            case "exists" -> contact -> present(read.apply(contact));
            case "not_exists" -> contact -> !present(read.apply(contact));
            case "range" -> range(field, custom, requireValue(operator, value), read);
            default -> throw HighLevelErrors.badRequest("Invalid operator: " + operator
                    + ". Supported operators: eq, not_eq, contains, not_contains, exists, not_exists, range");
        };
    }

    private static JsonNode requireValue(String operator, JsonNode value) {
        if (value == null || value.isNull()) {
            throw HighLevelErrors.badRequest("value is required for operator " + operator);
        }
        return value;
    }

    private static String requireText(String operator, JsonNode value) {
        if (value == null || !value.isTextual()) {
            throw HighLevelErrors.badRequest("value must be a string for operator " + operator);
        }
        return value.asText().toLowerCase(Locale.ROOT);
    }

    private static Predicate<ContactRecord> equalTo(String field, JsonNode value,
                                                    java.util.function.Function<ContactRecord, Object> read) {
        List<String> wanted = new ArrayList<>();
        if (value.isArray()) {
            value.forEach(v -> wanted.add(v.asText().toLowerCase(Locale.ROOT)));
        } else {
            wanted.add(value.asText().toLowerCase(Locale.ROOT));
        }
        if (field.equals("phone")) {
            wanted.replaceAll(number -> PhoneNumbers.normalise(number, "1").toLowerCase(Locale.ROOT));
        }
        return contact -> {
            Object actual = read.apply(contact);
            if (actual instanceof List<?> list) {
                return list.stream().anyMatch(item -> wanted.contains(String.valueOf(item).toLowerCase(Locale.ROOT)));
            }
            if (actual instanceof Instant instant) {
                return wanted.stream().map(HighLevelTime::parseInstant)
                        .anyMatch(parsed -> parsed.isPresent() && parsed.get().equals(instant));
            }
            if (actual instanceof BigDecimal number) {
                return wanted.stream().anyMatch(w -> {
                    try {
                        return new BigDecimal(w).compareTo(number) == 0;
                    } catch (NumberFormatException e) {
                        return false;
                    }
                });
            }
            return actual != null && wanted.contains(String.valueOf(actual).toLowerCase(Locale.ROOT));
        };
    }

    private static Predicate<ContactRecord> containing(String needle,
                                                       java.util.function.Function<ContactRecord, Object> read) {
        return contact -> {
            Object actual = read.apply(contact);
            if (actual instanceof List<?> list) {
                return list.stream().anyMatch(item -> String.valueOf(item).toLowerCase(Locale.ROOT).contains(needle));
            }
            return actual != null && String.valueOf(actual).toLowerCase(Locale.ROOT).contains(needle);
        };
    }

    private static boolean present(Object value) {
        if (value == null) {
            return false;
        }
        if (value instanceof List<?> list) {
            return !list.isEmpty();
        }
        return !(value instanceof String text) || !text.isBlank();
    }

    private static Predicate<ContactRecord> range(String field, HighLevelCustomField custom, JsonNode bounds,
                                                  java.util.function.Function<ContactRecord, Object> read) {
        if (!bounds.isObject() || bounds.isEmpty()) {
            throw HighLevelErrors.badRequest("range value must be an object with gt, gte, lt and/or lte");
        }
        boolean numeric = custom != null && custom.isNumeric();
        boolean dated = custom == null ? List.of("dateAdded", "dateUpdated", "dateOfBirth").contains(field)
                : "DATE".equals(custom.dataType());
        if (!numeric && !dated) {
            throw HighLevelErrors.badRequest("range is only supported on date and number fields, not " + field);
        }
        List<Predicate<BigDecimal>> checks = new ArrayList<>();
        bounds.fields().forEachRemaining(bound -> {
            BigDecimal limit = numeric ? number(bound.getValue()) : dateBound(bound.getValue());
            switch (bound.getKey()) {
                case "gt" -> checks.add(v -> v.compareTo(limit) > 0);
                case "gte" -> checks.add(v -> v.compareTo(limit) >= 0);
                case "lt" -> checks.add(v -> v.compareTo(limit) < 0);
                case "lte" -> checks.add(v -> v.compareTo(limit) <= 0);
                default -> throw HighLevelErrors.badRequest("range supports gt, gte, lt and lte, not " + bound.getKey());
            }
        });
        return contact -> {
            Object actual = read.apply(contact);
            BigDecimal value;
            if (actual instanceof Instant instant) {
                value = BigDecimal.valueOf(instant.toEpochMilli());
            } else if (actual instanceof BigDecimal number) {
                value = number;
            } else if (actual instanceof String text && dated) {
                Optional<Instant> parsed = HighLevelTime.parseInstant(text);
                if (parsed.isEmpty()) {
                    return false;
                }
                value = BigDecimal.valueOf(parsed.get().toEpochMilli());
            } else {
                return false;
            }
            return checks.stream().allMatch(check -> check.test(value));
        };
    }

    private static BigDecimal number(JsonNode value) {
        try {
            return new BigDecimal(value.asText());
        } catch (NumberFormatException e) {
            throw HighLevelErrors.badRequest("range bounds on number fields must be numbers");
        }
    }

    private static BigDecimal dateBound(JsonNode value) {
        Optional<Instant> instant = value.isNumber() ? Optional.of(Instant.ofEpochMilli(value.asLong()))
                : HighLevelTime.parseInstant(value.asText());
        return BigDecimal.valueOf(instant.orElseThrow(() -> HighLevelErrors.badRequest(
                "range bounds on date fields must be ISO-8601 dates or epoch milliseconds")).toEpochMilli());
    }

    /** Free text as HighLevel's search box matches it: name, email, phone, company name. */
    static Predicate<ContactRecord> freeText(String query) {
        String needle = query.trim().toLowerCase(Locale.ROOT);
        String digits = needle.replaceAll("[^0-9]", "");
        return contact -> {
            if (needle.isEmpty()) {
                return true;
            }
            for (String candidate : new String[]{contact.fullName(), contact.email(), contact.get("companyName")}) {
                if (candidate != null && candidate.toLowerCase(Locale.ROOT).contains(needle)) {
                    return true;
                }
            }
            String phone = contact.phone();
            return phone != null && (phone.contains(needle)
                    || (digits.length() >= 3 && phone.replaceAll("[^0-9]", "").contains(digits)));
        };
    }

    // --- field access ----------------------------------------------------------------------------

    /** A contact's value for a search field: String, Boolean, Instant, or List of strings. */
    static Object fieldValue(ContactRecord contact, String field) {
        return switch (field) {
            case "id" -> contact.id;
            case "firstName", "firstNameLowerCase" -> lower(contact.get("firstName"));
            case "lastName", "lastNameLowerCase" -> lower(contact.get("lastName"));
            case "fullNameLowerCase" -> lower(contact.fullName());
            case "email" -> contact.emailLowerCase();
            case "companyName", "businessName" -> contact.get("companyName");
            case "address", "address1" -> contact.get("address1");
            case "tags" -> List.copyOf(contact.tags);
            case "followers" -> List.copyOf(contact.followers);
            case "dnd" -> contact.dnd;
            case "businessId" -> contact.businessId;
            case "dateAdded" -> contact.dateAdded;
            case "dateUpdated" -> contact.dateUpdated;
            case "dateOfBirth" -> contact.get("dateOfBirth") == null ? null
                    : HighLevelTime.parseInstant(contact.get("dateOfBirth")).orElse(null);
            default -> contact.get(field);
        };
    }

    private static Object customValue(ContactRecord contact, HighLevelCustomField field) {
        JsonNode value = contact.customFields.get(field.id());
        if (value == null) {
            return null;
        }
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(item -> items.add(item.asText()));
            return items;
        }
        if (value.isNumber()) {
            return value.decimalValue();
        }
        return value.asText();
    }

    private static String lower(String value) {
        return value == null ? null : value.toLowerCase(Locale.ROOT);
    }
}
