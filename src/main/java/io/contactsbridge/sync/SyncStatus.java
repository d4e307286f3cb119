package io.contactsbridge.sync;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.contactsbridge.mapping.Side;
import io.contactsbridge.ops.StatusContributor;
import io.contactsbridge.ops.StatusReport;
import org.springframework.stereotype.Component;

/**
 * {@code /api/status}: {@code links} (linked contact pairs), {@code sync.*} (enabled, connections, events by
 * action, writes per side, conflicts, {@code refused}: people whose write a service refused and who wait for a change, {@code state}: disabled, starting, running or held when the mapping does not fit
 * the accounts, with {@code mappingProblems} in words and {@code mappingCheckedAt}, last event) and {@code backfill.*}
 * (state, phase, percent, rate, ETA, counts).
 */
@Component
public class SyncStatus implements StatusContributor {

    /** {@code sync.state} while the mapping does not fit the accounts ({@code sync.mappingProblems} says why). */
    static final String HELD = "held: mapping does not fit";

    private final SyncProperties props;
    private final LinkStore links;
    private final SyncMetrics metrics;
    private final Backfill backfill;
    private final MappingCheck mappingCheck;
    private final RefusalStore refusals;

    public SyncStatus(SyncProperties props, LinkStore links, SyncMetrics metrics, Backfill backfill, MappingCheck mappingCheck,
                      RefusalStore refusals) {
        this.props = props;
        this.links = links;
        this.metrics = metrics;
        this.backfill = backfill;
        this.mappingCheck = mappingCheck;
        this.refusals = refusals;
    }

    @Override
    public void contribute(StatusReport report) {
        report.put("links", links.count(props.pair()));
        Map<String, Object> sync = new LinkedHashMap<>();
        sync.put("enabled", props.enabled());
        sync.put("highlevelConnection", props.highlevelConnection());
        sync.put("birdsendConnection", props.birdsendConnection());
        sync.put("mapping", props.mapping());
        sync.put("conflictPolicy", SyncProperties.lower(props.conflict().policy()));
        sync.put("events", metrics.eventCounts());
        sync.put("writes", Map.of("highlevel", metrics.writes(Side.HIGHLEVEL), "birdsend", metrics.writes(Side.BIRDSEND)));
        sync.put("conflicts", metrics.conflictCount());
        sync.put("refused", refusals.count(props.pair()));
        MappingCheck.Result fit = mappingCheck.last();
        sync.put("state", !props.enabled() ? "disabled" : fit == null ? "starting" : fit.ok() ? "running" : HELD);
        sync.put("mappingProblems", fit == null ? List.of() : fit.blocking());
        sync.put("mappingCheckedAt", fit == null ? null : fit.checkedAt().toString());
        sync.put("lastEvent", metrics.lastEventAt() == null ? null : metrics.lastEventAt().toString());
        report.put("sync", sync);
        BackfillProgress p = backfill.snapshot();
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
        report.put("backfill", b);
    }
}
