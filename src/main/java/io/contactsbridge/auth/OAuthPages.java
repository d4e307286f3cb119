package io.contactsbridge.auth;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.web.util.HtmlUtils;

/** The small pages a person sees at the end of a connect. Every value is HTML-escaped. */
final class OAuthPages {

    private OAuthPages() {
    }

    static String connectedHtml(OAuthFlow.Connected c) {
        StringBuilder facts = new StringBuilder();
        row(facts, "Connection", c.connectionId());
        row(facts, "Service", c.service().displayName());
        row(facts, "Location", c.locationId());
        row(facts, "Company", c.companyId());
        row(facts, "Account", c.accountId());
        row(facts, "Scopes", c.scopes());
        row(facts, "Access token valid until", c.accessTokenExpiresAt() == null ? null : c.accessTokenExpiresAt().toString());
        return page("Connected", "<p>" + esc(c.service().displayName()) + " is connected. You can close this window.</p>"
                + "<table>" + facts + "</table>");
    }

    static Map<String, Object> connectedJson(OAuthFlow.Connected c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "CONNECTED");
        m.put("connection", c.connectionId());
        m.put("service", c.service().name().toLowerCase(java.util.Locale.ROOT));
        m.put("kind", c.kind().propertyValue());
        m.put("locationId", c.locationId());
        m.put("companyId", c.companyId());
        m.put("accountId", c.accountId());
        m.put("scopes", c.scopes());
        m.put("accessTokenExpiresAt", c.accessTokenExpiresAt() == null ? null : c.accessTokenExpiresAt().toString());
        return m;
    }

    static String errorHtml(int status, String message) {
        return page("Connection failed", "<p>" + esc(message) + "</p><p class=\"code\">HTTP " + status + "</p>");
    }

    static Map<String, Object> errorJson(int status, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        m.put("error", message);
        return m;
    }

    private static void row(StringBuilder sb, String label, String value) {
        if (value != null) {
            sb.append("<tr><th>").append(esc(label)).append("</th><td>").append(esc(value)).append("</td></tr>");
        }
    }

    private static String page(String title, String body) {
        return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>contacts-bridge: " + esc(title)
                + "</title><style>body{font-family:sans-serif;margin:3em}th{text-align:left;padding-right:1em}"
                + ".code{color:#777}</style></head><body><h1>" + esc(title) + "</h1>" + body + "</body></html>";
    }

    private static String esc(String s) {
        return HtmlUtils.htmlEscape(s);
    }
}
