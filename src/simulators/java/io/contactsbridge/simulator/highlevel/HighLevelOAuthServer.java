package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimRequest;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.simulator.sim.SimServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * HighLevel's OAuth 2.0 authorization-code flow (docs/oauth/Authorization.md, apps/oauth.json) and
 * Private Integration tokens, and the authority that says which bearer tokens the simulated API
 * accepts.
 *
 * <h2>Endpoints ({@link #registerRoutes})</h2>
 * <ul>
 *   <li>{@code GET /oauth/chooselocation} (also {@code /v2/oauth/chooselocation}, the marketplace's
 *       path) with {@code response_type=code}, {@code client_id}, {@code redirect_uri}, optional
 *       {@code scope} (space-separated, default: all the app's scopes) and {@code state}. There is
 *       no user to ask: it approves at once for the default location and answers 302 to
 *       {@code redirect_uri?code=...&state=...}. An unknown client, an unregistered redirect URI,
 *       a scope the app does not have or another response_type answer 400 with a JSON body saying
 *       which.</li>
 *   <li>{@code POST /oauth/token}, form-encoded ({@code application/x-www-form-urlencoded}; anything
 *       else is 400 {@code invalid_request}): {@code client_id}, {@code client_secret},
 *       {@code grant_type} ({@code authorization_code} with {@code code} and optional
 *       {@code redirect_uri}, or {@code refresh_token} with {@code refresh_token}), optional
 *       {@code user_type} ({@code Location}, the default, or {@code Company}). Answers the spec's
 *       GetAccessCodeSuccessfulResponseDto.</li>
 *   <li>{@code POST /oauth/locationToken} (operation {@value #LOCATION_TOKEN_OPERATION}), form-encoded
 *       {@code companyId} and {@code locationId}, with an agency ({@code Company}) access token of an app
 *       holding {@code oauth.write} and a {@code Version} header (one of
 *       {@link HighLevelSimulator#DEFAULT_ACCEPTED_VERSIONS}): a location token of that app for a location
 *       where it is installed (apps/oauth.json, "Get Location Access Token from Agency Token"). The answer
 *       is the spec's GetLocationAccessTokenSuccessfulResponseDto plus a {@code refresh_token} (assumed: the
 *       spec lists none, but HighLevel's SDK refreshes the location tokens it gets this way) and
 *       {@code userType}/{@code companyId}.</li>
 * </ul>
 * The first two are API routes (operations {@value #CHOOSE_LOCATION_OPERATION} and {@value #TOKEN_OPERATION},
 * see {@link #PUBLIC_OPERATIONS}): the simulator's bearer-token filter must let them through, and
 * they need no {@code Version} header. The third checks its token and version itself.
 *
 * <h2>Installs ({@link #install}, {@link #uninstall})</h2>
 * A person installing the app on a location in the marketplace, or uninstalling it, is simulated through
 * the admin API. Each sends the app's {@code INSTALL} or {@code UNINSTALL} webhook ({@link HighLevelEvent}
 * to the listeners, e.g. the webhook publisher) with {@code appId}, {@code companyId} and {@code locationId};
 * an uninstall also revokes every token of that app for the location. Approving a location in
 * chooselocation counts as installed for {@code /oauth/locationToken} but sends no webhook (the admin API
 * is the way to get one).
 *
 * <h2>Token rules</h2>
 * <ul>
 *   <li>Access tokens last {@code expires_in} = 86399 s by default ({@link #setAccessTokenLifetime});
 *       the answer states real-service seconds, while the token actually dies after
 *       {@link SimClock#scaled} of that on the simulator's clock ({@link #scaledAccessTokenLifetime()}):
 *       at time scale 1000, {@code expires_in: 86399} means about 86 s of wall time.</li>
 *   <li>Refresh tokens last a year (docs' FAQ), scaled the same way. Each refresh answers a new
 *       refresh token and invalidates the one used; using it again is 400 {@code invalid_grant}.
 *       Access tokens issued earlier stay valid until they expire.</li>
 *   <li>Authorization codes are single-use and live 10 minutes (scaled), {@link #setCodeLifetime}.</li>
 *   <li>Tokens are JWT-shaped (HS256 over the simulator's own secret) with HighLevel's claim names
 *       ({@code authClass}, {@code authClassId}, {@code sourceId}, {@code oauthMeta.scopes}, ...),
 *       so clients meet tokens as long as the real ones; the simulator itself only looks them up.</li>
 *   <li>Private Integration tokens ({@link #issuePrivateIntegrationToken}) look like
 *       {@code pit-<uuid>} and never expire; each one counts as its own app for rate limits.</li>
 *   <li>A {@code Company} token's grant has a null {@code locationId}: location-scoped endpoints
 *       should refuse it.</li>
 * </ul>
 *
 * <h2>Errors</h2>
 * The spec lists 400, 401 and 422 bodies in HighLevel's NestJS shape; the OAuth failures use the
 * OAuth error codes of RFC 6749 in both shapes at once, so clients reading either find them:
 * {@code {"statusCode":400,"error":"invalid_grant","error_description":"Invalid grant: refresh
 * token is invalid","message":"Invalid grant: refresh token is invalid"}}. Wrong client id or
 * secret is 401 {@code invalid_client}; missing or out-of-enum fields are 422 with a message array.
 *
 * <p>Thread-safe: codes and refresh tokens are consumed atomically, so two concurrent refreshes
 * with the same token yield one success and one {@code invalid_grant}.
 */
public final class HighLevelOAuthServer implements HighLevelTokenAuthority {

    public static final String TOKEN_OPERATION = "oauth-get-access-token";
    public static final String CHOOSE_LOCATION_OPERATION = "oauth-choose-location";
    public static final String LOCATION_TOKEN_OPERATION = "oauth-get-location-access-token";
    /** Assumed wording: the real text for a location token on this agency-only endpoint is not documented. */
    static final String AGENCY_ONLY = "This authClass type is not allowed to access this scope.";
    /** Assumed wording for a location where the app is not installed. */
    static final String NOT_INSTALLED = "This app is not installed on the location.";
    /** Operations that take no bearer token and no Version header. */
    public static final Set<String> PUBLIC_OPERATIONS = Set.of(TOKEN_OPERATION, CHOOSE_LOCATION_OPERATION);

    public static final Duration DEFAULT_ACCESS_TOKEN_LIFETIME = Duration.ofSeconds(86_399);
    public static final Duration DEFAULT_REFRESH_TOKEN_LIFETIME = Duration.ofDays(365);
    public static final Duration DEFAULT_CODE_LIFETIME = Duration.ofMinutes(10);

    public static final String USER_TYPE_LOCATION = "Location";
    public static final String USER_TYPE_COMPANY = "Company";

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final List<String> GRANT_TYPES = List.of("authorization_code", "refresh_token", "client_credentials");
    private static final List<String> USER_TYPES = List.of(USER_TYPE_COMPANY, USER_TYPE_LOCATION);
    private static final char[] ID_ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    /** What a token, refresh token or code stands for. */
    private record Installation(String clientId, String appId, String userType, String companyId, String locationId,
                                String userId, Set<String> scopes) {
    }

    private record App(String clientId, String clientSecret, String appId, Set<String> redirectUris,
                       Set<String> scopes) {
    }

    private record AuthorizationCode(Installation installation, String redirectUri, Instant expiresAt) {
    }

    private record RefreshToken(Installation installation, Instant expiresAt) {
    }

    /** An app installed on a location through the admin API. */
    public record Install(String appId, String clientId, String companyId, String locationId, Instant installedAt) {
    }

    /** Whether a token is usable, and if not why; lets an auth filter word its 401. */
    public enum TokenStatus { VALID, EXPIRED, UNKNOWN }

    private final SimClock clock;
    private final SecureRandom random = new SecureRandom();
    private final byte[] signingSecret = new byte[32];
    private final Map<String, App> apps = new ConcurrentHashMap<>();
    private final Map<String, AuthorizationCode> codes = new ConcurrentHashMap<>();
    private final Map<String, RefreshToken> refreshTokens = new ConcurrentHashMap<>();
    private final Map<String, HighLevelGrant> accessTokens = new ConcurrentHashMap<>();
    /** Access tokens {@link #revoke}d, kept for {@link #reinstate}. */
    private final Map<String, HighLevelGrant> revokedAccessTokens = new ConcurrentHashMap<>();
    /** By {@code appId + " " + locationId}. */
    private final Map<String, Install> installs = new ConcurrentHashMap<>();
    /** {@code appId + " " + locationId} of locations approved in chooselocation. */
    private final Set<String> approved = ConcurrentHashMap.newKeySet();
    private final List<HighLevelEventListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    private volatile String companyId;
    private volatile String locationId;
    private volatile String userId;
    private volatile Duration accessTokenLifetime = DEFAULT_ACCESS_TOKEN_LIFETIME;
    private volatile Duration refreshTokenLifetime = DEFAULT_REFRESH_TOKEN_LIFETIME;
    private volatile Duration codeLifetime = DEFAULT_CODE_LIFETIME;

    /** Approves installs for a generated company and location (see {@link #defaultLocationId()}). */
    public HighLevelOAuthServer(SimClock clock) {
        this(clock, null, null);
    }

    /** Approves installs for this company and location; null ids are generated. */
    public HighLevelOAuthServer(SimClock clock, String companyId, String locationId) {
        this.clock = Objects.requireNonNull(clock, "clock");
        random.nextBytes(signingSecret);
        this.companyId = companyId != null ? companyId : newId();
        this.locationId = locationId != null ? locationId : newId();
        this.userId = newId();
    }

    // --- configuration ---------------------------------------------------------------------------

    /**
     * Registers a marketplace app. HighLevel client ids look like {@code <appId>-<suffix>}; the
     * part before the first '-' is taken as the app id (the whole id if there is none).
     */
    public void registerApp(String clientId, String clientSecret, Collection<String> redirectUris,
                            Collection<String> scopes) {
        requireText(clientId, "clientId");
        requireText(clientSecret, "clientSecret");
        if (redirectUris == null || redirectUris.isEmpty()) {
            throw new IllegalArgumentException("at least one redirect URI required");
        }
        int dash = clientId.indexOf('-');
        String appId = dash > 0 ? clientId.substring(0, dash) : clientId;
        apps.put(clientId, new App(clientId, clientSecret, appId, Set.copyOf(redirectUris),
                Collections.unmodifiableSet(new LinkedHashSet<>(scopes == null ? List.of() : scopes))));
    }

    /** The location (sub-account) chooselocation installs into. */
    public void setDefaultLocation(String companyId, String locationId) {
        this.companyId = requireText(companyId, "companyId");
        this.locationId = requireText(locationId, "locationId");
    }

    public String defaultCompanyId() {
        return companyId;
    }

    public String defaultLocationId() {
        return locationId;
    }

    /** The user id token answers name as the installer. */
    public String installingUserId() {
        return userId;
    }

    public void setInstallingUserId(String userId) {
        this.userId = requireText(userId, "userId");
    }

    /** The {@code expires_in} of new access tokens, in real-service time (default 86399 s). */
    public void setAccessTokenLifetime(Duration lifetime) {
        this.accessTokenLifetime = requirePositive(lifetime, "access token lifetime");
    }

    public Duration accessTokenLifetime() {
        return accessTokenLifetime;
    }

    /** How long a new access token actually lives on the simulator's clock: {@code expires_in / timeScale}. */
    public Duration scaledAccessTokenLifetime() {
        return clock.scaled(accessTokenLifetime);
    }

    public void setRefreshTokenLifetime(Duration lifetime) {
        this.refreshTokenLifetime = requirePositive(lifetime, "refresh token lifetime");
    }

    public void setCodeLifetime(Duration lifetime) {
        this.codeLifetime = requirePositive(lifetime, "code lifetime");
    }

    /** Gets the INSTALL and UNINSTALL events. */
    public void addListener(HighLevelEventListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    // --- installs --------------------------------------------------------------------------------

    /**
     * Installs the app of {@code clientId} on a location (of the default company unless {@code companyId} is
     * given) and sends {@code INSTALL}; nothing happens (false) when it is installed there already.
     */
    public boolean install(String clientId, String locationId, String companyId) {
        App app = requireApp(clientId);
        requireText(locationId, "locationId");
        String company = companyId == null || companyId.isBlank() ? this.companyId : companyId;
        Install install = new Install(app.appId(), app.clientId(), company, locationId, clock.now());
        if (installs.putIfAbsent(key(app.appId(), locationId), install) != null) {
            return false;
        }
        ObjectNode entity = SimJson.object()
                .put("appId", app.appId())
                .put("installType", USER_TYPE_LOCATION)
                .put("locationId", locationId)
                .put("companyId", company)
                .put("userId", userId);
        emit(new HighLevelEvent("INSTALL", locationId, entity));
        return true;
    }

    /**
     * Uninstalls the app of {@code clientId} from a location: revokes every access and refresh token of that
     * app for the location and sends {@code UNINSTALL}. Returns the number of tokens revoked, or -1 when the
     * app was not installed there (nothing sent).
     */
    public int uninstall(String clientId, String locationId) {
        App app = requireApp(clientId);
        Install removed = installs.remove(key(app.appId(), requireText(locationId, "locationId")));
        approved.remove(key(app.appId(), locationId));
        if (removed == null) {
            return -1;
        }
        int revoked = 0;
        for (var it = accessTokens.entrySet().iterator(); it.hasNext(); ) {
            HighLevelGrant g = it.next().getValue();
            if (app.appId().equals(g.appId()) && locationId.equals(g.locationId())) {
                it.remove();
                revoked++;
            }
        }
        for (var it = refreshTokens.entrySet().iterator(); it.hasNext(); ) {
            Installation i = it.next().getValue().installation();
            if (app.appId().equals(i.appId()) && locationId.equals(i.locationId())) {
                it.remove();
                revoked++;
            }
        }
        emit(new HighLevelEvent("UNINSTALL", locationId, SimJson.object()
                .put("appId", app.appId())
                .put("locationId", locationId)
                .put("companyId", removed.companyId())));
        return revoked;
    }

    /** The apps installed through the admin API, oldest first. */
    public List<Install> installs() {
        return installs.values().stream().sorted(java.util.Comparator.comparing(Install::installedAt)).toList();
    }

    /** The app installed on {@code locationId} first (through the admin API), if any: whose webhooks the location's events are. */
    public Optional<String> appInstalledOn(String locationId) {
        return installs().stream().filter(i -> i.locationId().equals(locationId)).map(Install::appId).findFirst();
    }

    private void emit(HighLevelEvent event) {
        for (HighLevelEventListener listener : listeners) {
            listener.onEvent(new HighLevelEvent(event.type(), event.locationId(), event.entity().deepCopy()));
        }
    }

    private App requireApp(String clientId) {
        if (clientId == null || clientId.isBlank()) {
            if (apps.size() == 1) {
                return apps.values().iterator().next();
            }
            throw new IllegalArgumentException("clientId is required (registered apps: " + apps.keySet() + ")");
        }
        App app = apps.get(clientId);
        if (app == null) {
            throw new IllegalArgumentException("Unknown client_id " + clientId);
        }
        return app;
    }

    private static String key(String appId, String locationId) {
        return appId + " " + locationId;
    }

    // --- tokens ----------------------------------------------------------------------------------

    /** A Private Integration token for a location: {@code pit-<uuid>}, never expires, in the default company. */
    public String issuePrivateIntegrationToken(String locationId, Collection<String> scopes) {
        requireText(locationId, "locationId");
        String token = "pit-" + UUID.randomUUID();
        // Each private integration is its own client, so its own rate-limit budget.
        String integrationId = "pit-" + newHex(12);
        accessTokens.put(token, new HighLevelGrant(HighLevelGrant.Kind.PRIVATE_INTEGRATION, integrationId, companyId,
                locationId, Set.copyOf(scopes == null ? List.of() : scopes), null));
        return token;
    }

    /**
     * Tokens for a location as if chooselocation and the code exchange had run: the same body
     * {@code POST /oauth/token} answers, with all the app's scopes. A shortcut for tests.
     */
    public ObjectNode issueLocationTokens(String clientId, String locationId) {
        App app = apps.get(clientId);
        if (app == null) {
            throw new IllegalArgumentException("Unknown client_id " + clientId);
        }
        return issueTokens(new Installation(app.clientId(), app.appId(), USER_TYPE_LOCATION, companyId,
                requireText(locationId, "locationId"), userId, app.scopes()));
    }

    @Override
    public Optional<HighLevelGrant> authenticate(String bearerToken) {
        if (bearerToken == null) {
            return Optional.empty();
        }
        HighLevelGrant grant = accessTokens.get(bearerToken.trim());
        return grant == null || isExpired(grant) ? Optional.empty() : Optional.of(grant);
    }

    public TokenStatus tokenStatus(String bearerToken) {
        HighLevelGrant grant = bearerToken == null ? null : accessTokens.get(bearerToken.trim());
        return grant == null ? TokenStatus.UNKNOWN : isExpired(grant) ? TokenStatus.EXPIRED : TokenStatus.VALID;
    }

    /** Revokes an access token, refresh token or Private Integration token; false if it was unknown. */
    public boolean revoke(String token) {
        HighLevelGrant access = accessTokens.remove(token);
        if (access != null) {
            revokedAccessTokens.put(token, access);
        }
        return access != null | refreshTokens.remove(token) != null;
    }

    /**
     * Makes an access or Private Integration token revoked by {@link #revoke} valid again, with its grant. HighLevel
     * has no such thing; it stands in for a new token put in the client's configuration where the client cannot take
     * one at run time. False if the token was not revoked.
     */
    public boolean reinstate(String token) {
        HighLevelGrant grant = revokedAccessTokens.remove(token);
        if (grant == null) {
            return false;
        }
        accessTokens.put(token, grant);
        return true;
    }

    /** Makes every OAuth access token issued so far expired now (Private Integration tokens stay); returns how many. */
    public int expireAllAccessTokens() {
        Instant now = clock.now();
        int[] count = {0};
        accessTokens.replaceAll((token, grant) -> {
            if (grant.expiresAt() == null || isExpired(grant)) {
                return grant;
            }
            count[0]++;
            return new HighLevelGrant(grant.kind(), grant.appId(), grant.companyId(), grant.locationId(),
                    grant.scopes(), now);
        });
        return count[0];
    }

    private boolean isExpired(HighLevelGrant grant) {
        return grant.expiresAt() != null && !clock.now().isBefore(grant.expiresAt());
    }

    // --- routes ----------------------------------------------------------------------------------

    public void registerRoutes(SimServer server) {
        server.route("GET", "/oauth/chooselocation", CHOOSE_LOCATION_OPERATION, this::chooseLocation);
        server.route("GET", "/v2/oauth/chooselocation", CHOOSE_LOCATION_OPERATION, this::chooseLocation);
        server.route("POST", "/oauth/token", TOKEN_OPERATION, this::token);
        server.route("POST", "/oauth/locationToken", LOCATION_TOKEN_OPERATION, this::locationToken);
    }

    private SimResponse chooseLocation(SimRequest req) {
        String clientId = req.query("client_id");
        if (clientId == null || clientId.isBlank()) {
            return badRequest("client_id is required");
        }
        App app = apps.get(clientId);
        if (app == null) {
            return badRequest("Unknown client_id: " + clientId + " is not a registered app");
        }
        if (!"code".equals(req.query("response_type"))) {
            return badRequest("response_type must be 'code', got '" + req.query("response_type") + "'");
        }
        String redirectUri = req.query("redirect_uri");
        if (redirectUri == null || redirectUri.isBlank()) {
            return badRequest("redirect_uri is required");
        }
        if (!app.redirectUris().contains(redirectUri)) {
            return badRequest("redirect_uri " + redirectUri + " is not registered for app " + clientId
                    + "; registered: " + app.redirectUris());
        }
        Set<String> requested = splitScopes(req.query("scope"));
        if (requested.isEmpty()) {
            requested = app.scopes();
        }
        List<String> unknown = requested.stream().filter(s -> !app.scopes().contains(s)).toList();
        if (!unknown.isEmpty()) {
            return badRequest("Invalid scope: " + String.join(" ", unknown) + " is not configured for app " + clientId);
        }
        String code = newHex(40);
        Installation installation = new Installation(app.clientId(), app.appId(), USER_TYPE_LOCATION, companyId,
                locationId, userId, Collections.unmodifiableSet(new LinkedHashSet<>(requested)));
        approved.add(key(app.appId(), locationId));
        codes.put(code, new AuthorizationCode(installation, redirectUri, clock.now().plus(clock.scaled(codeLifetime))));
        String state = req.query("state");
        String location = redirectUri + (redirectUri.contains("?") ? "&" : "?") + "code=" + encode(code)
                + (state == null ? "" : "&state=" + encode(state));
        return SimResponse.empty(302).withHeader("Location", location).withHeader("Cache-Control", "no-store");
    }

    private SimResponse token(SimRequest req) {
        if (!FORM.equals(req.contentType())) {
            return oauthError(400, "invalid_request",
                    "Invalid request: content must be application/x-www-form-urlencoded");
        }
        Map<String, List<String>> form = req.formParams();
        String clientId = first(form, "client_id");
        String clientSecret = first(form, "client_secret");
        String grantType = first(form, "grant_type");
        String userType = first(form, "user_type");

        List<String> problems = new ArrayList<>();
        if (clientId == null) {
            problems.add("client_id should not be empty");
        }
        if (clientSecret == null) {
            problems.add("client_secret should not be empty");
        }
        if (grantType == null) {
            problems.add("grant_type should not be empty");
        } else if (!GRANT_TYPES.contains(grantType)) {
            problems.add("grant_type must be one of the following values: " + String.join(", ", GRANT_TYPES));
        }
        if (userType != null && !USER_TYPES.contains(userType)) {
            problems.add("user_type must be one of the following values: " + String.join(", ", USER_TYPES));
        }
        if (!problems.isEmpty()) {
            return unprocessable(problems);
        }
        App app = apps.get(clientId);
        if (app == null || !app.clientSecret().equals(clientSecret)) {
            return oauthError(401, "invalid_client", "Invalid client: client is invalid");
        }
        switch (grantType) {
            case "authorization_code":
                return exchangeCode(app, first(form, "code"), first(form, "redirect_uri"), userType);
            case "refresh_token":
                return refresh(app, first(form, "refresh_token"));
            default:
                return oauthError(400, "unsupported_grant_type",
                        "Unsupported grant type: `grant_type` " + grantType + " is not supported by this simulator");
        }
    }

    /** {@code POST /oauth/locationToken}: a location token from an agency token (see the class comment). */
    private SimResponse locationToken(SimRequest req) {
        String version = req.header("Version");
        if (version == null || version.isBlank()) {
            return HighLevelErrors.response(401, HighLevelErrors.VERSION_MISSING);
        }
        if (!HighLevelSimulator.DEFAULT_ACCEPTED_VERSIONS.contains(version.trim())) {
            return HighLevelErrors.response(401, HighLevelErrors.VERSION_INVALID);
        }
        String authorization = req.header("Authorization");
        String bearer = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : null;
        Optional<HighLevelGrant> grant = authenticate(bearer);
        if (grant.isEmpty()) {
            return HighLevelErrors.response(401, HighLevelErrors.INVALID_TOKEN);
        }
        HighLevelGrant agency = grant.get();
        if (agency.locationId() != null || agency.kind() != HighLevelGrant.Kind.LOCATION_OAUTH) {
            return HighLevelErrors.response(401, AGENCY_ONLY);
        }
        if (!agency.hasScope("oauth.write")) {
            return HighLevelErrors.response(401, HighLevelErrors.SCOPE_NOT_AUTHORIZED);
        }
        if (!FORM.equals(req.contentType())) {
            return HighLevelErrors.response(400, "content must be application/x-www-form-urlencoded");
        }
        Map<String, List<String>> form = req.formParams();
        String company = first(form, "companyId");
        String location = first(form, "locationId");
        List<String> problems = new ArrayList<>();
        if (company == null) {
            problems.add("companyId should not be empty");
        }
        if (location == null) {
            problems.add("locationId should not be empty");
        }
        if (!problems.isEmpty()) {
            return unprocessable(problems);
        }
        if (!company.equals(agency.companyId())) {
            return HighLevelErrors.response(403, "The token does not have access to this company.");
        }
        String key = key(agency.appId(), location);
        App app = apps.values().stream().filter(a -> a.appId().equals(agency.appId())).findFirst().orElse(null);
        if (app == null || (!installs.containsKey(key) && !approved.contains(key))) {
            return HighLevelErrors.response(400, NOT_INSTALLED);
        }
        ObjectNode tokens = issueTokens(new Installation(app.clientId(), app.appId(), USER_TYPE_LOCATION, company,
                location, userId, agency.scopes()));
        tokens.put("appId", app.appId());
        return SimResponse.ok(tokens).withHeader("Cache-Control", "no-store");
    }

    private SimResponse exchangeCode(App app, String code, String redirectUri, String userType) {
        if (code == null) {
            return oauthError(400, "invalid_request", "Missing parameter: `code`");
        }
        AuthorizationCode stored = codes.remove(code); // single use, whatever comes next
        if (stored == null || !stored.installation().clientId().equals(app.clientId())) {
            return oauthError(400, "invalid_grant", "Invalid grant: authorization code is invalid");
        }
        if (!clock.now().isBefore(stored.expiresAt())) {
            return oauthError(400, "invalid_grant", "Invalid grant: authorization code has expired");
        }
        if (redirectUri != null && !redirectUri.equals(stored.redirectUri())) {
            return oauthError(400, "invalid_grant", "Invalid grant: `redirect_uri` is invalid");
        }
        Installation installation = stored.installation();
        if (USER_TYPE_COMPANY.equals(userType)) {
            installation = new Installation(installation.clientId(), installation.appId(), USER_TYPE_COMPANY,
                    installation.companyId(), null, installation.userId(), installation.scopes());
        }
        return SimResponse.ok(issueTokens(installation)).withHeader("Cache-Control", "no-store");
    }

    private SimResponse refresh(App app, String refreshToken) {
        if (refreshToken == null) {
            return oauthError(400, "invalid_request", "Missing parameter: `refresh_token`");
        }
        RefreshToken stored = refreshTokens.get(refreshToken);
        if (stored == null || !stored.installation().clientId().equals(app.clientId())) {
            return oauthError(400, "invalid_grant", "Invalid grant: refresh token is invalid");
        }
        if (!clock.now().isBefore(stored.expiresAt())) {
            refreshTokens.remove(refreshToken, stored);
            return oauthError(400, "invalid_grant", "Invalid grant: refresh token has expired");
        }
        if (!refreshTokens.remove(refreshToken, stored)) {
            return oauthError(400, "invalid_grant", "Invalid grant: refresh token is invalid"); // lost a race
        }
        return SimResponse.ok(issueTokens(stored.installation())).withHeader("Cache-Control", "no-store");
    }

    /** Mints an access and refresh token pair and answers the spec's GetAccessCodeSuccessfulResponseDto. */
    private ObjectNode issueTokens(Installation installation) {
        Instant now = clock.now();
        Duration lifetime = accessTokenLifetime;
        Instant accessExpiresAt = now.plus(clock.scaled(lifetime));
        Instant refreshExpiresAt = now.plus(clock.scaled(refreshTokenLifetime));
        String accessToken = jwt(installation, now, accessExpiresAt);
        String refreshToken = jwt(installation, now, refreshExpiresAt);
        accessTokens.put(accessToken, new HighLevelGrant(HighLevelGrant.Kind.LOCATION_OAUTH, installation.appId(),
                installation.companyId(), installation.locationId(), installation.scopes(), accessExpiresAt));
        refreshTokens.put(refreshToken, new RefreshToken(installation, refreshExpiresAt));

        ObjectNode body = SimJson.object()
                .put("access_token", accessToken)
                .put("token_type", "Bearer")
                .put("expires_in", lifetime.toSeconds())
                .put("refresh_token", refreshToken)
                .put("scope", String.join(" ", installation.scopes()))
                .put("userType", installation.userType())
                .put("companyId", installation.companyId());
        if (installation.locationId() != null) {
            body.put("locationId", installation.locationId());
        }
        body.put("userId", installation.userId());
        if (USER_TYPE_COMPANY.equals(installation.userType())) {
            body.putArray("approvedLocations").add(locationId);
            body.put("isBulkInstallation", false)
                    .put("installToFutureLocations", false)
                    .put("approveAllLocations", false);
        } else {
            body.put("isBulkInstallation", false);
        }
        return body;
    }

    /** A JWT-shaped token carrying HighLevel's claim names; {@code jti} keeps every token unique. */
    private String jwt(Installation installation, Instant issuedAt, Instant expiresAt) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        ObjectNode claims = SimJson.object()
                .put("authClass", installation.userType())
                .put("authClassId", installation.locationId() != null ? installation.locationId() : installation.companyId())
                .put("source", "INTEGRATION")
                .put("sourceId", installation.clientId())
                .put("channel", "OAUTH")
                .put("primaryAuthClassId", installation.locationId() != null
                        ? installation.locationId() : installation.companyId());
        ObjectNode meta = claims.putObject("oauthMeta");
        ArrayNode scopes = meta.putArray("scopes");
        installation.scopes().forEach(scopes::add);
        meta.put("client", installation.appId()).put("clientKey", installation.clientId());
        claims.put("iat", issuedAt.getEpochSecond())
                .put("exp", expiresAt.getEpochSecond())
                .put("jti", UUID.randomUUID().toString());
        String signingInput = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
                + "." + b64.encodeToString(SimJson.toBytes(claims));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(signingSecret, "HmacSHA256"));
            return signingInput + "." + b64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    // --- admin endpoints -------------------------------------------------------------------------

    /**
     * <ul>
     *   <li>{@code POST /__admin/oauth/apps} {@code {"clientId","clientSecret","redirectUris":[],"scopes":[]}}: register an app (201)</li>
     *   <li>{@code POST /__admin/oauth/private-integration-tokens} {@code {"locationId"?, "scopes":[]}}:
     *       {@code {"token":"pit-...","locationId":...}} (201; location defaults to the default one)</li>
     *   <li>{@code POST /__admin/oauth/expire-access-tokens}: {@code {"expired": n}}</li>
     *   <li>{@code POST /__admin/oauth/revoke} {@code {"token": "..."}}: {@code {"revoked": true|false}}</li>
     *   <li>{@code POST /__admin/oauth/installs} {@code {"clientId", "locationId", "companyId"?}}: install the app
     *       on the location as a person would in the marketplace; 201 {@code {"appId",..,"installed":true}} and
     *       the INSTALL webhook, or 200 {@code "installed":false} when it was installed already ({@code clientId}
     *       may be left out when one app is registered)</li>
     *   <li>{@code DELETE /__admin/oauth/installs/{locationId}[?clientId=..]}: uninstall it: the app's tokens for
     *       the location are revoked and UNINSTALL is sent; {@code {"uninstalled":true,"revokedTokens":n}}, 404
     *       when it was not installed</li>
     *   <li>{@code GET /__admin/oauth/installs}: {@code {"installs":[{"appId","clientId","companyId","locationId","installedAt"}]}}</li>
     *   <li>{@code GET /__admin/oauth/settings}: default company/location/user and lifetimes
     *       ({@code accessTokenLifetimeSeconds} as in {@code expires_in}, {@code scaledAccessTokenLifetimeMs}
     *       as it lasts on the simulator's clock); {@code PUT} changes {@code companyId}+{@code locationId},
     *       {@code userId}, {@code accessTokenLifetimeSeconds}, {@code refreshTokenLifetimeSeconds},
     *       {@code codeLifetimeSeconds}</li>
     * </ul>
     */
    public void registerAdminRoutes(SimServer server) {
        server.adminRoute("POST", "/__admin/oauth/apps", "admin-oauth-register-app", req -> {
            JsonNode body = req.json();
            registerApp(body.path("clientId").asText(null), body.path("clientSecret").asText(null),
                    strings(body.path("redirectUris")), strings(body.path("scopes")));
            return SimResponse.created(SimJson.object().put("clientId", body.path("clientId").asText()));
        });
        server.adminRoute("POST", "/__admin/oauth/private-integration-tokens", "admin-oauth-issue-pit", req -> {
            JsonNode body = req.json();
            String location = body.path("locationId").asText(locationId);
            String token = issuePrivateIntegrationToken(location, strings(body.path("scopes")));
            return SimResponse.created(SimJson.object().put("token", token).put("locationId", location));
        });
        server.adminRoute("POST", "/__admin/oauth/expire-access-tokens", "admin-oauth-expire-tokens",
                req -> SimResponse.ok(SimJson.object().put("expired", expireAllAccessTokens())));
        server.adminRoute("POST", "/__admin/oauth/revoke", "admin-oauth-revoke", req -> {
            String token = req.json().path("token").asText(null);
            requireText(token, "token");
            return SimResponse.ok(SimJson.object().put("revoked", revoke(token)));
        });
        server.adminRoute("POST", "/__admin/oauth/installs", "admin-oauth-install", req -> {
            JsonNode body = req.json();
            String clientId = body.path("clientId").asText(null);
            String location = body.path("locationId").asText(locationId);
            boolean installed = install(clientId, location, body.path("companyId").asText(null));
            Install install = installs.get(key(requireApp(clientId).appId(), location));
            ObjectNode answer = SimJson.object().put("appId", install.appId()).put("companyId", install.companyId())
                    .put("locationId", install.locationId()).put("installed", installed);
            return installed ? SimResponse.created(answer) : SimResponse.ok(answer);
        });
        server.adminRoute("DELETE", "/__admin/oauth/installs/{locationId}", "admin-oauth-uninstall", req -> {
            int revoked = uninstall(req.query("clientId"), req.pathVar("locationId"));
            if (revoked < 0) {
                return SimResponse.json(404, SimJson.object().put("error", "The app is not installed on location "
                        + req.pathVar("locationId")));
            }
            return SimResponse.ok(SimJson.object().put("uninstalled", true).put("revokedTokens", revoked));
        });
        server.adminRoute("GET", "/__admin/oauth/installs", "admin-oauth-list-installs", req -> {
            ObjectNode body = SimJson.object();
            ArrayNode list = body.putArray("installs");
            for (Install i : installs()) {
                list.addObject().put("appId", i.appId()).put("clientId", i.clientId()).put("companyId", i.companyId())
                        .put("locationId", i.locationId()).put("installedAt", i.installedAt().toString());
            }
            return SimResponse.ok(body);
        });
        server.adminRoute("GET", "/__admin/oauth/settings", "admin-oauth-get-settings",
                req -> SimResponse.ok(settings()));
        server.adminRoute("PUT", "/__admin/oauth/settings", "admin-oauth-put-settings", req -> {
            JsonNode body = req.json();
            if (body.has("companyId") || body.has("locationId")) {
                setDefaultLocation(body.path("companyId").asText(companyId), body.path("locationId").asText(locationId));
            }
            if (body.has("userId")) {
                setInstallingUserId(body.path("userId").asText(null));
            }
            if (body.has("accessTokenLifetimeSeconds")) {
                setAccessTokenLifetime(Duration.ofSeconds(body.path("accessTokenLifetimeSeconds").asLong()));
            }
            if (body.has("refreshTokenLifetimeSeconds")) {
                setRefreshTokenLifetime(Duration.ofSeconds(body.path("refreshTokenLifetimeSeconds").asLong()));
            }
            if (body.has("codeLifetimeSeconds")) {
                setCodeLifetime(Duration.ofSeconds(body.path("codeLifetimeSeconds").asLong()));
            }
            return SimResponse.ok(settings());
        });
    }

    private ObjectNode settings() {
        return SimJson.object()
                .put("companyId", companyId)
                .put("locationId", locationId)
                .put("userId", userId)
                .put("accessTokenLifetimeSeconds", accessTokenLifetime.toSeconds())
                .put("scaledAccessTokenLifetimeMs", scaledAccessTokenLifetime().toMillis())
                .put("refreshTokenLifetimeSeconds", refreshTokenLifetime.toSeconds())
                .put("codeLifetimeSeconds", codeLifetime.toSeconds())
                .put("timeScale", clock.timeScale());
    }

    // --- helpers ---------------------------------------------------------------------------------

    private static SimResponse badRequest(String message) {
        return SimResponse.json(400, SimJson.object()
                .put("statusCode", 400)
                .put("message", message)
                .put("error", "Bad Request"));
    }

    private static SimResponse unprocessable(List<String> messages) {
        ObjectNode body = SimJson.object().put("statusCode", 422);
        ArrayNode list = body.putArray("message");
        messages.forEach(list::add);
        body.put("error", "Unprocessable Entity");
        return SimResponse.json(422, body);
    }

    private static SimResponse oauthError(int status, String error, String description) {
        return SimResponse.json(status, SimJson.object()
                        .put("statusCode", status)
                        .put("error", error)
                        .put("error_description", description)
                        .put("message", description))
                .withHeader("Cache-Control", "no-store");
    }

    private static String first(Map<String, List<String>> form, String name) {
        List<String> values = form.get(name);
        if (values == null || values.isEmpty() || values.get(0).isBlank()) {
            return null;
        }
        return values.get(0);
    }

    private static Set<String> splitScopes(String scope) {
        Set<String> scopes = new LinkedHashSet<>();
        if (scope != null) {
            for (String s : scope.trim().split("\\s+")) {
                if (!s.isEmpty()) {
                    scopes.add(s);
                }
            }
        }
        return scopes;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(node -> out.add(node.asText()));
        return out;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** A 20-character id in HighLevel's style (e.g. "ve9EPM428h8vShlRW1KT"). */
    private String newId() {
        char[] id = new char[20];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_ALPHABET[random.nextInt(ID_ALPHABET.length)];
        }
        return new String(id);
    }

    private String newHex(int length) {
        StringBuilder sb = new StringBuilder(length);
        while (sb.length() < length) {
            sb.append(Integer.toHexString(random.nextInt(16)));
        }
        return sb.toString();
    }

    private static String requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }

    private static Duration requirePositive(Duration value, String name) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
        return value;
    }
}
