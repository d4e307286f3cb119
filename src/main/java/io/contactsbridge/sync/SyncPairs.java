package io.contactsbridge.sync;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.contactsbridge.auth.Connection;
import io.contactsbridge.auth.ConnectionRegistry;
import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.journal.JournalGroups;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.ops.InvalidSettingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.context.annotation.DependsOn;
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
@DependsOn("apiConnections") // the pairs stored through the API may use connections added through it
public class SyncPairs implements JournalGroups {

    /** The id of the one pair of a configuration without {@code bridge.pairs}. */
    public static final String SINGLE = "default";

    private static final Logger LOG = LoggerFactory.getLogger(SyncPairs.class);

    /** Exchange property: the pair an automation's event is for, which its actions act in. */
    public static final String EXCHANGE_PAIR = "BridgeAutomationPair";

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    /**
     * {@code bridge.pairs.<id>.*}; {@code mapping} is the location of the pair's own contact mapping, if any
     * ({@link PairMappingLoader}, {@link PairMappings}).
     */
    public record PairSettings(String highlevelConnection, String birdsendConnection, String mapping) {
    }

    /** How long the pair of a location is remembered (also that no pair has it). */
    static final Duration LOCATION_CACHE = Duration.ofSeconds(30);
    /** Webhooks name any location the app is installed on; the cache of them starts over past this many. */
    private static final int MAX_CACHED_LOCATIONS = 10_000;

    private record CachedLocation(String pairId, long until) {
    }

    private final Map<String, CachedLocation> locations = new ConcurrentHashMap<>();
    private final ConnectionRegistry connections;
    /** The pairs of the configuration, checked at start-up: the base that the API's changes apply to. */
    private final Map<String, SyncPair> configured;
    /** Null for a bridge built without a store (tests): no changes through the API then. */
    private final PairStore store;
    /** The configured pairs' own mappings, read at start-up, by pair id. */
    private final Map<String, PairMapping> configuredMappings;
    /** Reads the mappings named through the API; null, as {@link #store}, for a bridge built without a store. */
    private final PairMappingLoader loader;
    /**
     * The own mappings of the stored pairs this replica took in, by pair id: each file is read when the pair is added or
     * first seen, or when its location changes, not on every refresh; a removed pair's goes, so adding it again reads
     * its file again.
     */
    private Map<String, PairMapping> storedMappings = Map.of();
    private volatile State state;
    /** Stored pairs left out now (a clash, a connection or a mapping this replica lacks), each warned about once. */
    private final Set<String> leftOut = new TreeSet<>();

    private volatile PairMeterTags meterTags;

    /**
     * What the bridge syncs now: the pairs by id (in order), which pair each connection is in, the paused ones, and the
     * own mappings of the pairs that have one.
     */
    private record State(Map<String, SyncPair> byId, Map<String, String> idByConnection, Set<String> paused,
                         Map<String, PairMapping> mappings) {
    }

    @Autowired
    public SyncPairs(Environment environment, SyncProperties sync, ConnectionRegistry connections, PairStore store,
                     PairMappingLoader loader) {
        this(Binder.get(environment).bind("bridge.pairs", Bindable.mapOf(String.class, PairSettings.class)).orElse(Map.of()),
                sync, connections, store, loader);
    }

    private SyncPairs(Map<String, PairSettings> settings, SyncProperties sync, ConnectionRegistry connections,
                      PairStore store, PairMappingLoader loader) {
        this(configured(settings, sync, connections), loader.configured(settings), connections, store, loader);
    }

    /** A bridge of one pair, {@value #SINGLE}: for code that builds its parts directly (tests). */
    public static SyncPairs of(SyncPair pair, ConnectionRegistry connections) {
        return new SyncPairs(Map.of(SINGLE, pair), Map.of(), connections, null, null);
    }

    /**
     * A bridge of these pairs, by id, without checking their connections in {@code connections}: for code that builds
     * its parts directly (tests).
     */
    public static SyncPairs of(Map<String, SyncPair> pairs, ConnectionRegistry connections) {
        return new SyncPairs(new LinkedHashMap<>(new TreeMap<>(pairs)), Map.of(), connections, null, null);
    }

    /**
     * A bridge of these configured pairs (with these own mappings) whose changes through the API go to {@code store},
     * the mappings named there read by {@code loader}: for tests of several replicas over one store.
     */
    static SyncPairs stored(Map<String, SyncPair> pairs, Map<String, PairMapping> mappings, ConnectionRegistry connections,
                            PairStore store, PairMappingLoader loader) {
        return new SyncPairs(new LinkedHashMap<>(new TreeMap<>(pairs)), mappings, connections, store, loader);
    }

    private SyncPairs(Map<String, SyncPair> configured, Map<String, PairMapping> configuredMappings,
                      ConnectionRegistry connections, PairStore store, PairMappingLoader loader) {
        this.connections = connections;
        this.configured = Collections.unmodifiableMap(configured);
        this.configuredMappings = Map.copyOf(configuredMappings);
        this.store = store;
        this.loader = loader;
        Map<String, String> claimed = new TreeMap<>();
        configured.forEach((id, pair) -> {
            claim(claimed, id, pair.highlevelConnection(), "highlevel-connection");
            claim(claimed, id, pair.birdsendConnection(), "birdsend-connection");
        });
        this.state = new State(this.configured, Collections.unmodifiableMap(claimed), Set.of(), this.configuredMappings);
        refresh();
    }

    static Map<String, SyncPair> configured(Map<String, PairSettings> settings, SyncProperties sync,
                                            ConnectionRegistry connections) {
        Map<String, SyncPair> pairs = new LinkedHashMap<>();
        if (settings.isEmpty()) {
            pairs.put(SINGLE, sync.pair());
        } else {
            for (Map.Entry<String, PairSettings> e : new TreeMap<>(settings).entrySet()) {
                pairs.put(e.getKey(), checked(e.getKey(), e.getValue(), connections));
            }
        }
        return pairs;
    }

    /**
     * Reads the changes made through the API (by this replica or another): called at start-up, after each change and
     * every few seconds (route {@code sync-pairs-refresh}). A stored pair that clashes with the configuration (its id or
     * a connection taken since) is left out, with a warning.
     */
    public synchronized void refresh() {
        if (store == null) {
            return;
        }
        List<PairStore.Row> rows;
        try {
            rows = store.all();
        } catch (RuntimeException e) {
            LOG.debug("Pairs: could not read the changes made through the API ({}); keeping what is known", e.getMessage());
            return;
        }
        Map<String, SyncPair> byId = new LinkedHashMap<>(configured);
        Map<String, PairMapping> stored = new HashMap<>();
        Set<String> paused = new TreeSet<>();
        for (PairStore.Row row : rows) {
            if (row.removed()) {
                byId.remove(row.id());
                continue;
            }
            if (row.pair() != null && !configured.containsKey(row.id())) {
                if (connections.find(row.pair().highlevelConnection()).isEmpty()
                        || connections.find(row.pair().birdsendConnection()).isEmpty()) {
                    // Added on a replica that knows connections this one does not (configured differently).
                    if (leftOut.add(row.id())) {
                        LOG.warn("Pair {} left out: this replica has no connection {} or {}", row.id(),
                                row.pair().highlevelConnection(), row.pair().birdsendConnection());
                    }
                    continue;
                }
                if (row.mapping() != null) {
                    PairMapping own = storedMapping(row.id(), row.mapping());
                    if (own == null) {
                        continue;
                    }
                    stored.put(row.id(), own);
                }
                byId.put(row.id(), row.pair());
            }
            if (row.paused() && byId.containsKey(row.id())) {
                paused.add(row.id());
            }
        }
        Map<String, String> claimed = new TreeMap<>();
        Map<String, SyncPair> kept = new LinkedHashMap<>();
        for (Map.Entry<String, SyncPair> e : byId.entrySet()) {
            String hl = claimed.get(e.getValue().highlevelConnection());
            String bs = claimed.get(e.getValue().birdsendConnection());
            if (hl != null || bs != null) {
                if (leftOut.add(e.getKey())) {
                    LOG.warn("Pair {} left out: its connection is pair {}'s", e.getKey(), hl != null ? hl : bs);
                }
                continue;
            }
            claimed.put(e.getValue().highlevelConnection(), e.getKey());
            claimed.put(e.getValue().birdsendConnection(), e.getKey());
            kept.put(e.getKey(), e.getValue());
        }
        Map<String, PairMapping> mappings = new HashMap<>();
        for (String id : kept.keySet()) {
            PairMapping own = configured.containsKey(id) ? configuredMappings.get(id) : stored.get(id);
            if (own != null) {
                mappings.put(id, own);
            }
        }
        stored.keySet().retainAll(kept.keySet());
        storedMappings = stored;
        // Warned once each time a pair is left out: one taken in again is warned about again if it drops out later.
        leftOut.removeAll(kept.keySet());
        State before = state;
        state = new State(Collections.unmodifiableMap(kept), Collections.unmodifiableMap(claimed),
                Collections.unmodifiableSet(paused), Map.copyOf(mappings));
        if (meterTags != null) {
            meterTags.update(state.idByConnection(), state.byId());
        }
        if (!before.byId().keySet().equals(kept.keySet()) || !before.paused().equals(paused)) {
            locations.clear();
            LOG.info("Pairs synced: {}{}", kept.keySet(), paused.isEmpty() ? "" : ", paused: " + paused);
        }
        before.mappings().keySet().stream().filter(id -> kept.containsKey(id) && !mappings.containsKey(id))
                .forEach(id -> LOG.info("Pair {} syncs by the bridge's contact mapping", id));
    }

    /**
     * The own mapping of a stored pair at {@code location}: the one read before while the location is the same, else
     * read now. Null, with a warning, when this replica cannot use it (its file missing here, or invalid): the pair is
     * left out rather than synced by another mapping.
     */
    private PairMapping storedMapping(String id, String location) {
        PairMapping known = storedMappings.get(id);
        if (known != null && known.location().equals(location)) {
            return known;
        }
        try {
            PairMapping read = loader.requested(location);
            LOG.info("Pair {} syncs by its own contact mapping {}", id, location);
            return read;
        } catch (PairMappingLoader.UnusableMappingException e) {
            if (leftOut.add(id)) {
                LOG.warn("Pair {} left out: {} (on this replica)", id, e.getMessage());
            }
            return null;
        }
    }

    // ---- changes through the admin API ------------------------------------------------------------

    /**
     * Adds a pair of two connections the bridge knows, syncing by its own contact mapping at {@code mapping} (a
     * location, {@link PairMappingLoader#requested}) or, without one, by the bridge's. Everything is checked, the
     * mapping read, before anything is stored. {@link IllegalArgumentException} says what is wrong
     * ({@link PairMappingLoader.UnusableMappingException} about the mapping).
     */
    public synchronized SyncPair add(String id, String highlevelConnection, String birdsendConnection, String mapping) {
        requireStore();
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("a pair id is lower-case letters, digits and dashes (at most 63), not '"
                    + abbreviate(id) + "'");
        }
        if (state.byId().containsKey(id)) {
            throw new IllegalStateException("pair " + id + " exists already");
        }
        SyncPair pair;
        try {
            pair = checked(id, new PairSettings(highlevelConnection, birdsendConnection, null), connections);
        } catch (InvalidSettingException e) {
            throw new IllegalArgumentException(e.getMessage().replace("Setting bridge.pairs." + id + ".", ""), e);
        }
        for (String connection : List.of(pair.highlevelConnection(), pair.birdsendConnection())) {
            String other = state.idByConnection().get(connection);
            if (other != null) {
                throw new IllegalArgumentException("connection " + connection + " is pair " + other + "'s; a connection "
                        + "belongs to one pair");
            }
        }
        PairMapping own = StringUtils.hasText(mapping) ? loader.requested(mapping.trim()) : null;
        store.add(id, pair, own == null ? null : own.location());
        if (own != null) {
            // The file just checked is the one synced by: the refresh below reads it no second time.
            Map<String, PairMapping> known = new HashMap<>(storedMappings);
            known.put(id, own);
            storedMappings = known;
            LOG.info("Pair {} syncs by its own contact mapping {}", id, own.location());
        }
        refresh();
        return pair;
    }

    /**
     * Pauses a pair from journal position {@code fromSeq}, or resumes it: while paused, nothing of it is polled, synced,
     * backfilled or automated. Returns where the pause had begun (null when it was not paused).
     */
    public synchronized Long pause(String id, boolean paused, long fromSeq) {
        requireStore();
        requireKnown(id);
        Long began = store.paused(id, paused, fromSeq);
        refresh();
        return began;
    }

    /** Stops syncing a pair; its links and cursors stay, so adding it again continues where it was. */
    public synchronized void remove(String id) {
        requireStore();
        requireKnown(id);
        store.remove(id);
        refresh();
    }

    /** The pairs of the configuration (never empty), whatever the API changed since. */
    public Map<String, SyncPair> configured() {
        return configured;
    }

    /** Whether a pair was added through the API (else it comes from configuration). */
    public boolean addedAtRunTime(String id) {
        return !configured.containsKey(id);
    }

    public boolean paused(String id) {
        return state.paused().contains(id);
    }

    /** Whether the pair is synced now: one of this bridge's and not paused. */
    public boolean active(SyncPair pair) {
        return idOf(pair).filter(id -> !state.paused().contains(id)).isPresent();
    }

    private void requireStore() {
        if (store == null) {
            throw new IllegalStateException("this bridge keeps no pair changes");
        }
    }

    private void requireKnown(String id) {
        if (id == null || !state.byId().containsKey(id)) {
            throw new java.util.NoSuchElementException("no pair of this bridge is called " + abbreviate(id) + "; its pairs are "
                    + ids());
        }
    }

    private static String abbreviate(String value) {
        return value == null ? "" : value.length() > 80 ? value.substring(0, 80) + "..." : value;
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

    private static void claim(Map<String, String> claimed, String pairId, String connectionId, String setting) {
        String other = claimed.putIfAbsent(connectionId, pairId);
        if (other != null && !other.equals(pairId)) {
            throw new InvalidSettingException("bridge.pairs." + pairId + "." + setting, connectionId,
                    "pair " + other + " uses this connection already; a connection belongs to one pair",
                    "Give each pair its own connections (one HighLevel location, one BirdSend account).");
        }
    }

    /** Every pair's id, in order. */
    public List<String> ids() {
        return new ArrayList<>(state.byId().keySet());
    }

    /** Every pair, by id, in order. */
    public Map<String, SyncPair> all() {
        return state.byId();
    }

    public Optional<SyncPair> find(String pairId) {
        return Optional.ofNullable(pairId == null ? null : state.byId().get(pairId));
    }

    /** The own mapping of pair {@code pairId}; empty when it syncs by the bridge's (or is none of this bridge's). */
    public Optional<PairMapping> mappingOf(String pairId) {
        return Optional.ofNullable(pairId == null ? null : state.mappings().get(pairId));
    }

    /** The own mapping of {@code pair}, if it is one of this bridge's and has one (asked for every event). */
    public Optional<PairMapping> mappingOf(SyncPair pair) {
        State now = state;
        if (now.mappings().isEmpty() || pair == null) {
            return Optional.empty();
        }
        String id = now.idByConnection().get(pair.highlevelConnection());
        return id != null && pair.equals(now.byId().get(id)) ? Optional.ofNullable(now.mappings().get(id)) : Optional.empty();
    }

    /** The id of {@code pair}, if it is one of this bridge's (asked for every event: a look-up by its connection). */
    public Optional<String> idOf(SyncPair pair) {
        State now = state;
        String id = pair == null ? null : now.idByConnection().get(pair.highlevelConnection());
        return id != null && pair.equals(now.byId().get(id)) ? Optional.of(id) : Optional.empty();
    }

    /** Keeps the metrics' {@code pair} tags ({@link PairMeterTags}) up to date with the pairs of the moment. */
    @Autowired(required = false)
    public void setMeterTags(PairMeterTags meterTags) {
        this.meterTags = meterTags;
        meterTags.update(state.idByConnection(), state.byId());
    }

    /**
     * The journal keeps pairs apart when the bridge syncs several: one pair's failing or slow events are parked (the
     * group is the pair's id) and hold up no other pair's. An event from a connection no pair has is grouped by its
     * connection; one that names none (stored before pairs, or a location not known) goes with the others alike.
     */
    @Override
    public String groupOf(String connectionId) {
        State now = state;
        if (now.byId().size() <= 1) {
            return null;
        }
        if (connectionId == null) {
            return "unpaired";
        }
        String pairId = now.idByConnection().get(connectionId);
        return pairId != null ? pairId : connectionId;
    }

    /** Whether the bridge syncs just one pair (then an event that does not say whose it is, is that pair's). */
    public boolean single() {
        return state.byId().size() == 1;
    }

    /** The one pair of a bridge that syncs one; for callers that have no pair of their own to go by. */
    public SyncPair only() {
        if (state.byId().size() != 1) {
            throw new IllegalStateException("this bridge syncs " + state.byId().size() + " pairs; name one of "
                    + state.byId().keySet());
        }
        return state.byId().values().iterator().next();
    }

    /** The HighLevel connections of every pair not paused, in pair order: the locations the poll reads. */
    public List<String> highLevelConnections() {
        State now = state;
        return now.byId().entrySet().stream().filter(e -> !now.paused().contains(e.getKey()))
                .map(e -> e.getValue().highlevelConnection()).toList();
    }

    /** The BirdSend connections of every pair not paused, in pair order: the accounts the scans read. */
    public List<String> birdSendConnections() {
        State now = state;
        return now.byId().entrySet().stream().filter(e -> !now.paused().contains(e.getKey()))
                .map(e -> e.getValue().birdsendConnection()).toList();
    }

    /** The pair that {@code connectionId} (of either service) belongs to. */
    public Optional<SyncPair> byConnection(String connectionId) {
        return find(connectionId == null ? null : state.idByConnection().get(connectionId));
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
        Optional<String> found = state.byId().entrySet().stream().filter(e -> connections.find(e.getValue().highlevelConnection())
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
