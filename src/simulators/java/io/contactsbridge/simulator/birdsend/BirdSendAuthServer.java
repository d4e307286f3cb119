package io.contactsbridge.simulator.birdsend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.MalformedBodyException;
import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimRequest;
import io.contactsbridge.simulator.sim.SimResponse;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import java.util.function.Supplier;

/**
 * The simulator's token issuer: personal access tokens and the OAuth 2.0 authorization-code flow
 * BirdSend runs on Laravel Passport (the PHP league OAuth server), with its error bodies
 * ({@code {"error", "error_description", "hint", "message"}}).
 *
 * <p>Lifetimes (access token, refresh token, authorization code) come from the settings in
 * real-service seconds and pass through the {@link SimClock}'s time scale. Refresh tokens rotate:
 * a refresh consumes the refresh token it presents. Thread-safe.
 */
final class BirdSendAuthServer {

    private static final String INVALID_GRANT_DESCRIPTION = "The provided authorization grant (e.g., authorization"
            + " code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the"
            + " redirection URI used in the authorization request, or was issued to another client.";
    private static final String INVALID_REQUEST_DESCRIPTION = "The request is missing a required parameter,"
            + " includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.";

    private record RefreshGrant(String clientId, long accountId, Set<BirdSendScope> scopes, Instant expiresAt,
                                String accessToken) {
    }

    private record AuthorizationCode(String clientId, long accountId, Set<BirdSendScope> scopes, String redirectUri,
                                     Instant expiresAt) {
    }

    private final SimClock clock;
    private final Supplier<BirdSendSettings> settings;
    private final LongPredicate accountExists;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, BirdSendGrant> accessTokens = new ConcurrentHashMap<>();
    private final Map<String, BirdSendOAuthClient> clients = new ConcurrentHashMap<>();
    /** Passport numbers its clients; generated ids continue from here. */
    private final AtomicLong clientIds = new AtomicLong(100);
    /** Guarded by {@code this}: exchanging a code or refresh token must consume it exactly once. */
    private final Map<String, RefreshGrant> refreshTokens = new HashMap<>();
    private final Map<String, AuthorizationCode> codes = new HashMap<>();

    BirdSendAuthServer(SimClock clock, Supplier<BirdSendSettings> settings, LongPredicate accountExists) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.accountExists = Objects.requireNonNull(accountExists, "accountExists");
    }

    // --- tokens from code ------------------------------------------------------------------------

    String issuePersonalAccessToken(long accountId, Set<BirdSendScope> scopes) {
        requireAccount(accountId);
        String token = randomToken(64);
        accessTokens.put(token, new BirdSendGrant(BirdSendGrant.Kind.PERSONAL_ACCESS_TOKEN, accountId,
                scopes.isEmpty() ? Set.of(BirdSendScope.READ, BirdSendScope.WRITE) : scopes, null, null));
        return token;
    }

    BirdSendOAuthClient registerClient(String clientId, String clientSecret, List<String> redirectUris) {
        BirdSendOAuthClient client = new BirdSendOAuthClient(
                clientId == null ? String.valueOf(clientIds.incrementAndGet()) : clientId,
                clientSecret == null ? randomToken(30) : clientSecret, redirectUris);
        clients.put(client.clientId(), client);
        return client;
    }

    Optional<BirdSendOAuthClient> client(String clientId) {
        return Optional.ofNullable(clientId == null ? null : clients.get(clientId));
    }

    /** Tokens as if the authorization-code flow had just completed, for tests that skip the browser part. */
    synchronized BirdSendTokenPair issueOAuthTokens(String clientId, long accountId, Set<BirdSendScope> scopes) {
        if (!clients.containsKey(clientId)) {
            throw new IllegalArgumentException("unknown OAuth client " + clientId);
        }
        requireAccount(accountId);
        return issuePair(clientId, accountId, scopes);
    }

    /** The grant behind a bearer token, or empty if it is unknown, revoked or expired. */
    Optional<BirdSendGrant> authenticate(String token) {
        BirdSendGrant grant = token == null ? null : accessTokens.get(token);
        return grant == null || grant.isExpiredAt(clock.now()) ? Optional.empty() : Optional.of(grant);
    }

    /** Revokes an access or refresh token; false if it was not known. */
    synchronized boolean revoke(String token) {
        return accessTokens.remove(token) != null | refreshTokens.remove(token) != null;
    }

    /** Revokes every token of an account (as disconnecting the integration in the app does). */
    synchronized void revokeAll(long accountId) {
        accessTokens.values().removeIf(g -> g.accountId() == accountId);
        refreshTokens.values().removeIf(g -> g.accountId() == accountId);
        codes.values().removeIf(c -> c.accountId() == accountId);
    }

    // --- GET /oauth/authorize --------------------------------------------------------------------

    /**
     * The consent page, auto-approved: a 302 to {@code redirect_uri?code=..&state=..}. The real page
     * lives on app.birdsend.co and asks the logged-in user; here the account is the one named by the
     * simulator-only {@code account_id} parameter, or {@code defaultAccountId}.
     */
    SimResponse authorize(SimRequest request, long defaultAccountId) {
        BirdSendOAuthClient client = client(request.query("client_id")).orElse(null);
        if (client == null) {
            return oauthError(401, "invalid_client", "Client authentication failed", null);
        }
        String redirectUri = request.query("redirect_uri");
        if (redirectUri == null || redirectUri.isEmpty()) {
            redirectUri = client.redirectUris().get(0);
        } else if (!client.redirectUris().contains(redirectUri)) {
            return oauthError(401, "invalid_client", "Client authentication failed",
                    "The redirect_uri does not match a URI registered for the client");
        }
        String state = request.query("state");
        if (!"code".equals(request.query("response_type"))) {
            return redirect(redirectUri, Map.of("error", "unsupported_response_type",
                    "error_description", "The authorization server does not support obtaining an authorization"
                            + " code using this method."), state);
        }
        Set<BirdSendScope> scopes = requestedScopes(request.query("scope"));
        if (scopes == null) {
            return redirect(redirectUri, Map.of("error", "invalid_scope",
                    "error_description", "The requested scope is invalid, unknown, or malformed"), state);
        }
        long accountId = defaultAccountId;
        String accountParam = request.query("account_id");
        if (accountParam != null) {
            try {
                accountId = Long.parseLong(accountParam);
            } catch (NumberFormatException e) {
                accountId = -1;
            }
            if (!accountExists.test(accountId)) {
                return LaravelErrors.message(400, "Unknown account_id " + accountParam);
            }
        }
        String code = randomToken(40);
        synchronized (this) {
            codes.put(code, new AuthorizationCode(client.clientId(), accountId, scopes, redirectUri,
                    clock.now().plus(scaledSeconds(settings.get().authorizationCodeLifetimeSeconds()))));
        }
        return redirect(redirectUri, Map.of("code", code), state);
    }

    private Set<BirdSendScope> requestedScopes(String scope) {
        Set<BirdSendScope> scopes = BirdSendScope.parseList(scope);
        if (scopes != null && scopes.isEmpty()) {
            return Set.of(BirdSendScope.parse(settings.get().defaultOAuthScope()));
        }
        return scopes;
    }

    private static SimResponse redirect(String redirectUri, Map<String, String> params, String state) {
        Map<String, String> all = new LinkedHashMap<>(params);
        if (state != null) {
            all.put("state", state);
        }
        StringBuilder location = new StringBuilder(redirectUri).append(redirectUri.contains("?") ? '&' : '?');
        Iterator<Map.Entry<String, String>> it = all.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, String> e = it.next();
            location.append(encode(e.getKey())).append('=').append(encode(e.getValue()));
            if (it.hasNext()) {
                location.append('&');
            }
        }
        return SimResponse.empty(302).withHeader("Location", location.toString());
    }

    // --- POST /oauth/token -----------------------------------------------------------------------

    SimResponse token(SimRequest request) {
        Map<String, String> params = tokenParams(request);
        String grantType = params.get("grant_type");
        if (grantType == null) {
            return oauthError(400, "invalid_request", INVALID_REQUEST_DESCRIPTION, "Check the `grant_type` parameter");
        }
        if (!"authorization_code".equals(grantType) && !"refresh_token".equals(grantType)) {
            return oauthError(400, "unsupported_grant_type",
                    "The authorization grant type is not supported by the authorization server.",
                    "Check that all required parameters have been provided");
        }
        BirdSendOAuthClient client = authenticateClient(request, params);
        if (client == null) {
            return oauthError(401, "invalid_client", "Client authentication failed", null);
        }
        return "authorization_code".equals(grantType)
                ? exchangeCode(client, params)
                : refresh(client, params);
    }

    private synchronized SimResponse exchangeCode(BirdSendOAuthClient client, Map<String, String> params) {
        String code = params.get("code");
        if (code == null) {
            return oauthError(400, "invalid_request", INVALID_REQUEST_DESCRIPTION, "Check the `code` parameter");
        }
        AuthorizationCode grant = codes.get(code);
        if (grant == null || !grant.clientId().equals(client.clientId())) {
            return oauthError(400, "invalid_grant", INVALID_GRANT_DESCRIPTION,
                    "Authorization code has been revoked or was issued to another client");
        }
        if (!clock.now().isBefore(grant.expiresAt())) {
            codes.remove(code);
            return oauthError(400, "invalid_grant", INVALID_GRANT_DESCRIPTION, "Authorization code has expired");
        }
        String redirectUri = params.get("redirect_uri");
        if (redirectUri != null && !redirectUri.equals(grant.redirectUri())) {
            return oauthError(400, "invalid_grant", INVALID_GRANT_DESCRIPTION,
                    "Invalid redirect URI");
        }
        codes.remove(code);
        return tokenResponse(issuePair(client.clientId(), grant.accountId(), grant.scopes()));
    }

    private synchronized SimResponse refresh(BirdSendOAuthClient client, Map<String, String> params) {
        String token = params.get("refresh_token");
        if (token == null) {
            return oauthError(400, "invalid_request", INVALID_REQUEST_DESCRIPTION,
                    "Check the `refresh_token` parameter");
        }
        RefreshGrant grant = refreshTokens.get(token);
        String problem = grant == null ? "Token has been revoked"
                : !clock.now().isBefore(grant.expiresAt()) ? "Token has expired"
                : !grant.clientId().equals(client.clientId()) ? "Token is not linked to client"
                : null;
        if (problem != null) {
            int status = settings.get().invalidRefreshTokenStatus();
            // Older league/oauth2-server releases answered 401 invalid_request, newer ones 400 invalid_grant.
            return oauthError(status, status == 401 ? "invalid_request" : "invalid_grant",
                    "The refresh token is invalid.", problem);
        }
        // A refresh may keep or narrow the granted scopes (write covers read), never widen them.
        Set<BirdSendScope> scopes = grant.scopes();
        String requested = params.get("scope");
        if (requested != null && !requested.isBlank()) {
            Set<BirdSendScope> narrowed = BirdSendScope.parseList(requested);
            if (narrowed == null || !narrowed.stream().allMatch(scope -> BirdSendScope.allows(grant.scopes(), scope))) {
                return oauthError(400, "invalid_scope", "The requested scope is invalid, unknown, or malformed",
                        "Check the `" + requested + "` scope(s)");
            }
            scopes = narrowed;
        }
        refreshTokens.remove(token);
        if (settings.get().revokeAccessTokenOnRefresh()) {
            accessTokens.remove(grant.accessToken());
        }
        return tokenResponse(issuePair(client.clientId(), grant.accountId(), scopes));
    }

    private BirdSendTokenPair issuePair(String clientId, long accountId, Set<BirdSendScope> scopes) {
        BirdSendSettings s = settings.get();
        Instant now = clock.now();
        String access = randomToken(64);
        String refresh = randomToken(64);
        accessTokens.put(access, new BirdSendGrant(BirdSendGrant.Kind.OAUTH, accountId, scopes, clientId,
                now.plus(scaledSeconds(s.accessTokenLifetimeSeconds()))));
        refreshTokens.put(refresh, new RefreshGrant(clientId, accountId, scopes,
                now.plus(scaledSeconds(s.refreshTokenLifetimeSeconds())), access));
        return new BirdSendTokenPair(access, refresh, s.accessTokenLifetimeSeconds(), scopes);
    }

    private static SimResponse tokenResponse(BirdSendTokenPair pair) {
        ObjectNode body = SimJson.object()
                .put("token_type", "Bearer")
                .put("expires_in", pair.expiresIn())
                .put("access_token", pair.accessToken())
                .put("refresh_token", pair.refreshToken());
        return SimResponse.ok(body).withHeader("Cache-Control", "no-store").withHeader("Pragma", "no-cache");
    }

    /**
     * Form-encoded or JSON, as public clients send either: decided by Content-Type, or by the body's
     * first character when a client sends none.
     */
    private static Map<String, String> tokenParams(SimRequest request) {
        Map<String, String> params = new HashMap<>();
        String contentType = request.contentType();
        boolean isJson = contentType == null ? request.bodyAsString().stripLeading().startsWith("{")
                : contentType.equals("application/json") || contentType.endsWith("+json");
        if (isJson) {
            JsonNode json;
            try {
                json = request.json();
            } catch (MalformedBodyException e) {
                return params;
            }
            json.fields().forEachRemaining(e -> {
                if (!e.getValue().isNull() && e.getValue().isValueNode()) {
                    params.put(e.getKey(), e.getValue().asText());
                }
            });
        } else {
            request.formParams().forEach((name, values) -> params.put(name, values.get(0)));
        }
        return params;
    }

    /** Client credentials from the body, or from HTTP Basic as RFC 6749 prefers. */
    private BirdSendOAuthClient authenticateClient(SimRequest request, Map<String, String> params) {
        String clientId = params.get("client_id");
        String secret = params.get("client_secret");
        String authorization = request.header("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                        StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon > 0) {
                    clientId = decoded.substring(0, colon);
                    secret = decoded.substring(colon + 1);
                }
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        BirdSendOAuthClient client = client(clientId).orElse(null);
        return client != null && client.clientSecret().equals(secret) ? client : null;
    }

    private static SimResponse oauthError(int status, String error, String description, String hint) {
        ObjectNode body = SimJson.object()
                .put("error", error)
                .put("error_description", description);
        if (hint != null) {
            body.put("hint", hint);
        }
        body.put("message", description);
        return SimResponse.json(status, body);
    }

    // --- helpers ---------------------------------------------------------------------------------

    private Duration scaledSeconds(long realServiceSeconds) {
        return clock.scaled(Duration.ofSeconds(realServiceSeconds));
    }

    private void requireAccount(long accountId) {
        if (!accountExists.test(accountId)) {
            throw new IllegalArgumentException("unknown account " + accountId);
        }
    }

    private String randomToken(int bytes) {
        byte[] raw = new byte[bytes];
        random.nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
