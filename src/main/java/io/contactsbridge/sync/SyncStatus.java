package io.contactsbridge.sync;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.contactsbridge.journal.JournalParking;
import io.contactsbridge.mapping.Side;
import io.contactsbridge.ops.StatusContributor;
import io.contactsbridge.ops.StatusReport;
import org.springframework.stereotype.Component;

/**
 * {@code /api/status}: {@code links} (linked contact pairs), {@code sync.*} (enabled, connections, events by
 * action, writes per side, conflicts, {@code refused}: people whose write a service refused and who wait for a change, {@code state}: disabled, starting, running or held when the mapping does not fit
 * the accounts, with {@code mappingProblems} in words and {@code mappingCheckedAt}, last event) and {@code backfill.*}
 * (state, phase, percent, rate, ETA, counts). {@code pairs.<id>.*}: each connection pair's connections, links,
 * refused people, {@code mapping} (the location of the one it syncs by: its own or the bridge's), mapping fit, backfill
 * and {@code parked} (its events set aside while it
 * failed, see {@link JournalParking}); with several pairs {@code links} counts them all and {@code backfill} is
 * the first pair's.
 */
@Component
public class SyncStatus implements StatusContributor {

    /** {@code sync.state} while the mapping does not fit the accounts ({@code sync.mappingProblems} says why). */
    static final String HELD = "held: mapping does not fit";

    private final SyncProperties props;
    private final LinkStore links;
    private final SyncMetrics metrics;
    private final Backfills backfills;
    private final MappingCheck mappingCheck;
    private final RefusalStore refusals;
    private final SyncPairs pairs;
    private final JournalParking parking;

    public SyncStatus(SyncProperties props, LinkStore links, SyncMetrics metrics, Backfills backfills, MappingCheck mappingCheck,
                      RefusalStore refusals, SyncPairs pairs, JournalParking parking) {
        this.parking = parking;
        this.props = props;
        this.links = links;
        this.metrics = metrics;
        this.backfills = backfills;
        this.mappingCheck = mappingCheck;
        this.refusals = refusals;
        this.pairs = pairs;
    }

    @Override
    public void contribute(StatusReport report) {
        Map<String, Object> perPair = new LinkedHashMap<>();
        Map<String, List<Map<String, Object>>> parked = parkedByPair();
        long allLinks = 0;
        for (Backfill backfill : backfills.all()) {
            SyncPair pair = backfill.pair();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("highlevelConnection", pair.highlevelConnection());
            out.put("birdsendConnection", pair.birdsendConnection());
            long count = links.count(pair);
            allLinks += count;
            out.put("links", count);
            out.put("refused", refusals.count(pair));
            out.put("mapping", pairs.mappingOf(backfill.pairId()).map(PairMapping::location).orElse(props.mapping()));
            MappingCheck.Result fit = mappingCheck.last(pair);
            out.put("paused", pairs.paused(backfill.pairId()));
            out.put("addedAtRunTime", pairs.addedAtRunTime(backfill.pairId()));
            out.put("state", !props.enabled() ? "disabled" : pairs.paused(backfill.pairId()) ? "paused" : fit == null
                    ? "starting" : fit.ok() ? "running" : HELD);
            out.put("mappingProblems", fit == null ? List.of() : fit.blocking());
            out.put("backfill", backfill(backfill.snapshot()));
            out.put("parked", parked.getOrDefault(backfill.pairId(), List.of()));
            perPair.put(backfill.pairId(), out);
        }
        report.put("links", allLinks);
        report.put("pairs", perPair);
        List<Backfill> all = backfills.all();
        Backfill first = all.isEmpty() ? null : all.get(0);
        Map<String, Object> sync = new LinkedHashMap<>();
        sync.put("enabled", props.enabled());
        sync.put("highlevelConnection", first == null ? null : first.pair().highlevelConnection());
        sync.put("birdsendConnection", first == null ? null : first.pair().birdsendConnection());
        sync.put("mapping", props.mapping());
        sync.put("conflictPolicy", SyncProperties.lower(props.conflict().policy()));
        sync.put("events", metrics.eventCounts());
        sync.put("writes", Map.of("highlevel", metrics.writes(Side.HIGHLEVEL), "birdsend", metrics.writes(Side.BIRDSEND)));
        sync.put("conflicts", metrics.conflictCount());
        sync.put("refused", perPair.values().stream().mapToLong(p -> ((Number) ((Map<?, ?>) p).get("refused")).longValue()).sum());
        MappingCheck.Result fit = mappingCheck.last();
        sync.put("state", !props.enabled() ? "disabled" : fit == null ? "starting" : fit.ok() ? "running" : HELD);
        sync.put("mappingProblems", fit == null ? List.of() : fit.blocking());
        sync.put("mappingCheckedAt", fit == null ? null : fit.checkedAt().toString());
        sync.put("lastEvent", metrics.lastEventAt() == null ? null : metrics.lastEventAt().toString());
        report.put("sync", sync);
        report.put("backfill", backfill(first == null ? BackfillProgress.NEVER : first.snapshot()));
    }

    /**
     * Each pair's events parked by a journal consumer (the sync, an automation) because the pair failed or was slow,
     * while the other pairs went on: count, failures in a row, next retry, last error.
     */
    private Map<String, List<Map<String, Object>>> parkedByPair() {
        Map<String, List<Map<String, Object>>> byPair = new LinkedHashMap<>();
        for (JournalParking.ParkedGroup g : parking.parked(null)) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("consumer", g.consumer());
            out.put("events", g.events());
            out.put("failures", g.failures());
            out.put("retryAfter", g.retryAfter().toString());
            out.put("lastError", g.lastError());
            byPair.computeIfAbsent(g.group(), k -> new java.util.ArrayList<>()).add(out);
        }
        return byPair;
    }

    private static Map<String, Object> backfill(BackfillProgress p) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("state", p.state());
        b.put("phase", p.phase());
        b.put("dryRun", p.dryRun());
        b.put("percent", p.percent());
        b.put("processed", p.processed());
        b.put("total", p.total());
        b.put("rate", Math.round(p.rate() * 10) / 10.0);
        b.put("etaSeconds", p.etaSeconds() == null ? null : Math.round(p.etaSeconds()));
        b.put("counts", p.counts());
        b.put("error", p.error());
        return b;
    }
}
