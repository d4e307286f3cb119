package io.contactsbridge.sync;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.contactsbridge.mapping.Side;
import io.contactsbridge.ops.StatusContributor;
import io.contactsbridge.ops.StatusReport;
import org.springframework.stereotype.Component;

/**
 * {@code /api/status}: {@code links} (linked contact pairs), {@code sync.*} (enabled, connections, events by
 * action, writes per side, conflicts, mapping problems found in the accounts, last event) and {@code backfill.*} (state, percent, rate, ETA, counts).
 */
@Component
public class SyncStatus implements StatusContributor {

    private final SyncProperties props;
    private final LinkStore links;
    private final SyncMetrics metrics;
    private final Backfill backfill;
    private final MappingCheck mappingCheck;

    public SyncStatus(SyncProperties props, LinkStore links, SyncMetrics metrics, Backfill backfill, MappingCheck mappingCheck) {
        this.props = props;
        this.links = links;
        this.metrics = metrics;
        this.backfill = backfill;
        this.mappingCheck = mappingCheck;
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
        MappingCheck.Result fit = mappingCheck.last();
        List<String> problems = new ArrayList<>();
        if (fit != null) {
            problems.addAll(fit.blocking());
            problems.addAll(fit.warnings());
        }
        sync.put("mappingProblems", problems);
        sync.put("lastEvent", metrics.lastEventAt() == null ? null : metrics.lastEventAt().toString());
        report.put("sync", sync);
        BackfillProgress p = backfill.snapshot();
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("state", p.state());
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
