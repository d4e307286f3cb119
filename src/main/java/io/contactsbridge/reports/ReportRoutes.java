package io.contactsbridge.reports;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.ops.AdminQuery;
import io.contactsbridge.ops.AdminQuery.BadRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * The reports' admin endpoints (admin login required, as for all of {@code /api/**}):
 * <ul>
 *   <li>{@code GET /api/reports}: JSON, per connection pair: contacts linked now, and a series per metric and dimension
 *       with a count per bucket; API calls per rate budget.</li>
 *   <li>{@code GET /api/reports.csv} (or {@code /api/reports?format=csv}): one row per bucket, scope, metric and
 *       dimension with a non-zero count, as an attachment.</li>
 * </ul>
 * Parameters: {@code granularity} ({@code hour}, the default, or {@code day}; UTC), {@code from} and {@code to}
 * (ISO-8601 instants or dates; from inclusive, rounded down to the bucket, to exclusive, rounded up). Defaults: the
 * last 24 hours, or the last 30 days, up to the end of the current bucket. At most 90 days of hours or 400 of days.
 */
@Component
public class ReportRoutes extends RouteBuilder {

    private static final Set<String> PARAMETERS = Set.of("from", "to", "granularity", "format");
    static final String CSV_HEADER = "bucket_start,granularity,scope,metric,dimension,count";

    private final ReportService reports;
    private final ObjectMapper json;
    private final Clock clock;

    public ReportRoutes(ReportService reports, ObjectMapper json, Clock clock) {
        this.reports = reports;
        this.json = json;
        this.clock = clock;
    }

    @Override
    public void configure() {
        from("platform-http:/api/reports?httpMethodRestrict=GET")
                .routeId("reports-api")
                .process(e -> answer(e, null));
        from("platform-http:/api/reports.csv?httpMethodRestrict=GET")
                .routeId("reports-csv-api")
                .process(e -> answer(e, "csv"));
    }

    private void answer(Exchange exchange, String fixedFormat) throws JsonProcessingException {
        Message in = exchange.getMessage();
        ReportService.Report report;
        String format;
        try {
            Map<String, String> q = AdminQuery.of(in);
            AdminQuery.requireKnown(q, PARAMETERS, "query parameter");
            format = fixedFormat != null ? fixedFormat : AdminQuery.blankToNull(q.get("format")) == null ? "json" : q.get("format").trim();
            if (!format.equals("json") && !format.equals("csv")) {
                throw new BadRequest("format must be json or csv; got '" + q.get("format") + "'.");
            }
            if (fixedFormat != null && q.containsKey("format") && !"csv".equals(q.get("format").trim())) {
                throw new BadRequest("/api/reports.csv answers CSV; leave format out.");
            }
            ReportService.Granularity granularity = granularity(q.get("granularity"));
            Instant now = clock.instant();
            Instant to = q.get("to") == null ? granularity.ceil(now.plusNanos(1)) : granularity.ceil(instant("to", q.get("to")));
            Instant from = q.get("from") == null
                    ? to.minus(granularity == ReportService.Granularity.HOUR ? java.time.Duration.ofHours(24)
                            : java.time.Duration.ofDays(30))
                    : granularity.floor(instant("from", q.get("from")));
            if (!from.isBefore(to)) {
                throw new BadRequest("from (" + from + ") must be before to (" + to + ").");
            }
            if (java.time.Duration.between(from, to).compareTo(granularity.maxRange) > 0) {
                throw new BadRequest("The range " + from + " - " + to + " is longer than " + granularity.maxRange.toDays()
                        + " days, the most one request of granularity " + granularity.key() + " may ask for"
                        + (granularity == ReportService.Granularity.HOUR ? "; ask for granularity=day, or a shorter range." : "."));
            }
            report = reports.report(from, to, granularity);
        } catch (BadRequest e) {
            in.setBody(json.writeValueAsString(AdminQuery.badRequest(in, e.getMessage())));
            in.setHeader(Exchange.CONTENT_TYPE, "application/json");
            return;
        }
        if (format.equals("csv")) {
            in.setHeader(Exchange.CONTENT_TYPE, "text/csv; charset=utf-8");
            in.setHeader("Content-Disposition", "attachment; filename=\"contacts-bridge-report-" + report.granularity().key()
                    + "-" + report.from().toString().replace(':', '-') + ".csv\"");
            in.setBody(csv(report));
        } else {
            in.setHeader(Exchange.CONTENT_TYPE, "application/json");
            in.setBody(json.writeValueAsString(body(report)));
        }
    }

    static String csv(ReportService.Report report) {
        StringBuilder out = new StringBuilder(CSV_HEADER).append("\r\n");
        for (ReportBucket b : report.rows()) {
            out.append(b.start()).append(',').append(report.granularity().key()).append(',').append(cell(b.scope()))
                    .append(',').append(cell(b.metric())).append(',').append(cell(b.dimension())).append(',')
                    .append(b.n()).append("\r\n");
        }
        return out.toString();
    }

    /**
     * One CSV cell (RFC 4180 quoting). A value a spreadsheet would read as a formula (an automation id or connection
     * name starting with =, +, - or @) is prefixed with an apostrophe.
     */
    static String cell(String value) {
        String v = value == null ? "" : value;
        if (!v.isEmpty() && "=+-@".indexOf(v.charAt(0)) >= 0) {
            v = "'" + v;
        }
        if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
            v = "\"" + v.replace("\"", "\"\"") + "\"";
        }
        return v;
    }

    private static Map<String, Object> body(ReportService.Report report) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("from", report.from());
        out.put("to", report.to());
        out.put("granularity", report.granularity().key());
        out.put("buckets", report.buckets());
        List<Map<String, Object>> pairs = new ArrayList<>();
        for (ReportService.PairReport p : report.pairs()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("highlevelConnection", p.highlevelConnection());
            m.put("birdsendConnection", p.birdsendConnection());
            m.put("linkedContacts", p.linkedContacts());
            m.put("series", series(p.series()));
            Map<String, Object> calls = new LinkedHashMap<>();
            p.apiCalls().forEach((budget, s) -> calls.put(budget, series(s)));
            m.put("apiCalls", calls);
            pairs.add(m);
        }
        out.put("pairs", pairs);
        Map<String, Object> other = new LinkedHashMap<>();
        report.otherBudgets().forEach((budget, s) -> other.put(budget, series(s)));
        out.put("otherApiCalls", other);
        return out;
    }

    private static List<Map<String, Object>> series(List<ReportService.Series> series) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ReportService.Series s : series) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("metric", s.metric());
            m.put("dimension", s.dimension());
            m.put("total", s.total());
            m.put("counts", s.counts());
            out.add(m);
        }
        return out;
    }

    private static ReportService.Granularity granularity(String value) {
        if (AdminQuery.blankToNull(value) == null) {
            return ReportService.Granularity.HOUR;
        }
        return switch (value.trim()) {
            case "hour" -> ReportService.Granularity.HOUR;
            case "day" -> ReportService.Granularity.DAY;
            default -> throw new BadRequest("granularity must be hour or day; got '" + value + "'.");
        };
    }

    private static Instant instant(String name, String value) {
        if (AdminQuery.blankToNull(value) == null) {
            throw new BadRequest(name + " is empty; give an ISO-8601 instant such as 2026-01-31T09:00:00Z or a date such as"
                    + " 2026-01-31, or leave it out.");
        }
        String v = value.trim();
        try {
            return v.length() == 10 ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new BadRequest(name + " must be an ISO-8601 instant such as 2026-01-31T09:00:00Z or a date such as"
                    + " 2026-01-31 (UTC); got '" + value + "'.");
        }
    }


}
