package io.contactsbridge.reports;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The CSV export's shape: a header, a row per bucket, cells quoted as RFC 4180 says and never read as formulas. */
class ReportCsvTest {

    @Test
    void rowsFollowTheHeaderAndOddCellsAreQuoted() {
        Instant ten = Instant.parse("2026-03-01T10:00:00Z");
        ReportService.Report report = new ReportService.Report(ten, ten.plusSeconds(3600), ReportService.Granularity.HOUR,
                List.of(ten), List.of(), Map.of(), List.of(
                        new ReportBucket("pair:highlevel|birdsend", ten, "sync.created", "highlevel-to-birdsend", 3),
                        new ReportBucket("pair:highlevel|birdsend", ten, "automation.fired", "=HYPERLINK(\"x\")", 1),
                        new ReportBucket("budget:birdsend:main, eu", ten, "api.calls", "429", 2)));

        assertThat(ReportRoutes.csv(report).split("\r\n", -1)).containsExactly(
                "bucket_start,granularity,scope,metric,dimension,count",
                "2026-03-01T10:00:00Z,hour,pair:highlevel|birdsend,sync.created,highlevel-to-birdsend,3",
                "2026-03-01T10:00:00Z,hour,pair:highlevel|birdsend,automation.fired,\"'=HYPERLINK(\"\"x\"\")\",1",
                "2026-03-01T10:00:00Z,hour,\"budget:birdsend:main, eu\",api.calls,429,2",
                "");
        assertThat(ReportRoutes.cell("")).isEmpty();
        assertThat(ReportRoutes.cell("-1")).isEqualTo("'-1");
        assertThat(ReportRoutes.cell("two\nlines")).isEqualTo("\"two\nlines\"");
    }

    @Test
    void bucketsRoundToWholeHoursAndDays() {
        Instant t = Instant.parse("2026-03-01T10:20:00Z");
        assertThat(ReportService.Granularity.HOUR.floor(t)).isEqualTo(Instant.parse("2026-03-01T10:00:00Z"));
        assertThat(ReportService.Granularity.HOUR.ceil(t)).isEqualTo(Instant.parse("2026-03-01T11:00:00Z"));
        assertThat(ReportService.Granularity.DAY.ceil(t)).isEqualTo(Instant.parse("2026-03-02T00:00:00Z"));
        assertThat(ReportService.Granularity.DAY.ceil(Instant.parse("2026-03-02T00:00:00Z")))
                .isEqualTo(Instant.parse("2026-03-02T00:00:00Z"));
        assertThat(ReportService.pairOf("pair:hl-a|bs-b")).isEqualTo(new io.contactsbridge.sync.SyncPair("hl-a", "bs-b"));
        assertThat(ReportService.pairOf("budget:highlevel:hl-a")).isNull();
    }
}
