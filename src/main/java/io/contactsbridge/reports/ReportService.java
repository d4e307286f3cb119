package io.contactsbridge.reports;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.contactsbridge.sync.LinkStore;
import io.contactsbridge.sync.SyncPair;
import io.contactsbridge.sync.SyncPairs;
import org.springframework.stereotype.Component;

/**
 * Builds the reports from the hourly buckets ({@link ReportStore}) and, for each pair the sync keeps, the number of
 * contacts linked now ({@link LinkStore}). Days are UTC days, added up here from the hours (portable: no time-zone
 * dependent SQL), row by row so a long range holds only the added-up figures.
 */
@Component
public class ReportService {

    public enum Granularity {
        HOUR(ChronoUnit.HOURS, Duration.ofDays(90)),
        DAY(ChronoUnit.DAYS, Duration.ofDays(400));

        final ChronoUnit unit;
        /** The longest range one request may ask for: a request never reads the whole table. */
        public final Duration maxRange;

        Granularity(ChronoUnit unit, Duration maxRange) {
            this.unit = unit;
            this.maxRange = maxRange;
        }

        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public Instant floor(Instant t) {
            return t.truncatedTo(unit);
        }

        public Instant ceil(Instant t) {
            Instant f = floor(t);
            return f.equals(t) ? t : f.plus(1, unit);
        }

        Duration step() {
            return unit.getDuration();
        }
    }

    /** One series: a metric split by one dimension value, a count per bucket in {@link Report#buckets} order. */
    public record Series(String metric, String dimension, long total, long[] counts) {
    }

    /**
     * The figures of one connection pair; {@code pairId} and {@code linkedContacts} are null for a pair the sync does
     * not keep now (one the buckets still name).
     */
    public record PairReport(String pairId, String highlevelConnection, String birdsendConnection, Long linkedContacts,
                             List<Series> series, Map<String, List<Series>> apiCalls) {
    }

    /**
     * @param buckets     the start of each bucket, from {@code from} (inclusive) to {@code to} (exclusive)
     * @param otherBudgets API calls of connections in no pair reported, by budget
     * @param rows        every non-zero bucket in order, for the CSV
     */
    public record Report(Instant from, Instant to, Granularity granularity, List<Instant> buckets, List<PairReport> pairs,
                         Map<String, List<Series>> otherBudgets, List<ReportBucket> rows) {
    }

    private final ReportStore store;
    private final LinkStore links;
    private final SyncPairs syncPairs;

    public ReportService(ReportStore store, LinkStore links, SyncPairs syncPairs) {
        this.store = store;
        this.links = links;
        this.syncPairs = syncPairs;
    }

    /** The report of {@code [from, to)}, both on bucket boundaries, within the granularity's longest range. */
    public Report report(Instant from, Instant to, Granularity granularity) {
        if (!from.isBefore(to) || Duration.between(from, to).compareTo(granularity.maxRange) > 0
                || !granularity.floor(from).equals(from) || !granularity.floor(to).equals(to)) {
            throw new IllegalArgumentException("not a range of whole " + granularity.key() + "s within "
                    + granularity.maxRange.toDays() + " days: " + from + " - " + to);
        }
        List<Instant> buckets = new ArrayList<>();
        for (Instant t = from; t.isBefore(to); t = t.plus(granularity.step())) {
            buckets.add(t);
        }
        // scope -> metric -> dimension -> counts per bucket
        Map<String, Map<String, Map<String, long[]>>> byScope = new TreeMap<>();
        store.each(from, to, b -> {
            int i = (int) (Duration.between(from, granularity.floor(b.start())).toSeconds() / granularity.step().toSeconds());
            byScope.computeIfAbsent(b.scope(), k -> new TreeMap<>()).computeIfAbsent(b.metric(), k -> new TreeMap<>())
                    .computeIfAbsent(b.dimension(), k -> new long[buckets.size()])[i] += b.n();
        });

        // Every pair kept now, in pair order (listed even without figures), then any other pair the buckets name.
        Map<SyncPair, String> kept = new LinkedHashMap<>();
        syncPairs.all().forEach((id, p) -> kept.put(p, id));
        Map<String, SyncPair> pairs = new LinkedHashMap<>();
        for (SyncPair p : kept.keySet()) {
            pairs.put(ReportCounters.pairScope(p.highlevelConnection(), p.birdsendConnection()), p);
        }
        for (String scope : byScope.keySet()) {
            SyncPair p = pairOf(scope);
            if (p != null) {
                pairs.putIfAbsent(scope, p);
            }
        }
        Map<String, List<Series>> budgets = new TreeMap<>();
        byScope.forEach((scope, metrics) -> {
            if (scope.startsWith("budget:")) {
                budgets.put(scope.substring("budget:".length()), series(metrics));
            }
        });
        List<PairReport> pairReports = new ArrayList<>();
        pairs.forEach((scope, p) -> {
            Map<String, List<Series>> apiCalls = new TreeMap<>();
            for (String budget : List.of("highlevel:" + p.highlevelConnection(), "birdsend:" + p.birdsendConnection())) {
                List<Series> calls = budgets.remove(budget);
                apiCalls.put(budget, calls == null ? List.of() : calls);
            }
            String id = kept.get(p);
            Long linked = id != null ? links.count(p) : null;
            pairReports.add(new PairReport(id, p.highlevelConnection(), p.birdsendConnection(), linked,
                    series(byScope.getOrDefault(scope, Map.of())), apiCalls));
        });

        List<ReportBucket> rows = new ArrayList<>();
        for (int i = 0; i < buckets.size(); i++) {
            int at = i;
            byScope.forEach((scope, metrics) -> metrics.forEach((metric, dims) -> dims.forEach((dim, counts) -> {
                if (counts[at] != 0) {
                    rows.add(new ReportBucket(scope, buckets.get(at), metric, dim, counts[at]));
                }
            })));
        }
        return new Report(from, to, granularity, buckets, pairReports, budgets, rows);
    }

    private static List<Series> series(Map<String, Map<String, long[]>> metrics) {
        List<Series> out = new ArrayList<>();
        metrics.forEach((metric, dims) -> dims.forEach((dim, counts) -> {
            long total = 0;
            for (long n : counts) {
                total += n;
            }
            out.add(new Series(metric, dim, total, counts));
        }));
        return out;
    }

    /** The pair of a scope written by {@link ReportCounters#pairScope}, else null. */
    static SyncPair pairOf(String scope) {
        if (!scope.startsWith("pair:")) {
            return null;
        }
        String rest = scope.substring("pair:".length());
        int bar = rest.indexOf('|');
        return bar < 0 ? null : new SyncPair(rest.substring(0, bar), rest.substring(bar + 1));
    }
}
