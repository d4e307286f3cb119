package io.contactsbridge.auth;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.JournalHeaders;
import org.apache.camel.Exchange;
import io.contactsbridge.ops.LogSafe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What HighLevel's {@code INSTALL} and {@code UNINSTALL} webhooks (a marketplace app installed on, or removed
 * from, a location) do to the HighLevel connections, and the gate that keeps an uninstalled location's sync
 * paused. The route {@code highlevel-app-lifecycle} ({@link HighLevelAppLifecycleRoutes}) delivers the journaled
 * events, per location in the order received; the ingress already dropped other apps' events.
 *
 * <ul>
 *   <li><b>INSTALL</b> of the app on location L: the {@code location-oauth} connection of this app for L
 *       (configured {@code location-id} L, or none configured and not connected elsewhere) is connected with a
 *       location token obtained from the agency token of a connected {@code agency-oauth} connection of the same
 *       app and company, as HighLevel's SDK does (apps/oauth.json {@code POST /oauth/locationToken}). Without
 *       such an agency connection (an app installed per location), the connection's status says which connect
 *       link an admin must open ({@link ConnectionStatus#AWAITING_CONNECT}). Already connected to L: nothing
 *       changes.</li>
 *   <li><b>UNINSTALL</b> from L: that connection's stored tokens are deleted and its status says so
 *       ({@link ConnectionStatus#UNINSTALLED}); {@link #requireSyncAllowed} then holds the sync of its location
 *       (events wait in the journal) until it is connected again. An UNINSTALL naming only a company removes the
 *       tokens of that company's agency connection.</li>
 * </ul>
 * Both are idempotent: a repeated event finds its work done. A failure that may pass (HighLevel unreachable)
 * throws, so the journal retries the event with back-off; a refusal is recorded in the status instead.
 * Connections of other kinds (a Private Integration token) are left alone: the app's install state does not
 * change what such a token may do.
 */
@Component("highLevelAppLifecycle")
public class HighLevelAppLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(HighLevelAppLifecycle.class);

    private final ConnectionRegistry registry;
    private final CredentialStore store;
    private final OAuthTokenService tokens;
    private final TokenEndpointClient endpoint;
    private final ObjectMapper json;
    private final Clock clock;

    public HighLevelAppLifecycle(ConnectionRegistry registry, CredentialStore store, OAuthTokenService tokens,
                                 TokenEndpointClient endpoint, ObjectMapper json, Clock clock) {
        this.registry = registry;
        this.store = store;
        this.tokens = tokens;
        this.endpoint = endpoint;
        this.json = json;
        this.clock = clock;
    }

    /** The route's step: one journaled INSTALL or UNINSTALL (body: the webhook payload as a Map). */
    public String apply(Exchange exchange) {
        String type = exchange.getMessage().getHeader(JournalHeaders.EVENT_TYPE, String.class);
        JsonNode payload = json.valueToTree(exchange.getMessage().getBody(Map.class));
        String outcome = switch (Objects.requireNonNullElse(type, "")) {
            case "INSTALL" -> install(text(payload, "appId"), text(payload, "companyId"), text(payload, "locationId"),
                    instant(payload));
            case "UNINSTALL" -> uninstall(text(payload, "appId"), text(payload, "companyId"), text(payload, "locationId"),
                    instant(payload));
            default -> "not an app lifecycle event: " + type;
        };
        LOG.info("HighLevel {}: {}", LogSafe.of(type, 40), LogSafe.of(outcome, 300));
        return outcome;
    }

    /** Connects the location's connection of this app (see the class comment); returns what it did. */
    public String install(String appId, String companyId, String locationId, Instant at) {
        if (locationId == null) {
            return "app " + appId + " installed on company " + companyId + " without a location; agency connections are "
                    + "connected at their connect link, locations when HighLevel installs the app on them";
        }
        List<ConnectionDefinition> targets = locationConnections(appId, locationId);
        if (targets.isEmpty()) {
            return "app " + appId + " installed on location " + locationId + "; no location-oauth connection of this app "
                    + "is for that location, nothing to connect";
        }
        List<String> done = new ArrayList<>();
        for (ConnectionDefinition def : targets) {
            done.add(connect(def, appId, companyId, locationId, at));
        }
        return String.join("; ", done);
    }

    /** Deletes the tokens of the location's (or company's) connection of this app and pauses its sync. */
    public String uninstall(String appId, String companyId, String locationId, Instant at) {
        List<ConnectionDefinition> targets = locationId != null ? locationConnections(appId, locationId)
                : agencyConnections(appId).stream().filter(d -> companyId != null && companyId.equals(storedCompany(d))).toList();
        String where = locationId != null ? "location " + locationId : "company " + companyId;
        if (targets.isEmpty()) {
            return "app " + appId + " uninstalled from " + where + "; no connection of this app is for it, nothing to do";
        }
        List<String> done = new ArrayList<>();
        for (ConnectionDefinition def : targets) {
            Optional<StoredCredential> stored = stored(def);
            if (stored.isPresent() && stored.get().status() == ConnectionStatus.UNINSTALLED) {
                done.add("connection " + def.id() + " was already uninstalled");
                continue;
            }
            String note = "HighLevel uninstalled the app from " + where + " at " + at + ". Its stored tokens were deleted"
                    + (def.kind() == CredentialKind.AGENCY_OAUTH ? "; locations are no longer connected from it."
                    : " and the sync of this location is paused (changes wait in the journal).")
                    + " To resume, install the app again" + (def.kind() == CredentialKind.AGENCY_OAUTH
                    ? " and connect at " + tokens.connectUrl(def.id())
                    : agencyFor(appId, companyId).isPresent() ? " (the bridge then connects the location itself)"
                    : " and connect at " + tokens.connectUrl(def.id())) + ".";
            store.saveLifecycle(def, ConnectionStatus.UNINSTALLED, locationId != null ? locationId : storedLocation(def),
                    companyId != null ? companyId : storedCompany(def), note, clock.instant());
            done.add("connection " + def.id() + ": tokens deleted, sync paused");
        }
        return String.join("; ", done);
    }

    /** Whether the connection's location may be synced: not while HighLevel has the app uninstalled there. */
    public boolean syncAllowed(String connectionId) {
        return stoppedBy(connectionId).isEmpty();
    }

    /**
     * Throws while the connection's location is uninstalled or awaiting its connect, so the calling route's event
     * stays in the journal (retried with back-off) until the location is connected again.
     */
    public void requireSyncAllowed(String connectionId) {
        Optional<StoredCredential> stopped = stoppedBy(connectionId);
        if (stopped.isPresent()) {
            throw new ConnectionAuthException(connectionId, "Sync of connection " + connectionId + " is paused: "
                    + stopped.get().lastRefreshError());
        }
    }

    private Optional<StoredCredential> stoppedBy(String connectionId) {
        return store.find(connectionId).filter(c -> c.status() == ConnectionStatus.UNINSTALLED
                || c.status() == ConnectionStatus.AWAITING_CONNECT);
    }

    private String connect(ConnectionDefinition def, String appId, String companyId, String locationId, Instant at) {
        Optional<StoredCredential> stored = stored(def);
        if (stored.isPresent() && stored.get().status() == ConnectionStatus.CONNECTED
                && locationId.equals(stored.get().locationId())) {
            return "connection " + def.id() + " is connected to location " + locationId + " already";
        }
        Optional<ConnectionDefinition> agency = agencyFor(appId, companyId);
        if (agency.isEmpty()) {
            if (stored.isPresent() && stored.get().status() == ConnectionStatus.NEEDS_RECONNECT) {
                return "connection " + def.id() + " must be reconnected at " + tokens.connectUrl(def.id());
            }
            store.saveLifecycle(def, ConnectionStatus.AWAITING_CONNECT, locationId, companyId, "HighLevel installed the "
                    + "app on location " + locationId + " at " + at + ". An admin must connect it: open "
                    + tokens.connectUrl(def.id()) + " (admin login) and choose that location. (With an agency-oauth "
                    + "connection of the app, the bridge would connect it itself.)", clock.instant());
            return "connection " + def.id() + " awaits its connect at " + tokens.connectUrl(def.id());
        }
        ConnectionDefinition agencyDef = agency.get();
        String company = companyId != null ? companyId : storedCompany(agencyDef);
        Instant started = clock.instant();
        TokenGrant grant;
        try {
            grant = endpoint.locationToken(agencyDef, tokens.accessToken(agencyDef.id()), company, locationId);
        } catch (TokenEndpointException e) {
            if (!e.refused()) {
                throw e; // HighLevel unreachable or failing: the journal retries the event
            }
            return awaitingAfterRefusal(def, locationId, company, agencyDef, e.getMessage(), at);
        } catch (ConnectionAuthException e) {
            return awaitingAfterRefusal(def, locationId, company, agencyDef, e.getMessage(), at);
        }
        ConnectionDefinition.OAuthClient client = def.oauth();
        TokenGrant forLocation = grant.locationId() != null ? grant : new TokenGrant(grant.accessToken(),
                grant.refreshToken(), grant.expiresIn(), grant.refreshExpiresIn(), grant.scope(), locationId, company,
                grant.userType(), null);
        store.saveConnected(def, forLocation,
                OAuthTokenService.expiry(started, grant.expiresIn(), client == null ? null : client.accessTokenLifetime()),
                grant.refreshToken() == null ? null
                        : OAuthTokenService.expiry(started, grant.refreshExpiresIn(), client == null ? null : client.refreshTokenLifetime()),
                clock.instant());
        tokens.afterConnect(def.id());
        return "connection " + def.id() + " connected to location " + locationId + " with a token from agency connection "
                + agencyDef.id();
    }

    private String awaitingAfterRefusal(ConnectionDefinition def, String locationId, String company,
                                        ConnectionDefinition agency, String why, Instant at) {
        store.saveLifecycle(def, ConnectionStatus.AWAITING_CONNECT, locationId, company, "HighLevel installed the app on "
                + "location " + locationId + " at " + at + ", but no location token could be obtained from agency "
                + "connection " + agency.id() + " (" + why + "). Fix that connection, or connect this one at "
                + tokens.connectUrl(def.id()) + " (admin login).", clock.instant());
        return "connection " + def.id() + " not connected: agency connection " + agency.id() + " could not give a token ("
                + why + ")";
    }

    /** The location-oauth connections of this app for {@code locationId}, configured or learnt when connecting. */
    private List<ConnectionDefinition> locationConnections(String appId, String locationId) {
        return registry.definitions().stream()
                .filter(d -> d.kind() == CredentialKind.LOCATION_OAUTH && ofApp(d, appId))
                .filter(d -> {
                    String stored = storedLocation(d);
                    return locationId.equals(d.locationId())
                            || (d.locationId() == null && (stored == null || stored.equals(locationId)));
                })
                .toList();
    }

    private List<ConnectionDefinition> agencyConnections(String appId) {
        return registry.definitions().stream()
                .filter(d -> d.kind() == CredentialKind.AGENCY_OAUTH && ofApp(d, appId)).toList();
    }

    /** A connected agency connection of the app, for the company (when known). */
    private Optional<ConnectionDefinition> agencyFor(String appId, String companyId) {
        return agencyConnections(appId).stream()
                .filter(d -> stored(d).filter(c -> c.status() == ConnectionStatus.CONNECTED).isPresent())
                .filter(d -> companyId == null || companyId.equals(storedCompany(d)) || companyId.equals(d.companyId()))
                .findFirst();
    }

    private static boolean ofApp(ConnectionDefinition d, String appId) {
        return appId == null || (d.oauth() != null && d.oauth().clientId() != null
                && ConnectionRegistry.appId(d.oauth().clientId()).equals(appId));
    }

    private Optional<StoredCredential> stored(ConnectionDefinition d) {
        return store.find(d.id()).filter(c -> c.kind() == d.kind());
    }

    private String storedLocation(ConnectionDefinition d) {
        return stored(d).map(StoredCredential::locationId).orElse(d.locationId());
    }

    private String storedCompany(ConnectionDefinition d) {
        return stored(d).map(StoredCredential::companyId).orElse(d.companyId());
    }

    private Instant instant(JsonNode payload) {
        String t = text(payload, "timestamp");
        try {
            return t == null ? clock.instant() : Instant.parse(t);
        } catch (DateTimeParseException e) {
            return clock.instant();
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v == null || !v.isValueNode() || v.isNull() || v.asText().isBlank() ? null : v.asText();
    }
}
