package io.contactsbridge.auth;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import io.contactsbridge.ops.LogSafe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The OAuth authorization-code flow behind {@code GET /oauth/connect/{id}} and
 * {@code GET /oauth/callback/{id}}: start sends the admin to the service's consent page with a
 * fresh single-use state; the callback checks the state, trades the code for tokens and stores them
 * encrypted. Neither the code nor a token ever appears in a log line or an answer.
 */
@Component
public class OAuthFlow {

    private static final Logger LOG = LoggerFactory.getLogger(OAuthFlow.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a completed connect shows: identifiers and expiry, never a token. */
    public record Connected(String connectionId, ServiceType service, CredentialKind kind, String locationId,
                            String companyId, String accountId, String scopes, Instant accessTokenExpiresAt) {
    }

    private final ConnectionRegistry registry;
    private final OAuthStateStore states;
    private final CredentialStore store;
    private final TokenEndpointClient endpoint;
    private final OAuthTokenService tokens;
    private final Clock clock;
    private final AuthProperties props;

    public OAuthFlow(ConnectionRegistry registry, OAuthStateStore states, CredentialStore store,
                     TokenEndpointClient endpoint, OAuthTokenService tokens, Clock clock, AuthProperties props) {
        this.registry = registry;
        this.states = states;
        this.store = store;
        this.endpoint = endpoint;
        this.tokens = tokens;
        this.clock = clock;
        this.props = props;
    }

    /** Starts a connect: records a new state and returns the service's authorization URL to redirect to. */
    public String start(String connectionId) {
        ConnectionDefinition def = oauthDefinition(connectionId);
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String state = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Instant now = clock.instant();
        states.save(state, connectionId, now, now.plus(props.auth().stateTtl()));

        ConnectionDefinition.OAuthClient client = def.oauth();
        Map<String, String> query = new LinkedHashMap<>();
        query.put("response_type", "code");
        query.put("client_id", client.clientId());
        query.put("redirect_uri", redirectUri(def));
        if (client.scopes() != null) {
            query.put("scope", client.scopes());
        }
        query.put("state", state);
        String authorize = client.authorizeUrl();
        LOG.info("OAuth connect of connection {} ({}) started: sending the browser to {}", connectionId,
                def.service().displayName(), authorize);
        return authorize + (authorize.contains("?") ? "&" : "?") + form(query);
    }

    /**
     * Completes a connect from the callback's query parameters.
     *
     * @param error the {@code error} parameter a service sends when the person declined
     * @throws OAuthFlowException with the status and message for the browser when it cannot complete
     */
    public Connected complete(String connectionId, String code, String state, String error) {
        ConnectionDefinition def = oauthDefinition(connectionId);
        String again = " Start again at " + tokens.connectUrl(connectionId) + ".";
        switch (states.consume(state, connectionId, clock.instant())) {
            case VALID -> { }
            case EXPIRED -> throw rejected(connectionId, "This connect attempt expired (attempts are valid for "
                    + props.auth().stateTtl().toMinutes() + " minutes)." + again);
            case ALREADY_USED -> throw rejected(connectionId, "This connect attempt was already used." + again);
            case OTHER_CONNECTION -> throw rejected(connectionId, "This callback answers a connect attempt of "
                    + "another connection." + again);
            case UNKNOWN -> throw rejected(connectionId, "This callback does not answer a connect attempt of this "
                    + "bridge (missing or unknown state)." + again);
        }
        if (error != null && !error.isBlank()) {
            throw rejected(connectionId, def.service().displayName() + " did not authorize the connection (error: "
                    + printable(error) + ")." + again);
        }
        if (code == null || code.isBlank()) {
            throw rejected(connectionId, "The callback carries no authorization code." + again);
        }

        Instant now = clock.instant();
        TokenGrant grant;
        try {
            grant = endpoint.exchangeCode(def, code, redirectUri(def));
        } catch (TokenEndpointException e) {
            LOG.warn("OAuth connect of connection {} failed: the code exchange failed ({})", connectionId, e.getMessage());
            if (e.refused()) {
                throw new OAuthFlowException(400, def.service().displayName() + " refused the authorization code ("
                        + e.getMessage() + "). Check the connection's OAuth client id, secret and redirect URI." + again);
            }
            throw new OAuthFlowException(502, "Could not get tokens from " + def.service().displayName() + " ("
                    + e.getMessage() + ")." + again);
        }
        checkLocation(def, grant, again);

        ConnectionDefinition.OAuthClient client = def.oauth();
        Instant accessExpiresAt = OAuthTokenService.expiry(now, grant.expiresIn(), client.accessTokenLifetime());
        Instant refreshExpiresAt = grant.refreshToken() == null ? null
                : OAuthTokenService.expiry(now, grant.refreshExpiresIn(), client.refreshTokenLifetime());
        StoredCredential saved = store.saveConnected(def, grant, accessExpiresAt, refreshExpiresAt, now);
        tokens.afterConnect(connectionId);
        LOG.info("Connection {} ({}) connected{}; access token valid until {}", connectionId,
                def.service().displayName(), saved.locationId() != null ? " to location " + saved.locationId() : "",
                accessExpiresAt);
        return new Connected(connectionId, def.service(), def.kind(), saved.locationId(), saved.companyId(),
                saved.accountId(), saved.scopes(), accessExpiresAt);
    }

    /**
     * HighLevel must hand out a token for one sub-account, and the one configured if any; for an agency
     * connection, a token for the agency (company).
     */
    private void checkLocation(ConnectionDefinition def, TokenGrant grant, String again) {
        if (def.kind() == CredentialKind.AGENCY_OAUTH) {
            if (grant.companyId() == null || grant.locationId() != null) {
                throw new OAuthFlowException(400, "HighLevel returned a token that is not for an agency (userType "
                        + printable(grant.userType()) + "): connection " + def.id() + " is an agency connection "
                        + "(kind agency-oauth); install the app on the agency." + again);
            }
            return;
        }
        if (def.kind() != CredentialKind.LOCATION_OAUTH) {
            return;
        }
        if (grant.locationId() == null) {
            throw new OAuthFlowException(400, "HighLevel returned a token that is not for a sub-account (userType "
                    + printable(grant.userType()) + "): choose a sub-account (location) when installing the app." + again);
        }
        if (def.locationId() != null && !def.locationId().equals(grant.locationId())) {
            throw new OAuthFlowException(400, "HighLevel connected location " + printable(grant.locationId())
                    + " but connection " + def.id() + " is configured for location " + def.locationId()
                    + ": choose that location, or change bridge.connections." + def.id() + ".location-id." + again);
        }
    }

    /** Where the service sends the browser back: the configured redirect URI or this bridge's callback. */
    public String redirectUri(ConnectionDefinition def) {
        if (def.oauth() != null && def.oauth().redirectUri() != null) {
            return def.oauth().redirectUri();
        }
        return props.publicUrl().replaceAll("/+$", "") + "/oauth/callback/" + def.id();
    }

    private ConnectionDefinition oauthDefinition(String connectionId) {
        ConnectionDefinition def = registry.definition(connectionId).orElseThrow(() ->
                new OAuthFlowException(404, "There is no connection '" + printable(connectionId) + "'."));
        if (!def.kind().isOAuth()) {
            throw new OAuthFlowException(400, "Connection " + connectionId + " authenticates with a "
                    + def.kind().staticTokenName() + " (kind " + def.kind().propertyValue()
                    + "), so there is nothing to connect. To use OAuth instead, set bridge.connections." + connectionId
                    + ".kind and its oauth.* settings.");
        }
        if (!def.missingSettings().isEmpty()) {
            throw new OAuthFlowException(400, "Connection " + connectionId + " cannot be connected yet: set "
                    + String.join(", ", def.missingSettings()) + ".");
        }
        return def;
    }

    private static OAuthFlowException rejected(String connectionId, String message) {
        LOG.warn("OAuth callback of connection {} rejected: {}", LogSafe.of(connectionId, 80), LogSafe.of(message, 300));
        return new OAuthFlowException(400, message);
    }

    /** Echoes a short, harmless value from the request; anything else is replaced. */
    private static String printable(String value) {
        return value != null && value.matches("[A-Za-z0-9_.\\- ]{1,64}") ? value : "(unreadable)";
    }

    private static String form(Map<String, String> query) {
        return query.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8).replace("+", "%20"))
                .collect(Collectors.joining("&"));
    }
}
