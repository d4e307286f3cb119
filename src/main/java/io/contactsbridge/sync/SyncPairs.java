package io.contactsbridge.sync;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.auth.Connection;
import io.contactsbridge.auth.ConnectionRegistry;
import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.ops.InvalidSettingException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * The connection pairs this bridge syncs: each one HighLevel location (a HighLevel connection) with one BirdSend account
 * (a BirdSend connection), with its own links, cursors, rate budgets (per connection) and backfill.
 *
 * <p>Configured as {@code bridge.pairs.<id>.highlevel-connection} and {@code bridge.pairs.<id>.birdsend-connection}.
 * Without any, the bridge syncs one pair, {@value #SINGLE}, of {@code bridge.sync.highlevel-connection} and
 * {@code bridge.sync.birdsend-connection}: configurations of one pair keep working unchanged. A connection belongs to
 * at most one pair, so the connection an event came from names its pair.
 */
@Component("syncPairs")
public class SyncPairs {

    /** The id of the one pair of a configuration without {@code bridge.pairs}. */
    public static final String SINGLE = "default";

    /** Exchange property: the pair an automation's event is for, which its actions act in. */
    public static final String EXCHANGE_PAIR = "BridgeAutomationPair";

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    /** {@code bridge.pairs.<id>.*}. */
    public record PairSettings(String highlevelConnection, String birdsendConnection) {
    }

    /** How long the pair of a location is remembered (also that no pair has it). */
    static final Duration LOCATION_CACHE = Duration.ofSeconds(30);
    /** Webhooks name any location the app is installed on; the cache of them starts over past this many. */
    private static final int MAX_CACHED_LOCATIONS = 10_000;

    private record CachedLocation(String pairId, long until) {
    }

    private final Map<String, CachedLocation> locations = new ConcurrentHashMap<>();
    private final Map<String, SyncPair> byId;
    private final Map<String, String> idByConnection = new TreeMap<>();
    private final ConnectionRegistry connections;

    @Autowired
    public SyncPairs(Environment environment, SyncProperties sync, ConnectionRegistry connections) {
        this(Binder.get(environment).bind("bridge.pairs", Bindable.mapOf(String.class, PairSettings.class))
                .orElse(Map.of()), sync, connections);
    }

    /** A bridge of one pair, {@value #SINGLE}: for code that builds its parts directly (tests). */
    public static SyncPairs of(SyncPair pair, ConnectionRegistry connections) {
        return new SyncPairs(Map.of(), new SyncProperties(null, pair.highlevelConnection(), pair.birdsendConnection(),
                null, null, null, null, null), connections);
    }

    /**
     * A bridge of these pairs, by id, without checking their connections in {@code connections}: for code that builds
     * its parts directly (tests).
     */
    public static SyncPairs of(Map<String, SyncPair> pairs, ConnectionRegistry connections) {
        return new SyncPairs(pairs, connections);
    }

    private SyncPairs(Map<String, SyncPair> pairs, ConnectionRegistry connections) {
        this.connections = connections;
        Map<String, SyncPair> ordered = new LinkedHashMap<>(new TreeMap<>(pairs));
        ordered.forEach((id, pair) -> {
            claim(id, pair.highlevelConnection(), "highlevel-connection");
            claim(id, pair.birdsendConnection(), "birdsend-connection");
        });
        this.byId = Collections.unmodifiableMap(ordered);
    }

    SyncPairs(Map<String, PairSettings> configured, SyncProperties sync, ConnectionRegistry connections) {
        this.connections = connections;
        Map<String, SyncPair> pairs = new LinkedHashMap<>();
        if (configured.isEmpty()) {
            pairs.put(SINGLE, sync.pair());
        } else {
            for (Map.Entry<String, PairSettings> e : new TreeMap<>(configured).entrySet()) {
                pairs.put(e.getKey(), checked(e.getKey(), e.getValue(), connections));
            }
        }
        for (Map.Entry<String, SyncPair> e : pairs.entrySet()) {
            claim(e.getKey(), e.getValue().highlevelConnection(), "highlevel-connection");
            claim(e.getKey(), e.getValue().birdsendConnection(), "birdsend-connection");
        }
        this.byId = Collections.unmodifiableMap(pairs);
    }

    private static SyncPair checked(String id, PairSettings s, ConnectionRegistry connections) {
        String where = "bridge.pairs." + id;
        if (!ID.matcher(id).matches()) {
            throw new InvalidSettingException(where, id, "a pair id is lower-case letters, digits and dashes (at most 63)",
                    "Rename the pair, e.g. bridge.pairs.acme-main.highlevel-connection=...");
        }
        String hl = s == null ? null : s.highlevelConnection();
        String bs = s == null ? null : s.birdsendConnection();
        requireConnection(where + ".highlevel-connection", hl, ServiceType.HIGHLEVEL, connections);
        requireConnection(where + ".birdsend-connection", bs, ServiceType.BIRDSEND, connections);
        return new SyncPair(hl.trim(), bs.trim());
    }

    private static void requireConnection(String property, String connectionId, ServiceType service,
                                          ConnectionRegistry connections) {
        if (!StringUtils.hasText(connectionId)) {
            throw new InvalidSettingException(property, "", "a pair needs its " + service.displayName() + " connection",
                    "Set it to the id of a bridge.connections.<id> block of service " + service.name().toLowerCase() + ".");
        }
        Optional<Connection> found = connections.find(connectionId.trim());
        if (found.isEmpty()) {
            throw new InvalidSettingException(property, connectionId, "no connection has this id",
                    "Add bridge.connections." + connectionId.trim() + ".* or name a connection that exists.");
        }
        if (found.get().service() != service) {
            throw new InvalidSettingException(property, connectionId, "it is a " + found.get().service().displayName()
                    + " connection, not a " + service.displayName() + " one", "Name a " + service.displayName() + " connection.");
        }
    }

    private void claim(String pairId, String connectionId, String setting) {
        String other = idByConnection.putIfAbsent(connectionId, pairId);
        if (other != null && !other.equals(pairId)) {
            throw new InvalidSettingException("bridge.pairs." + pairId + "." + setting, connectionId,
                    "pair " + other + " uses this connection already; a connection belongs to one pair",
                    "Give each pair its own connections (one HighLevel location, one BirdSend account).");
        }
    }

    /** Every pair's id, in order. */
    public List<String> ids() {
        return new ArrayList<>(byId.keySet());
    }

    /** Every pair, by id, in order. */
    public Map<String, SyncPair> all() {
        return byId;
    }

    public Optional<SyncPair> find(String pairId) {
        return Optional.ofNullable(pairId == null ? null : byId.get(pairId));
    }

    /** The id of {@code pair}, if it is one of this bridge's. */
    public Optional<String> idOf(SyncPair pair) {
        return byId.entrySet().stream().filter(e -> e.getValue().equals(pair)).map(Map.Entry::getKey).findFirst();
    }

    /** Whether the bridge syncs just one pair (then an event that does not say whose it is, is that pair's). */
    public boolean single() {
        return byId.size() == 1;
    }

    /** The one pair of a bridge that syncs one; for callers that have no pair of their own to go by. */
    public SyncPair only() {
        if (byId.size() != 1) {
            throw new IllegalStateException("this bridge syncs " + byId.size() + " pairs; name one of " + byId.keySet());
        }
        return byId.values().iterator().next();
    }

    /** The HighLevel connections of every pair, in pair order: the locations the poll reads. */
    public List<String> highLevelConnections() {
        return byId.values().stream().map(SyncPair::highlevelConnection).toList();
    }

    /** The BirdSend connections of every pair, in pair order: the accounts the scans read. */
    public List<String> birdSendConnections() {
        return byId.values().stream().map(SyncPair::birdsendConnection).toList();
    }

    /** The pair that {@code connectionId} (of either service) belongs to. */
    public Optional<SyncPair> byConnection(String connectionId) {
        return find(connectionId == null ? null : idByConnection.get(connectionId));
    }

    /**
     * The pair whose HighLevel connection acts on {@code locationId} (configured, or learnt when connecting). Asked for
     * every webhook: answers are kept for {@link #LOCATION_CACHE} (a location learnt when connecting may come from the
     * store).
     */
    public Optional<SyncPair> byLocation(String locationId) {
        if (!StringUtils.hasText(locationId)) {
            return Optional.empty();
        }
        long now = System.nanoTime();
        CachedLocation cached = locations.get(locationId);
        if (cached != null && now - cached.until() < 0) {
            return find(cached.pairId());
        }
        Optional<String> found = byId.entrySet().stream().filter(e -> connections.find(e.getValue().highlevelConnection())
                .map(Connection::locationId).filter(locationId::equals).isPresent()).map(Map.Entry::getKey).findFirst();
        if (locations.size() > MAX_CACHED_LOCATIONS) {
            locations.clear();
        }
        locations.put(locationId, new CachedLocation(found.orElse(null), now + LOCATION_CACHE.toNanos()));
        return found.flatMap(this::find);
    }

    /** The HighLevel connection of the pair of {@code locationId}, for writers that record where an event came from. */
    public Optional<String> highLevelConnectionOf(String locationId) {
        return byLocation(locationId).map(SyncPair::highlevelConnection);
    }

    /**
     * The pair a journal event is for: the one of the connection it came from; else, for a HighLevel event, the one of
     * the location it names; else, with one pair, that one. Empty when no pair of this bridge is concerned (a webhook
     * of a location no pair syncs).
     */
    public Optional<SyncPair> forEvent(String source, String connectionId, JsonNode payload) {
        if (connectionId != null) {
            return byConnection(connectionId);
        }
        if (single()) {
            return Optional.of(only());
        }
        if (fromHighLevel(source) && payload != null) {
            return byLocation(payload.path("locationId").asText(null));
        }
        return Optional.empty();
    }

    /** For a journal source: whether its events come from HighLevel. */
    static boolean fromHighLevel(String source) {
        return JournalSources.HIGHLEVEL_WEBHOOK.equals(source) || JournalSources.HIGHLEVEL_POLL.equals(source);
    }
}
