package io.contactsbridge.simulator.birdsend;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.MalformedBodyException;
import io.contactsbridge.simulator.sim.SimJson;

import java.io.IOException;
import java.util.Set;

/**
 * The BirdSend behaviours the simulator had to guess: everything here is tagged [assumed] in
 * shared/reference/birdsend/API.md or not covered by it at all. Each has the documented (or most
 * plausible) choice as its default; tests flip them to check the bridge copes with the alternative.
 * Immutable; read and changed at run time through {@code GET/PUT /__admin/settings} (a PUT merges
 * the given properties onto the current ones and rejects unknown names).
 *
 * @param partialEmailMatch          {@code search_by=email} matches a case-insensitive substring (the
 *                                   reference warns the match "may be partial"); false: whole email
 * @param caseInsensitiveEmails      email uniqueness and exact matching ignore case, as a MySQL
 *                                   default collation does; the stored email keeps its case
 * @param maxPerPage                 largest accepted {@code per_page}; more is a 422
 * @param defaultPerPage             {@code per_page} when absent (15 is Laravel's paginator default)
 * @param defaultOrderBy             contact list order when {@code order_by} is absent
 * @param defaultSort                {@code asc} or {@code desc} when {@code sort} is absent (newest
 *                                   first by default, so pages shift while contacts are added)
 * @param orderByUpdatedAt           {@code order_by=updated_at} sorts by the update time, as a Laravel
 *                                   controller passing the column to {@code orderBy} does (default: the
 *                                   most plausible, and what lets a client find edited contacts in one
 *                                   request). false: the column is accepted and ignored, so the default
 *                                   order applies, as an API whose list of sortable columns lacks it
 *                                   might do without saying; a client must then find edits another way
 * @param includeAssumedFields       contacts carry {@code status}, {@code created_at},
 *                                   {@code updated_at} and {@code ipaddress}; false drops them all
 * @param listContactSequences       a contact carries {@code sequences}, the sequences it is subscribed to, as
 *                                   {@code [{sequence_id, name}]} beside its {@code tags} (same shape). Not in
 *                                   any documentation or client we could read: assumed, because BirdSend's app shows
 *                                   a contact's sequences and its API lists the tags of a contact the same way.
 *                                   false drops the key (so does includeAssumedFields false): the bridge then
 *                                   cannot see sequences joined (no ContactSequencesChanged events)
 * @param includeAssumedPagingMeta   list {@code meta} carries {@code per_page} and {@code total};
 *                                   false leaves only {@code current_page} and {@code last_page}
 * @param includeUnsetFields         a contact's {@code fields} lists every defined field, null when
 *                                   unset; false (default) lists only the fields that have a value
 * @param rejectUnknownFieldKeys     a write naming an undefined field key is a 422; false (default)
 *                                   drops such keys silently
 * @param autoCreateTags             adding a tag by an unknown name creates it; false: 422
 * @param bumpUpdatedAtOnTagChange   tag changes bump {@code updated_at}. A Laravel pivot attach does
 *                                   not touch the parent unless the app asks for it, so this could go
 *                                   either way; the bridge must not rely on it
 * @param createStatus               status of a successful {@code POST /contacts} (and broadcasts): 201 or 200
 * @param deleteStatus               204 (no body) or 200 with {@code {"message": ...}} for deletes
 * @param malformedJsonStatus        unparseable JSON bodies: 422 by default, because Laravel reads an
 *                                   unparseable body as empty input and the validator then fails;
 *                                   400 models a stricter front proxy
 * @param enforceScopes              a token without the {@code write} scope gets 403 on writes
 *                                   (Passport's {@code scope:} middleware); false lets it through
 * @param rateLimitEnabled           5 requests per second per account is documented; the window
 *                                   kind and headers are not
 * @param rateLimitPerSecond         requests admitted per one-second window, per account
 * @param rateLimitSlidingWindow     false (default): a fixed window opened by the first request, as
 *                                   Laravel's throttle middleware counts; true: a sliding window
 * @param rateLimitHeaders           {@code X-RateLimit-Limit}/{@code X-RateLimit-Remaining} on every
 *                                   authenticated answer and {@code Retry-After}/
 *                                   {@code X-RateLimit-Reset} on a 429; false: a bare 429
 * @param accessTokenLifetimeSeconds OAuth access-token lifetime in real-service seconds (one source
 *                                   says 60 days, a decoded token showed 365: 60 is the default)
 * @param refreshTokenLifetimeSeconds OAuth refresh-token lifetime in real-service seconds
 * @param revokeAccessTokenOnRefresh a refresh revokes the access token it replaces, as the PHP
 *                                   league OAuth server under Passport does
 * @param invalidRefreshTokenStatus  status for a bad refresh token: 401 by default, because public
 *                                   clients "disconnect if the refresh also gets 401"; 400 is the
 *                                   RFC 6749 answer
 * @param defaultOAuthScope          scope granted when the authorize request names none
 * @param authorizationCodeLifetimeSeconds how long an authorization code can be exchanged (the
 *                                   league server's default is 10 minutes)
 */
public record BirdSendSettings(
        boolean partialEmailMatch,
        boolean caseInsensitiveEmails,
        int maxPerPage,
        int defaultPerPage,
        String defaultOrderBy,
        String defaultSort,
        boolean orderByUpdatedAt,
        boolean includeAssumedFields,
        boolean listContactSequences,
        boolean includeAssumedPagingMeta,
        boolean includeUnsetFields,
        boolean rejectUnknownFieldKeys,
        boolean autoCreateTags,
        boolean bumpUpdatedAtOnTagChange,
        int createStatus,
        int deleteStatus,
        int malformedJsonStatus,
        boolean enforceScopes,
        boolean rateLimitEnabled,
        int rateLimitPerSecond,
        boolean rateLimitSlidingWindow,
        boolean rateLimitHeaders,
        long accessTokenLifetimeSeconds,
        long refreshTokenLifetimeSeconds,
        boolean revokeAccessTokenOnRefresh,
        int invalidRefreshTokenStatus,
        String defaultOAuthScope,
        long authorizationCodeLifetimeSeconds) {

    /** Contact list columns accepted by {@code order_by}. */
    public static final Set<String> CONTACT_ORDER_COLUMNS =
            Set.of("contact_id", "email", "created_at", "updated_at", "first_name", "last_name");

    public static final BirdSendSettings DEFAULTS = builder().build();

    public BirdSendSettings {
        if (maxPerPage < 1 || defaultPerPage < 1) {
            throw new IllegalArgumentException("maxPerPage and defaultPerPage must be >= 1");
        }
        if (defaultOrderBy == null || !CONTACT_ORDER_COLUMNS.contains(defaultOrderBy)) {
            throw new IllegalArgumentException("defaultOrderBy must be one of " + CONTACT_ORDER_COLUMNS);
        }
        if (!"asc".equals(defaultSort) && !"desc".equals(defaultSort)) {
            throw new IllegalArgumentException("defaultSort must be asc or desc");
        }
        requireOneOf("createStatus", createStatus, 200, 201);
        requireOneOf("deleteStatus", deleteStatus, 200, 204);
        requireOneOf("malformedJsonStatus", malformedJsonStatus, 400, 422);
        requireOneOf("invalidRefreshTokenStatus", invalidRefreshTokenStatus, 400, 401);
        if (rateLimitPerSecond < 1) {
            throw new IllegalArgumentException("rateLimitPerSecond must be >= 1");
        }
        if (accessTokenLifetimeSeconds < 1 || refreshTokenLifetimeSeconds < 1 || authorizationCodeLifetimeSeconds < 1) {
            throw new IllegalArgumentException("token and code lifetimes must be >= 1 s");
        }
        if (BirdSendScope.parse(defaultOAuthScope) == null) {
            throw new IllegalArgumentException("defaultOAuthScope must be read or write");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder()
                .partialEmailMatch(partialEmailMatch).caseInsensitiveEmails(caseInsensitiveEmails)
                .maxPerPage(maxPerPage).defaultPerPage(defaultPerPage)
                .defaultOrderBy(defaultOrderBy).defaultSort(defaultSort).orderByUpdatedAt(orderByUpdatedAt)
                .includeAssumedFields(includeAssumedFields).listContactSequences(listContactSequences)
                .includeAssumedPagingMeta(includeAssumedPagingMeta)
                .includeUnsetFields(includeUnsetFields).rejectUnknownFieldKeys(rejectUnknownFieldKeys)
                .autoCreateTags(autoCreateTags).bumpUpdatedAtOnTagChange(bumpUpdatedAtOnTagChange)
                .createStatus(createStatus).deleteStatus(deleteStatus).malformedJsonStatus(malformedJsonStatus)
                .enforceScopes(enforceScopes).rateLimitEnabled(rateLimitEnabled)
                .rateLimitPerSecond(rateLimitPerSecond).rateLimitSlidingWindow(rateLimitSlidingWindow)
                .rateLimitHeaders(rateLimitHeaders).accessTokenLifetimeSeconds(accessTokenLifetimeSeconds)
                .refreshTokenLifetimeSeconds(refreshTokenLifetimeSeconds)
                .revokeAccessTokenOnRefresh(revokeAccessTokenOnRefresh)
                .invalidRefreshTokenStatus(invalidRefreshTokenStatus).defaultOAuthScope(defaultOAuthScope)
                .authorizationCodeLifetimeSeconds(authorizationCodeLifetimeSeconds);
    }

    /** Merges a JSON object of settings onto these; unknown or mistyped properties are rejected. */
    public BirdSendSettings merge(JsonNode changes) {
        if (changes == null || changes.isMissingNode() || changes.isNull()) {
            return this;
        }
        if (!changes.isObject()) {
            throw new IllegalArgumentException("settings must be a JSON object");
        }
        ObjectNode merged = SimJson.convert(this, ObjectNode.class);
        merged.setAll((ObjectNode) changes);
        try {
            return SimJson.MAPPER.readerFor(BirdSendSettings.class)
                    .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .with(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                    .readValue(merged);
        } catch (IOException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            throw new MalformedBodyException("Invalid settings: " + cause.getMessage(), e);
        }
    }

    private static void requireOneOf(String name, int value, int a, int b) {
        if (value != a && value != b) {
            throw new IllegalArgumentException(name + " must be " + a + " or " + b + ", got " + value);
        }
    }

    /** Builds settings, starting from the defaults. */
    public static final class Builder {
        private boolean partialEmailMatch = true;
        private boolean caseInsensitiveEmails = true;
        private int maxPerPage = 100;
        private int defaultPerPage = 15;
        private String defaultOrderBy = "created_at";
        private String defaultSort = "desc";
        private boolean orderByUpdatedAt = true;
        private boolean includeAssumedFields = true;
        private boolean listContactSequences = true;
        private boolean includeAssumedPagingMeta = true;
        private boolean includeUnsetFields = false;
        private boolean rejectUnknownFieldKeys = false;
        private boolean autoCreateTags = true;
        private boolean bumpUpdatedAtOnTagChange = true;
        private int createStatus = 201;
        private int deleteStatus = 204;
        private int malformedJsonStatus = 422;
        private boolean enforceScopes = true;
        private boolean rateLimitEnabled = true;
        private int rateLimitPerSecond = 5;
        private boolean rateLimitSlidingWindow = false;
        private boolean rateLimitHeaders = true;
        private long accessTokenLifetimeSeconds = 60L * 24 * 3600;
        private long refreshTokenLifetimeSeconds = 365L * 24 * 3600;
        private boolean revokeAccessTokenOnRefresh = true;
        private int invalidRefreshTokenStatus = 401;
        private String defaultOAuthScope = "read";
        private long authorizationCodeLifetimeSeconds = 600;

        public Builder partialEmailMatch(boolean v) { partialEmailMatch = v; return this; }
        public Builder caseInsensitiveEmails(boolean v) { caseInsensitiveEmails = v; return this; }
        public Builder maxPerPage(int v) { maxPerPage = v; return this; }
        public Builder defaultPerPage(int v) { defaultPerPage = v; return this; }
        public Builder defaultOrderBy(String v) { defaultOrderBy = v; return this; }
        public Builder defaultSort(String v) { defaultSort = v; return this; }
        public Builder orderByUpdatedAt(boolean v) { orderByUpdatedAt = v; return this; }
        public Builder includeAssumedFields(boolean v) { includeAssumedFields = v; return this; }
        public Builder listContactSequences(boolean v) { listContactSequences = v; return this; }
        public Builder includeAssumedPagingMeta(boolean v) { includeAssumedPagingMeta = v; return this; }
        public Builder includeUnsetFields(boolean v) { includeUnsetFields = v; return this; }
        public Builder rejectUnknownFieldKeys(boolean v) { rejectUnknownFieldKeys = v; return this; }
        public Builder autoCreateTags(boolean v) { autoCreateTags = v; return this; }
        public Builder bumpUpdatedAtOnTagChange(boolean v) { bumpUpdatedAtOnTagChange = v; return this; }
        public Builder createStatus(int v) { createStatus = v; return this; }
        public Builder deleteStatus(int v) { deleteStatus = v; return this; }
        public Builder malformedJsonStatus(int v) { malformedJsonStatus = v; return this; }
        public Builder enforceScopes(boolean v) { enforceScopes = v; return this; }
        public Builder rateLimitEnabled(boolean v) { rateLimitEnabled = v; return this; }
        public Builder rateLimitPerSecond(int v) { rateLimitPerSecond = v; return this; }
        public Builder rateLimitSlidingWindow(boolean v) { rateLimitSlidingWindow = v; return this; }
        public Builder rateLimitHeaders(boolean v) { rateLimitHeaders = v; return this; }
        public Builder accessTokenLifetimeSeconds(long v) { accessTokenLifetimeSeconds = v; return this; }
        public Builder refreshTokenLifetimeSeconds(long v) { refreshTokenLifetimeSeconds = v; return this; }
        public Builder revokeAccessTokenOnRefresh(boolean v) { revokeAccessTokenOnRefresh = v; return this; }
        public Builder invalidRefreshTokenStatus(int v) { invalidRefreshTokenStatus = v; return this; }
        public Builder defaultOAuthScope(String v) { defaultOAuthScope = v; return this; }
        public Builder authorizationCodeLifetimeSeconds(long v) { authorizationCodeLifetimeSeconds = v; return this; }

        public BirdSendSettings build() {
            return new BirdSendSettings(partialEmailMatch, caseInsensitiveEmails, maxPerPage, defaultPerPage,
                    defaultOrderBy, defaultSort, orderByUpdatedAt, includeAssumedFields, listContactSequences,
                    includeAssumedPagingMeta,
                    includeUnsetFields, rejectUnknownFieldKeys, autoCreateTags, bumpUpdatedAtOnTagChange,
                    createStatus, deleteStatus, malformedJsonStatus, enforceScopes, rateLimitEnabled,
                    rateLimitPerSecond, rateLimitSlidingWindow, rateLimitHeaders, accessTokenLifetimeSeconds,
                    refreshTokenLifetimeSeconds, revokeAccessTokenOnRefresh, invalidRefreshTokenStatus,
                    defaultOAuthScope, authorizationCodeLifetimeSeconds);
        }
    }
}
