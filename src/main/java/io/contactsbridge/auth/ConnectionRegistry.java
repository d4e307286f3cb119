package io.contactsbridge.auth;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The connections the bridge knows: read from {@code bridge.connections.<id>.*} at start-up, and
 * changeable at run time with {@link #register} (sandbox wiring points connections at the running
 * simulators this way). Hands out {@link Connection} views without secrets; the identifiers an OAuth
 * connect learnt (HighLevel location and company, BirdSend account) fill in what configuration left blank.
 */
@Component
public class ConnectionRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionRegistry.class);

    private final Map<String, ConnectionDefinition> definitions = new ConcurrentSkipListMap<>();
    private final List<Consumer<ConnectionDefinition>> listeners = new CopyOnWriteArrayList<>();
    private final CredentialStore store;

    public ConnectionRegistry(AuthProperties props, CredentialStore store) {
        this.store = store;
        props.connections().forEach((id, settings) -> definitions.put(id, ConnectionDefinition.fromSettings(id, settings)));
    }

    /** The connection with this id, with identifiers learnt when connecting; empty when unknown. */
    public Optional<Connection> find(String connectionId) {
        ConnectionDefinition def = definitions.get(connectionId);
        return def == null ? Optional.empty() : Optional.of(view(def));
    }

    /** Every connection, ordered by id. */
    public List<Connection> all() {
        return definitions.values().stream().map(this::view).toList();
    }

    /**
     * Adds a connection, or replaces the one with the same id (for example to point it at a
     * simulator with a demo token). Stored OAuth tokens of that id stay and are used if the kind is
     * unchanged.
     */
    public void register(ConnectionDefinition definition) {
        ConnectionDefinition previous = definitions.put(definition.id(), definition);
        LOG.info("Connection {} {}: {} {} at {}", definition.id(), previous == null ? "registered" : "replaced",
                definition.service().displayName(), definition.kind().propertyValue(), definition.baseUrl());
        listeners.forEach(l -> l.accept(definition));
    }

    /** Removes a connection; its stored tokens stay in the store. Returns whether it existed. */
    public boolean unregister(String connectionId) {
        return definitions.remove(connectionId) != null;
    }

    /**
     * The HighLevel marketplace app(s) this bridge is: the {@code oauth.client-id} of every HighLevel OAuth
     * connection without its suffix ({@code <appId>-<suffix>}), as HighLevel's SDK derives the {@code appId} that
     * webhook bodies carry. Empty when no HighLevel connection uses OAuth (a Private Integration token).
     */
    public Set<String> highLevelAppIds() {
        Set<String> ids = new TreeSet<>();
        for (ConnectionDefinition def : definitions.values()) {
            if (def.service() == ServiceType.HIGHLEVEL && def.kind().isOAuth() && def.oauth() != null
                    && def.oauth().clientId() != null) {
                ids.add(appId(def.oauth().clientId()));
            }
        }
        return ids;
    }

    /** The app id of a HighLevel client id: the part before the first '-'. */
    public static String appId(String clientId) {
        int dash = clientId.indexOf('-');
        return dash > 0 ? clientId.substring(0, dash) : clientId;
    }

    /** The full definition, secrets included: for the auth package only. */
    Optional<ConnectionDefinition> definition(String connectionId) {
        return Optional.ofNullable(definitions.get(connectionId));
    }

    List<ConnectionDefinition> definitions() {
        return List.copyOf(definitions.values());
    }

    /** Called with every definition registered from now on. */
    void onRegister(Consumer<ConnectionDefinition> listener) {
        listeners.add(listener);
    }

    private Connection view(ConnectionDefinition def) {
        Connection configured = def.view();
        if (!def.kind().isOAuth()) {
            return configured;
        }
        Optional<StoredCredential> stored = store.find(def.id()).filter(c -> c.kind() == def.kind());
        if (stored.isEmpty()) {
            return configured;
        }
        StoredCredential c = stored.get();
        return new Connection(def.id(), def.service(), def.kind(), def.baseUrl(),
                first(def.locationId(), c.locationId()), first(def.companyId(), c.companyId()),
                first(def.accountId(), c.accountId()));
    }

    private static String first(String a, String b) {
        return a != null ? a : b;
    }
}
