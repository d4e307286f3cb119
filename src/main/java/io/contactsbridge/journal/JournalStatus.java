package io.contactsbridge.journal;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

import io.contactsbridge.ops.GaugeReadings;
import io.contactsbridge.ops.StatusContributor;
import io.contactsbridge.ops.StatusReport;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The journal in {@code GET /api/status}:
 * <ul>
 *   <li>{@code journal.events}: events stored (until retention removes them)</li>
 *   <li>{@code journal.pending}: events that at least one <em>active</em> consumer (polled within
 *       {@code bridge.journal.consumer-inactive-after}) still has to process, each counted once however many
 *       consumers want it. 0 means every running trigger route is up to date.</li>
 *   <li>{@code journal.consumers.<id>}: per consumer its sources and event types, partitions, lowest position,
 *       lag (wanted events after its positions), whether it is active, which replicas hold a partition's lease
 *       right now ({@code consumingNow}: leases are held only while a batch is delivered), and the partitions
 *       blocked on a failed event (seq, attempts, next attempt, error)</li>
 * </ul>
 */
@Component
public class JournalStatus implements StatusContributor {

    /** Gauges of the same figures: {@code journal.events} and {@code journal.pending}. */
    public static final String EVENTS_GAUGE = "bridge.journal.events";
    public static final String PENDING_GAUGE = "bridge.journal.pending";

    private final JournalStore store;
    private final JournalProperties props;
    private final Clock clock;

    @Autowired
    public JournalStatus(JournalStore store, JournalProperties props, Clock clock, MeterRegistry registry) {
        this(store, props, clock);
        Gauge.builder(EVENTS_GAUGE, this, s -> GaugeReadings.orNaN(() -> s.store.count()))
                .description("Journal events stored (until retention removes them)").register(registry);
        Gauge.builder(PENDING_GAUGE, this, s -> GaugeReadings.orNaN(() -> s.store.pendingTotal(s.clock.instant().minus(s.props.consumerInactiveAfter()))))
                .description("Journal events an active consumer still has to process (the sync's and automations' lag)")
                .register(registry);
    }

    JournalStatus(JournalStore store, JournalProperties props, Clock clock) {
        this.store = store;
        this.props = props;
        this.clock = clock;
    }

    @Override
    public void contribute(StatusReport report) {
        Instant now = clock.instant();
        Instant activeSince = now.minus(props.consumerInactiveAfter());
        report.put("journal.events", store.count());
        report.put("journal.pending", store.pendingTotal(activeSince));
        report.put("journal.consumers", consumers(store.consumers(), activeSince, now));
    }

    /** Consumer id → summary; a map value so ids containing dots do not nest in the report. */
    static Map<String, Object> consumers(List<ConsumerState> partitions, Instant activeSince, Instant now) {
        Map<String, List<ConsumerState>> byId = new LinkedHashMap<>();
        partitions.forEach(p -> byId.computeIfAbsent(p.consumerId(), k -> new ArrayList<>()).add(p));
        Map<String, Object> out = new LinkedHashMap<>();
        byId.forEach((id, rows) -> {
            ConsumerState first = rows.get(0);
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("sources", first.sources());
            c.put("eventTypes", first.eventTypes().isEmpty() ? "all" : new TreeSet<>(first.eventTypes()));
            c.put("partitions", first.partitions());
            c.put("position", rows.stream().mapToLong(ConsumerState::position).min().orElse(0));
            c.put("lag", rows.stream().mapToLong(ConsumerState::lag).sum());
            Instant lastSeen = rows.stream().map(ConsumerState::lastSeenAt).max(Instant::compareTo).orElse(null);
            c.put("active", lastSeen != null && !lastSeen.isBefore(activeSince));
            c.put("lastSeenAt", lastSeen == null ? null : lastSeen.toString());
            c.put("consumingNow", rows.stream().filter(p -> p.leaseOwner() != null && p.leaseUntil() != null
                    && p.leaseUntil().isAfter(now)).map(ConsumerState::leaseOwner).collect(Collectors.toCollection(TreeSet::new)));
            List<Map<String, Object>> blocked = new ArrayList<>();
            for (ConsumerState p : rows) {
                if (p.failedSeq() != null) {
                    Map<String, Object> b = new LinkedHashMap<>();
                    b.put("partition", p.partition());
                    b.put("seq", p.failedSeq());
                    b.put("attempts", p.failures());
                    b.put("nextAttemptAfter", p.retryAfter() == null ? null : p.retryAfter().toString());
                    b.put("error", p.lastError());
                    blocked.add(b);
                }
            }
            c.put("blocked", blocked);
            out.put(id, c);
        });
        return out;
    }
}
