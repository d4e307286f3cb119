package io.contactsbridge.sync;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.contactsbridge.mapping.Side;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * Micrometer counters of the sync (at {@code /actuator/metrics/<name>}), also kept for {@code /api/status}:
 * <ul>
 *   <li>{@value #EVENTS}: journal events processed, tagged {@code action} (unchanged, linked, updated, ...)</li>
 *   <li>{@value #WRITES}: calls that created, changed or deleted a contact, tagged {@code side}</li>
 *   <li>{@value #CONFLICTS}: fields both sides had changed differently</li>
 * </ul>
 */
@Component
public class SyncMetrics {

    public static final String EVENTS = "bridge.sync.events";
    public static final String WRITES = "bridge.sync.writes";
    public static final String CONFLICTS = "bridge.sync.conflicts";

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<String, AtomicLong> events = new ConcurrentHashMap<>();
    private final Map<Side, AtomicLong> writes = new ConcurrentHashMap<>();
    private final AtomicLong conflicts = new AtomicLong();
    private volatile Instant lastEventAt;

    public SyncMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        // At 0 from the start, so a rate over it is 0 rather than no data until the first conflict (and the writes too).
        Counter.builder(CONFLICTS).description("Fields both sides had changed differently").register(registry);
        for (Side side : Side.values()) {
            Counter.builder(WRITES).description("Contact writes made by the sync").tag("side", side.key()).register(registry);
        }
    }

    /** @param pair the event's pair id; null when no pair of this bridge's (then tagged as the whole bridge) */
    void event(SyncOutcome outcome, String pair) {
        String action = outcome.action().name().toLowerCase(java.util.Locale.ROOT);
        events.computeIfAbsent(action, k -> new AtomicLong()).incrementAndGet();
        withPair(Counter.builder(EVENTS).description("Journal events processed by the sync").tag("action", action), pair)
                .register(registry).increment();
        lastEventAt = clock.instant();
    }

    void write(Side side, String pair) {
        writes.computeIfAbsent(side, k -> new AtomicLong()).incrementAndGet();
        withPair(Counter.builder(WRITES).description("Contact writes made by the sync").tag("side", side.key()), pair)
                .register(registry).increment();
    }

    void conflicts(int n, String pair) {
        conflicts.addAndGet(n);
        withPair(Counter.builder(CONFLICTS).description("Fields both sides had changed differently"), pair)
                .register(registry).increment(n);
    }

    /** Tagged with the pair (else {@link PairMeterTags} tags it as the whole bridge's). */
    private static Counter.Builder withPair(Counter.Builder counter, String pair) {
        return pair == null ? counter : counter.tag(PairMeterTags.TAG, pair);
    }

    /** Writes made to a side since start (tests count echoes with it). */
    public long writes(Side side) {
        AtomicLong n = writes.get(side);
        return n == null ? 0 : n.get();
    }

    Map<String, Long> eventCounts() {
        Map<String, Long> out = new TreeMap<>();
        events.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    long conflictCount() {
        return conflicts.get();
    }

    Instant lastEventAt() {
        return lastEventAt;
    }
}
