package io.contactsbridge.dashboard;

import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.util.HtmlUtils;

/**
 * The dashboard's HTML: the frame of every section with its heading and links, filled and refreshed by
 * {@code /dashboard/dashboard.js}. Every value is HTML-escaped; the script's settings travel as a JSON data block
 * (not executed) with {@code <} escaped, so no value can end it.
 */
final class DashboardPage {

    /** The uPlot WebJar (MIT), served by Spring from the jar; the version is the pom's {@code uplot.version}. */
    static final String UPLOT = "/webjars/uplot/1.6.30/dist/";

    private DashboardPage() {
    }

    record Model(String version, String mode, String instance, String contextPath, String hawtioPath, CsrfToken csrf,
                 String configJson) {
    }

    static String html(Model m) {
        String ctx = m.contextPath() == null ? "" : m.contextPath();
        StringBuilder out = new StringBuilder(8_192);
        out.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>contacts-bridge dashboard</title>")
                .append("<link rel=\"stylesheet\" href=\"").append(esc(ctx + UPLOT + "uPlot.min.css")).append("\">")
                .append("<link rel=\"stylesheet\" href=\"").append(esc(ctx + "/dashboard/dashboard.css")).append("\">")
                .append("</head><body>");
        out.append("<header><h1>contacts-bridge</h1><p class=\"facts\">")
                .append("<span>version ").append(esc(m.version())).append("</span>")
                .append("<span class=\"mode mode-").append(esc(m.mode())).append("\">").append(esc(m.mode())).append(" mode</span>")
                .append("<span>instance ").append(esc(m.instance())).append("</span>")
                .append("<span id=\"updated\">loading...</span></p>")
                .append("<nav>")
                .append(link(ctx + m.hawtioPath(), "Hawtio console"))
                .append(link(ctx + "/api/status", "Status JSON"))
                .append(link(ctx + "/api/reports", "Reports JSON"))
                .append(link(ctx + "/api/reports.csv", "Reports CSV"))
                .append(link(ctx + "/api/dead-letters", "Dead letters JSON"))
                .append(link(ctx + "/actuator/health", "Health"));
        if (m.csrf() != null) {
            // Spring Security's logout is a POST with the session's token.
            out.append("<form method=\"post\" action=\"").append(esc(ctx + "/logout")).append("\">")
                    .append("<input type=\"hidden\" name=\"").append(esc(m.csrf().getParameterName()))
                    .append("\" value=\"").append(esc(m.csrf().getToken())).append("\">")
                    .append("<button type=\"submit\" class=\"link\">Log out</button></form>");
        }
        out.append("</nav></header>");
        out.append("<noscript><p class=\"problem\">The charts and tables need JavaScript; the same figures are in the "
                + "Status and Reports JSON linked above.</p></noscript>");
        out.append("<p id=\"problem\" class=\"problem\" hidden></p>");
        out.append("<main>");
        out.append("<section id=\"sync\" class=\"wide\"><h2>Sync activity</h2>")
                .append("<div class=\"controls\" role=\"group\" aria-label=\"range\">")
                .append("<button type=\"button\" data-range=\"hour\" aria-pressed=\"true\">24 hours</button>")
                .append("<button type=\"button\" data-range=\"day\" aria-pressed=\"false\">30 days</button></div>")
                .append("<p class=\"note\">Contacts written per hour (per UTC day for 30 days), by direction, with "
                        + "failed writes and automation firings.</p>")
                .append("<div id=\"sync-chart\" class=\"chart\"></div>")
                .append("<dl id=\"sync-facts\" class=\"facts-list\"></dl></section>");
        out.append("<section id=\"budgets\" class=\"wide\"><h2>API budget use</h2>")
                .append("<p class=\"note\">Requests sent against each connection's rate budget, as a share of what the "
                        + "budget allows in that hour (or day): the strictest configured window, averaged.</p>")
                .append("<div id=\"budget-chart\" class=\"chart\"></div>")
                .append("<div class=\"table-wrap\"><table id=\"budget-table\"><thead><tr><th>Budget</th>"
                        + "<th>Limits</th><th>Requests</th><th>Use</th><th>429s</th></tr></thead><tbody></tbody>"
                        + "</table></div></section>");
        out.append("<section id=\"backfill\"><h2>Backfill</h2>")
                .append("<div class=\"progress\"><div id=\"backfill-bar\" class=\"bar\" role=\"progressbar\" "
                        + "aria-valuemin=\"0\" aria-valuemax=\"100\"></div></div>")
                .append("<dl id=\"backfill-facts\" class=\"facts-list\"></dl></section>");
        out.append("<section id=\"automations\"><h2>Automations</h2>")
                .append("<div class=\"table-wrap\"><table id=\"automation-table\"><thead><tr><th>Automation</th>"
                        + "<th>Running</th><th>Last fired</th><th>24 h</th><th>30 days</th></tr></thead><tbody>"
                        + "</tbody></table></div>")
                .append("<p class=\"note\">Firings are counted per hour; \"last fired\" names the hour (UTC) of the "
                        + "latest one.</p></section>");
        out.append("<section id=\"dead-letters\" class=\"wide\"><h2>Dead letters <span id=\"dead-letter-count\">"
                        + "</span></h2>")
                .append("<div class=\"table-wrap\"><table id=\"dead-letter-table\"><thead><tr><th>Id</th><th>Last "
                        + "failed</th><th>Route</th><th>Operation</th><th>Error</th><th>Replay</th></tr></thead>"
                        + "<tbody></tbody></table></div>")
                .append("<p class=\"note\">Open letters, newest first. A replay of a contact hands it to the live sync "
                        + "(queued); see README \"Dead letters\".</p></section>");
        out.append("<section id=\"pairs\" class=\"wide\"><h2>Connection pairs</h2><div class=\"table-wrap\">")
                .append("<table id=\"pair-table\"><thead><tr><th>Pair</th><th>HighLevel</th><th>BirdSend</th>"
                        + "<th>Mapping</th><th>State</th><th>Links</th><th>Parked events</th><th>Actions</th></tr></thead><tbody>"
                        + "</tbody></table></div>")
                .append("<p class=\"note\">Paused: nothing of the pair is polled, synced, backfilled or automated; the "
                        + "resume hands the changes made meanwhile to the sync. Parked: events of a pair whose service "
                        + "failed or was slow, retried in order while the other pairs go on. Removed: synced no more, "
                        + "its links and cursors kept. See README \"Several connection pairs\".</p>")
                .append(pairForm())
                .append("</section>");
        out.append("<section id=\"connections\"><h2>Connections</h2><div class=\"table-wrap\">")
                .append("<table id=\"connection-table\"><thead><tr><th>Connection</th><th>Service</th><th>Status</th>"
                        + "</tr></thead><tbody></tbody></table></div></section>");
        out.append("</main>");
        out.append("<script type=\"application/json\" id=\"dashboard-config\">")
                .append(m.configJson().replace("<", "\\u003c")).append("</script>");
        out.append("<script src=\"").append(esc(ctx + UPLOT + "uPlot.iife.min.js")).append("\"></script>");
        out.append("<script src=\"").append(esc(ctx + "/dashboard/dashboard.js")).append("\"></script>");
        out.append("</body></html>");
        return out.toString();
    }

    /**
     * The "Add a pair" form: the script fills the connection choices from {@code GET /api/connections} and sends it as
     * {@code POST /api/pairs}, whose checks are the ones that count (hence no HTML constraints that could disagree).
     */
    private static String pairForm() {
        return "<form id=\"pair-add\" class=\"pair-add\"><h3>Add a pair</h3><div class=\"fields\">"
                + "<label>Pair id<input id=\"pair-add-id\" name=\"id\" autocomplete=\"off\" spellcheck=\"false\" "
                + "placeholder=\"acme\"></label>"
                + "<label>HighLevel connection<select id=\"pair-add-highlevel\" name=\"highlevelConnection\"></select></label>"
                + "<label>BirdSend connection<select id=\"pair-add-birdsend\" name=\"birdsendConnection\"></select></label>"
                + "<label>Mapping (optional)<input id=\"pair-add-mapping\" name=\"mapping\" autocomplete=\"off\" "
                + "spellcheck=\"false\" placeholder=\"file:/config/acme.yaml\"></label>"
                + "<button type=\"submit\">Add pair</button></div>"
                + "<p id=\"pair-add-result\" role=\"status\" hidden></p>"
                + "<p class=\"note\">A connection belongs to one pair: the lists name the pair a connection has, and the "
                + "bridge refuses it for another. New connections are added with POST /api/connections. A new pair is "
                + "polled from the next round; for its backfill see README \"Several connection pairs\". Without a mapping "
                + "the pair syncs by the bridge's; a pair's own is a file: or classpath: YAML every replica can read.</p></form>";
    }

    private static String link(String href, String text) {
        return "<a href=\"" + esc(href) + "\">" + esc(text) + "</a>";
    }

    private static String esc(String s) {
        return s == null ? "" : HtmlUtils.htmlEscape(s);
    }
}
