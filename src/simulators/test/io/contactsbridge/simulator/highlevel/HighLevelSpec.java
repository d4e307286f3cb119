package io.contactsbridge.simulator.highlevel;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.interaction.response.CustomResponseValidator;
import com.atlassian.oai.validator.model.ApiOperation;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.whitelist.ValidationErrorsWhitelist;
import com.atlassian.oai.validator.whitelist.rule.WhitelistRule;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimFilter;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimRequest;
import io.contactsbridge.simulator.sim.SimResponse;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.parameters.PathParameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * HighLevel's official OpenAPI specs (src/test/resources/highlevel-reference/apps/*.json) as a validator of
 * HTTP exchanges: the simulator's answers in the contract test, and any client's requests (the
 * bridge's connector tests can wrap their calls with {@link #validate}). {@link #strictFilter}
 * puts the same check inside a running simulator.
 *
 * <p>The specs are a copy in the repository ({@link HighLevelReference#DIR}, with HighLevel's CC0
 * licence and where and when they were taken), so a fresh clone tests on its own. The system
 * property {@code highlevel.reference.dir} or the environment variable {@code HIGHLEVEL_REFERENCE_DIR}
 * points the tests at another copy (e.g. a newer one, to see what changed).
 *
 * <h2>How strict, and the spec defects worked around</h2>
 * Requests are validated strictly, undeclared properties included (HighLevel itself rejects them
 * with 422 "property X should not exist"). Response bodies are validated for every declared
 * property (types, enums, required fields) at the library's default error level, with one change
 * made through the level resolver of the response validator:
 * {@code validation.schema.additionalProperties} is ignored. The library treats a schema without {@code additionalProperties} as closed, OpenAPI
 * does not, none of HighLevel's schemas close themselves, and the service's entities carry more
 * than the spec lists (list items with names, tasks with dateAdded, businesses with
 * createdBy details). So that misspelt envelopes ({@code succeeded} for {@code succeded},
 * {@code business} for {@code buiseness}) still fail, {@link #ENVELOPE_KEY} checks the top level
 * of every 2xx JSON answer against its declared properties.
 *
 * <p>The remaining relaxations are whitelist rules, each as narrow as the validator allows (one
 * message key, the operations concerned, one JSON pointer); the level resolver only knows message
 * keys, so it would switch a check off for every operation and field.
 * <ol>
 *   <li>{@code /contacts/bulk/tags/update/{type}} (and locations' {@code /timezones}) use a path
 *       variable the operation never declares; the spec does not even load. The model is patched
 *       with the missing string path parameters before the validator is built.</li>
 *   <li>{@link #RULE_BULK_TAG_RESPONSES}: UpdateTagsResponseDTO declares {@code responses} as an
 *       array of strings, while its own example (and the service) return objects
 *       ({@code {contactId, message, type, ...}}).</li>
 *   <li>{@link #RULE_DATE_OF_BIRTH}: Create/Update/UpsertContactDto declare {@code dateOfBirth} as
 *       {@code type: object} though the description lists string formats ("1990-09-25").</li>
 *   <li>{@link #RULE_CUSTOM_FIELD_WRITES}: every custom-field input variant requires {@code id},
 *       while the same spec says "Pass either id or key", and the numeric variants type
 *       {@code field_value} as an object although their examples are numbers.</li>
 *   <li>{@link #RULE_CUSTOM_FIELD_VALUES}: CustomFieldSchema types {@code value} as a string, but
 *       number and multi-option fields hold numbers and arrays (the webhook schemas in the same
 *       reference allow string, number, array and object).</li>
 *   <li>{@link #RULE_SEARCH_BODY}: SearchBodyV2DTO is an empty placeholder ("Documentation Link"
 *       points elsewhere), so every real search body has "undeclared" properties.</li>
 *   <li>{@link #RULE_UNDECLARED_JSON_ANSWERS}: the search and duplicate look-up declare a 200 with
 *       no content, yet answer JSON.</li>
 *   <li>{@link #RULE_UNDOCUMENTED_STATUSES}: the specs list no 403 (token of another location), 429
 *       (rate limit) or 5xx answers, all of which the service sends.</li>
 *   <li>The envelope check lets the deprecated {@code GET /contacts/} answer {@code meta}: its
 *       response schema omits it, but the spec defines ContactsMetaSchema for it.</li>
 * </ol>
 */
public final class HighLevelSpec {

    public static final String CONTACTS = "contacts.json";
    public static final String BUSINESSES = "businesses.json";
    public static final String LOCATIONS = "locations.json";
    /** The locations.json operations the simulator implements (custom field and tag look-ups). */
    public static final Set<String> SIMULATED_LOCATION_OPERATIONS = Set.of("get-custom-fields", "get-custom-field",
            "get-location-tags", "get-tag-by-id");

    public static final String RULE_BULK_TAG_RESPONSES = "bulk tag responses are objects, not strings";
    public static final String RULE_DATE_OF_BIRTH = "dateOfBirth is a string, not an object";
    public static final String RULE_CUSTOM_FIELD_WRITES = "custom field writes by key and with numbers";
    public static final String RULE_CUSTOM_FIELD_VALUES = "custom field values are strings, numbers or arrays";
    public static final String RULE_SEARCH_BODY = "the search body schema is an empty placeholder";
    public static final String RULE_UNDECLARED_JSON_ANSWERS = "search and duplicate look-up answer JSON";
    public static final String RULE_UNDOCUMENTED_STATUSES = "403, 429 and 5xx are real answers the spec omits";
    /** Message key of the top-level envelope check. */
    public static final String ENVELOPE_KEY = "highlevel.response.envelope.undeclared";

    /** One operation of a spec. */
    public record SpecOperation(String spec, String method, String path, String operationId) {
    }

    /**
     * The library decides per validator, not per side, whether undeclared properties are errors
     * ({@code validation.schema.additionalProperties}), hence one validator for requests (strict)
     * and one for responses (open, plus the envelope check).
     */
    private record LoadedSpec(String file, OpenApiInteractionValidator requests, OpenApiInteractionValidator responses,
                              List<SpecOperation> operations, List<Pattern> patterns) {
    }

    private final List<LoadedSpec> specs;

    private HighLevelSpec(List<LoadedSpec> specs) {
        this.specs = specs;
    }

    /** Loads the named spec files (e.g. {@link #CONTACTS}, {@link #BUSINESSES}). */
    public static HighLevelSpec load(String... files) {
        List<LoadedSpec> loaded = new ArrayList<>();
        for (String file : files) {
            loaded.add(loadOne(file));
        }
        return new HighLevelSpec(loaded);
    }

    /** contacts.json, businesses.json and locations.json. */
    public static HighLevelSpec all() {
        return load(CONTACTS, BUSINESSES, LOCATIONS);
    }

    /**
     * {@link #all()}, loaded once per JVM: loading costs seconds (parser and schema warm-up), and the
     * validators are thread-safe.
     */
    public static HighLevelSpec shared() {
        return Shared.INSTANCE;
    }

    private static final class Shared {
        static final HighLevelSpec INSTANCE = all();
    }

    public static Path referenceDir() {
        String configured = System.getProperty("highlevel.reference.dir", System.getenv("HIGHLEVEL_REFERENCE_DIR"));
        Path dir = configured != null ? Path.of(configured) : HighLevelReference.DIR;
        if (!Files.isDirectory(dir.resolve("apps"))) {
            throw new IllegalStateException("HighLevel reference specs not found under " + dir
                    + " (set -Dhighlevel.reference.dir=...)");
        }
        return dir;
    }

    private static LoadedSpec loadOne(String file) {
        Path path = referenceDir().resolve("apps").resolve(file);
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readLocation(path.toUri().toString(), null, options);
        OpenAPI api = result.getOpenAPI();
        if (api == null) {
            throw new IllegalStateException("Cannot parse " + path + ": " + result.getMessages());
        }
        declareMissingPathParameters(api);
        OpenApiInteractionValidator requests = OpenApiInteractionValidator.createFor(api)
                .withWhitelist(whitelist())
                .build();
        OpenApiInteractionValidator responses = OpenApiInteractionValidator.createFor(api)
                .withLevelResolver(LevelResolver.create()
                        .withLevel("validation.schema.additionalProperties", ValidationReport.Level.IGNORE)
                        .build())
                .withCustomResponseValidation(new EnvelopeCheck(api))
                .withWhitelist(whitelist())
                .build();
        List<SpecOperation> operations = new ArrayList<>();
        List<Pattern> patterns = new ArrayList<>();
        api.getPaths().forEach((template, item) -> item.readOperationsMap().forEach((method, operation) -> {
            operations.add(new SpecOperation(file, method.name(), template, operation.getOperationId()));
            patterns.add(templatePattern(template));
        }));
        return new LoadedSpec(file, requests, responses, List.copyOf(operations), List.copyOf(patterns));
    }

    /** Spec defect 1: path variables used in the template but declared nowhere. */
    private static void declareMissingPathParameters(OpenAPI api) {
        Pattern variable = Pattern.compile("\\{([^}]+)}");
        api.getPaths().forEach((template, item) -> {
            for (Operation operation : item.readOperations()) {
                Matcher matcher = variable.matcher(template);
                while (matcher.find()) {
                    String name = matcher.group(1);
                    if (!declares(item.getParameters(), name) && !declares(operation.getParameters(), name)) {
                        operation.addParametersItem(new PathParameter().name(name).required(true)
                                .schema(new StringSchema()));
                    }
                }
            }
        });
    }

    private static boolean declares(List<Parameter> parameters, String name) {
        return parameters != null && parameters.stream()
                .anyMatch(p -> "path".equals(p.getIn()) && name.equals(p.getName()));
    }

    private static ValidationErrorsWhitelist whitelist() {
        Set<String> contactWrites = Set.of("create-contact", "update-contact", "upsert-contact");
        return ValidationErrorsWhitelist.create()
                .withRule(RULE_BULK_TAG_RESPONSES, rule(Set.of("create-association"),
                        "validation.response.body.schema.type", "/responses/\\d+"))
                .withRule(RULE_DATE_OF_BIRTH, rule(contactWrites, "validation.request.body.schema.type", "/dateOfBirth"))
                .withRule(RULE_CUSTOM_FIELD_WRITES, rule(contactWrites, "validation.request.body.schema.anyOf",
                        "/customFields/\\d+"))
                .withRule(RULE_CUSTOM_FIELD_VALUES, rule(null, "validation.response.body.schema.type",
                        "(/[A-Za-z]+(/\\d+)?)?/customFields/\\d+/value"))
                .withRule(RULE_SEARCH_BODY, rule(Set.of("search-contacts-advanced"),
                        "validation.request.body.schema.additionalProperties", "/?"))
                .withRule(RULE_UNDECLARED_JSON_ANSWERS, (message, operation, request, response) ->
                        message.getKey().equals("validation.response.body.unexpected") && operation != null
                                && Set.of("search-contacts-advanced", "get-duplicate-contact")
                                .contains(operation.getOperation().getOperationId()))
                .withRule(RULE_UNDOCUMENTED_STATUSES, (message, operation, request, response) ->
                        response != null && message.getKey().equals("validation.response.status.unknown")
                                && (response.getStatus() == 403 || response.getStatus() == 429
                                || response.getStatus() >= 500));
    }

    /**
     * Matches one message key at a JSON pointer of the body, for the given operations (all if
     * null). The key says whether it is about the request or the response.
     */
    private static WhitelistRule rule(Set<String> operationIds, String key, String pointer) {
        Pattern pointerPattern = Pattern.compile(pointer);
        return (message, operation, request, response) -> {
            if (!message.getKey().equals(key)) {
                return false;
            }
            if (operationIds != null && (operation == null
                    || !operationIds.contains(operation.getOperation().getOperationId()))) {
                return false;
            }
            return message.getContext()
                    .flatMap(ValidationReport.MessageContext::getPointers)
                    .map(p -> pointerPattern.matcher(p.getInstance()).matches())
                    .orElse(false);
        };
    }

    /**
     * The top level of a 2xx JSON answer may only hold the properties its schema declares: the
     * envelope is where HighLevel's odd spellings live.
     */
    private static final class EnvelopeCheck implements CustomResponseValidator {
        private final OpenAPI api;

        EnvelopeCheck(OpenAPI api) {
            this.api = api;
        }

        @Override
        public ValidationReport validate(com.atlassian.oai.validator.model.Response response, ApiOperation operation) {
            if (response.getStatus() < 200 || response.getStatus() >= 300
                    || response.getResponseBody().filter(com.atlassian.oai.validator.model.Body::hasBody).isEmpty()) {
                return ValidationReport.empty();
            }
            ApiResponse declared = operation.getOperation().getResponses().get(String.valueOf(response.getStatus()));
            if (declared == null || declared.getContent() == null || declared.getContent().get("application/json") == null) {
                return ValidationReport.empty();
            }
            Schema<?> schema = resolve(declared.getContent().get("application/json").getSchema());
            if (schema == null || schema.getProperties() == null || schema.getProperties().isEmpty()) {
                return ValidationReport.empty();
            }
            JsonNode body;
            try {
                body = response.getResponseBody().get().toJsonNode();
            } catch (java.io.IOException | RuntimeException e) {
                return ValidationReport.empty(); // the schema validation reports unreadable bodies
            }
            Set<String> allowed = new java.util.HashSet<>(schema.getProperties().keySet());
            if ("get-contacts".equals(operation.getOperation().getOperationId())) {
                allowed.add("meta"); // ContactsMetaSchema: declared in the spec, forgotten in the response
            }
            List<String> undeclared = new ArrayList<>();
            body.fieldNames().forEachRemaining(name -> {
                if (!allowed.contains(name)) {
                    undeclared.add(name);
                }
            });
            if (undeclared.isEmpty()) {
                return ValidationReport.empty();
            }
            return ValidationReport.singleton(ValidationReport.Message.create(ENVELOPE_KEY,
                    "Top-level properties " + undeclared + " are not declared by the response schema (declared: "
                            + new java.util.TreeSet<>(schema.getProperties().keySet()) + ")").build());
        }

        private Schema<?> resolve(Schema<?> schema) {
            if (schema != null && schema.get$ref() != null) {
                String name = schema.get$ref().substring(schema.get$ref().lastIndexOf('/') + 1);
                return api.getComponents().getSchemas().get(name);
            }
            return schema;
        }
    }

    private static Pattern templatePattern(String template) {
        StringBuilder regex = new StringBuilder("^");
        for (String part : template.split("(?=\\{)|(?<=})")) {
            regex.append(part.startsWith("{") ? "[^/]+" : Pattern.quote(part));
        }
        return Pattern.compile(regex.append("$").toString());
    }

    // --- operations ------------------------------------------------------------------------------

    public List<SpecOperation> operations() {
        return specs.stream().flatMap(s -> s.operations().stream()).toList();
    }

    public List<SpecOperation> operations(String file) {
        return specs.stream().filter(s -> s.file().equals(file)).flatMap(s -> s.operations().stream()).toList();
    }

    /**
     * The operation a request is for. Literal templates win over templated ones, as in the
     * service's router ({@code /contacts/search/duplicate} is not {@code get-contact}).
     */
    public Optional<SpecOperation> find(String method, String path) {
        SpecOperation best = null;
        int bestVariables = Integer.MAX_VALUE;
        for (LoadedSpec spec : specs) {
            for (int i = 0; i < spec.operations().size(); i++) {
                SpecOperation op = spec.operations().get(i);
                if (op.method().equalsIgnoreCase(method) && spec.patterns().get(i).matcher(path).matches()) {
                    int variables = op.path().split("\\{", -1).length - 1;
                    if (variables < bestVariables) {
                        best = op;
                        bestVariables = variables;
                    }
                }
            }
        }
        return Optional.ofNullable(best);
    }

    private LoadedSpec specOf(SpecOperation operation) {
        return specs.stream().filter(s -> s.file().equals(operation.spec())).findFirst().orElseThrow();
    }

    // --- validation ------------------------------------------------------------------------------

    /** An HTTP exchange in plain terms; {@code status} < 0 for a request alone. */
    public record Exchange(String method, String path, Map<String, List<String>> query,
                           Map<String, List<String>> requestHeaders, String requestBody,
                           int status, Map<String, List<String>> responseHeaders, String responseBody) {
    }

    /** The validation outcome: which operation, and the error messages (empty when valid). */
    public record Result(Optional<SpecOperation> operation, List<String> errors) {
        public boolean valid() {
            return operation.isPresent() && errors.isEmpty();
        }
    }

    /** Validates a client's request alone; {@code pathAndQuery} as sent, e.g. {@code /contacts/?locationId=x}. */
    public Result validateRequest(String method, String pathAndQuery, Map<String, List<String>> headers, String body) {
        return validate(method, pathAndQuery, headers, body, -1, Map.of(), null);
    }

    /** Validates a request and its answer; {@code pathAndQuery} as sent. */
    public Result validate(String method, String pathAndQuery, Map<String, List<String>> requestHeaders,
                           String requestBody, int status, Map<String, List<String>> responseHeaders,
                           String responseBody) {
        int mark = pathAndQuery.indexOf('?');
        String path = mark < 0 ? pathAndQuery : pathAndQuery.substring(0, mark);
        return validate(new Exchange(method, path, query(mark < 0 ? "" : pathAndQuery.substring(mark + 1)),
                requestHeaders, requestBody, status, responseHeaders, responseBody));
    }

    private static Map<String, List<String>> query(String rawQuery) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            String[] parts = pair.split("=", 2);
            query.computeIfAbsent(java.net.URLDecoder.decode(parts[0], StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(parts.length > 1 ? java.net.URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : "");
        }
        return query;
    }

    /** Validates a request, and the response too when the exchange has one ({@code status} >= 0). */
    public Result validate(Exchange exchange) {
        Optional<SpecOperation> operation = find(exchange.method(), exchange.path());
        if (operation.isEmpty()) {
            return new Result(operation, List.of("No operation in " + specs.stream().map(LoadedSpec::file).toList()
                    + " for " + exchange.method() + " " + exchange.path()));
        }
        LoadedSpec loaded = specOf(operation.get());
        ValidationReport report = loaded.requests().validateRequest(toRequest(exchange));
        if (exchange.status() >= 0) {
            report = report.merge(loaded.responses().validateResponse(exchange.path(),
                    Request.Method.valueOf(exchange.method().toUpperCase(Locale.ROOT)), toResponse(exchange)));
        }
        return new Result(operation, describe(report));
    }

    public static List<String> describe(ValidationReport report) {
        List<String> errors = new ArrayList<>();
        for (ValidationReport.Message message : report.getMessages()) {
            if (message.getLevel() == ValidationReport.Level.ERROR) {
                String pointer = message.getContext().flatMap(ValidationReport.MessageContext::getPointers)
                        .map(ValidationReport.MessageContext.Pointers::getInstance).orElse("");
                errors.add(message.getKey() + (pointer.isEmpty() ? "" : " at " + pointer) + ": " + message.getMessage()
                        + nested(message));
            }
        }
        return errors;
    }

    private static String nested(ValidationReport.Message message) {
        if (message.getNestedMessages().isEmpty()) {
            return "";
        }
        return message.getNestedMessages().stream().map(ValidationReport.Message::getMessage)
                .collect(Collectors.joining("; ", " [", "]"));
    }

    private static Request toRequest(Exchange exchange) {
        SimpleRequest.Builder builder = new SimpleRequest.Builder(exchange.method().toUpperCase(Locale.ROOT),
                exchange.path());
        exchange.query().forEach(builder::withQueryParam);
        exchange.requestHeaders().forEach(builder::withHeader);
        if (exchange.requestBody() != null && !exchange.requestBody().isEmpty()) {
            builder.withBody(exchange.requestBody());
        }
        return builder.build();
    }

    private static SimpleResponse toResponse(Exchange exchange) {
        SimpleResponse.Builder builder = SimpleResponse.Builder.status(exchange.status());
        exchange.responseHeaders().forEach(builder::withHeader);
        if (exchange.responseBody() != null && !exchange.responseBody().isEmpty()) {
            builder.withBody(exchange.responseBody());
        }
        return builder.build();
    }

    // --- strict mode -----------------------------------------------------------------------------

    /**
     * A filter that validates every request reaching it (and, with {@code validateResponses}, the
     * answer) against the spec, keeping the violations. With {@code reject}, a request that breaks
     * the spec is answered 400 with the violations instead of reaching the handler. Register it as
     * one of the simulator's extra filters (it then sees authenticated requests only).
     */
    public StrictFilter strictFilter(boolean reject, boolean validateResponses) {
        return new StrictFilter(reject, validateResponses);
    }

    public final class StrictFilter implements SimFilter {
        private final boolean reject;
        private final boolean validateResponses;
        private final List<String> violations = Collections.synchronizedList(new ArrayList<>());

        private StrictFilter(boolean reject, boolean validateResponses) {
            this.reject = reject;
            this.validateResponses = validateResponses;
        }

        /** "METHOD path: message" for every violation seen so far. */
        public List<String> violations() {
            synchronized (violations) {
                return List.copyOf(violations);
            }
        }

        public void clear() {
            violations.clear();
        }

        @Override
        public SimResponse filter(SimRequest request, Chain next) throws Exception {
            Exchange asked = exchange(request, -1, Map.of(), null);
            Result requestResult = validate(asked);
            if (!requestResult.errors().isEmpty()) {
                record(request, requestResult.errors());
                if (reject) {
                    ObjectNode body = SimJson.object().put("statusCode", 400)
                            .put("message", "Request does not conform to the HighLevel spec")
                            .put("error", "Bad Request");
                    ArrayNode list = body.putArray("violations");
                    requestResult.errors().forEach(list::add);
                    return SimResponse.json(400, body);
                }
            }
            SimResponse response = next.proceed(request);
            if (validateResponses && requestResult.operation().isPresent() && !response.isAbort()) {
                Result responseResult = validate(exchange(request, response.status(), response.headers(),
                        response.bodyAsString()));
                if (!responseResult.errors().isEmpty()) {
                    List<String> fresh = new ArrayList<>(responseResult.errors());
                    fresh.removeAll(requestResult.errors());
                    record(request, fresh);
                }
            }
            return response;
        }

        private void record(SimRequest request, Collection<String> errors) {
            errors.forEach(error -> violations.add(request.method() + " " + request.path() + ": " + error));
        }

        private Exchange exchange(SimRequest request, int status, Map<String, List<String>> responseHeaders,
                                  String responseBody) {
            return new Exchange(request.method(), request.path(), request.queryParams(),
                    new LinkedHashMap<>(request.headers()),
                    new String(request.body(), StandardCharsets.UTF_8), status, responseHeaders, responseBody);
        }
    }

    /** The property names of a component schema, read from the raw spec file. */
    static Set<String> schemaProperties(String file, String schema) {
        try {
            JsonNode spec = SimJson.MAPPER.readTree(
                    referenceDir().resolve("apps").resolve(file).toFile());
            Set<String> names = new java.util.TreeSet<>();
            spec.path("components").path("schemas").path(schema).path("properties").fieldNames()
                    .forEachRemaining(names::add);
            return names;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** operationId to the single bearer scope the spec declares for it (operations with none are left out). */
    static Map<String, String> declaredScopes(String file) {
        try {
            JsonNode spec = SimJson.MAPPER.readTree(referenceDir().resolve("apps").resolve(file).toFile());
            Map<String, String> scopes = new LinkedHashMap<>();
            spec.path("paths").forEach(item -> item.forEach(operation -> {
                JsonNode bearer = operation.path("security").path(0).path("bearer");
                if (bearer.size() == 1) {
                    scopes.put(operation.path("operationId").asText(), bearer.get(0).asText());
                }
            }));
            return scopes;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
