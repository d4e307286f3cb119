package io.contactsbridge.sync;

import java.util.HashMap;
import java.util.Map;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Tags every metric with {@code pair}, the id of the connection pair it belongs to, so one dashboard filters any pair:
 * <ul>
 *   <li>a metric tagged {@code pair} already (the sync's events and writes, the backfill's progress) keeps it;</li>
 *   <li>one tagged {@code connection} (upstream calls, rate budgets, token expiry, circuit breakers) gets that
 *       connection's pair, or {@code none} for a connection no pair uses;</li>
 *   <li>the others (the journal, dead letters, routes, the JVM) concern the whole bridge: the pair's id when the
 *       bridge syncs one pair, else {@code all}.</li>
 * </ul>
 * Micrometer tags a meter when it is first registered: it starts from the configured pairs ({@code bridge.pairs}) and
 * {@link SyncPairs} keeps it up to date with the pairs added or removed through the API, so meters registered later
 * are tagged by the pairs of that moment.
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE - 100) // after filters that add a connection tag (the circuit breakers')
public class PairMeterTags implements MeterFilter {

    public static final String TAG = "pair";
    /** The {@code pair} of metrics about the whole bridge when it syncs several pairs. */
    public static final String ALL = "all";
    /** The {@code pair} of a connection no pair uses. */
    public static final String NONE = "none";

    private volatile Map<String, String> pairByConnection;
    private volatile String bridgeWide;

    public PairMeterTags(Environment environment) {
        Map<String, SyncPairs.PairSettings> configured = Binder.get(environment)
                .bind("bridge.pairs", Bindable.mapOf(String.class, SyncPairs.PairSettings.class)).orElse(Map.of());
        Map<String, String> byConnection = new HashMap<>();
        if (configured.isEmpty()) {
            byConnection.put(environment.getProperty("bridge.sync.highlevel-connection", "highlevel"), SyncPairs.SINGLE);
            byConnection.put(environment.getProperty("bridge.sync.birdsend-connection", "birdsend"), SyncPairs.SINGLE);
        } else {
            configured.forEach((id, p) -> {
                if (p != null && p.highlevelConnection() != null) {
                    byConnection.put(p.highlevelConnection().trim(), id);
                }
                if (p != null && p.birdsendConnection() != null) {
                    byConnection.put(p.birdsendConnection().trim(), id);
                }
            });
        }
        update(byConnection, configured.isEmpty() ? Map.of(SyncPairs.SINGLE, "") : configured);
    }

    /** The pairs now: each connection's pair id, and the pair ids. */
    void update(Map<String, String> pairByConnection, Map<String, ?> pairs) {
        this.pairByConnection = Map.copyOf(pairByConnection);
        this.bridgeWide = pairs.size() == 1 ? pairs.keySet().iterator().next() : ALL;
    }

    @Override
    public Meter.Id map(Meter.Id id) {
        if (id.getTag(TAG) != null) {
            return id;
        }
        String connection = id.getTag("connection");
        String pair = connection == null ? bridgeWide : pairByConnection.getOrDefault(connection, NONE);
        return id.withTag(Tag.of(TAG, pair));
    }
}
