package io.contactsbridge.security;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Cross-site request forgery defence that does not depend on how the caller logged in: a request that changes
 * something (any method but GET, HEAD, OPTIONS and TRACE), and any Jolokia request, is refused with 403 when the
 * browser says it comes from another site ({@code Origin} of another scheme, host or port, {@code Origin: null},
 * or {@code Sec-Fetch-Site: cross-site}). Browsers always send these on such requests; scripts and API clients
 * normally send neither and are not affected. This also covers credentials a browser remembers by itself (a Basic
 * login), which a CSRF token alone would not. Origins listed in {@code bridge.admin.trusted-origins} (for a
 * reverse proxy that rewrites the host) are accepted as well.
 *
 * <p>Jolokia executes operations on GET too ({@code /exec/...}); those are refused with 405 so that a link or an
 * image tag can never run one: Hawtio uses POST.
 */
public class SameOriginFilter extends OncePerRequestFilter {

    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS", "TRACE");
    static final String JOLOKIA = "/actuator/jolokia";

    private final List<String> trustedOrigins;
    private final List<String> exempt;

    /** @param exempt path prefixes that outside services call (webhooks, OAuth callbacks) and that carry no session */
    public SameOriginFilter(List<String> trustedOrigins, List<String> exempt) {
        this.trustedOrigins = trustedOrigins.stream().map(SameOriginFilter::normalise).toList();
        this.exempt = exempt;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = path(request);
        return exempt.stream().anyMatch(path::startsWith);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = path(request);
        boolean jolokia = path.equals(JOLOKIA) || path.startsWith(JOLOKIA + "/");
        if (jolokia && "GET".equals(request.getMethod()) && changesSomething(jolokiaRequestPath(request, path))) {
            refuse(response, 405, "jolokia_get_refused",
                    "Jolokia exec and write requests must be sent as POST.");
            response.setHeader("Allow", "POST");
            return;
        }
        if ((jolokia || !SAFE.contains(request.getMethod())) && crossSite(request)) {
            refuse(response, 403, "cross_origin_refused",
                    "This request came from another site and was refused (cross-site request forgery protection).");
            return;
        }
        chain.doFilter(request, response);
    }

    private boolean crossSite(HttpServletRequest request) {
        String origin = request.getHeader("Origin");
        if (origin != null) {
            String o = normalise(origin);
            return !o.equals(ownOrigin(request)) && !trustedOrigins.contains(o);
        }
        return "cross-site".equalsIgnoreCase(request.getHeader("Sec-Fetch-Site"));
    }

    /** The Jolokia request path: after the endpoint's path, or in the {@code p} parameter Jolokia also reads. */
    private static String jolokiaRequestPath(HttpServletRequest request, String path) {
        String rest = path.substring(JOLOKIA.length());
        String p = request.getParameter("p");
        return (rest.isEmpty() || rest.equals("/")) && p != null ? p : rest;
    }

    private static boolean changesSomething(String jolokiaPath) {
        String p = jolokiaPath.startsWith("/") ? jolokiaPath.substring(1) : jolokiaPath;
        String type = p.contains("/") ? p.substring(0, p.indexOf('/')) : p;
        type = type.toLowerCase(Locale.ROOT);
        return !(type.isEmpty() || type.equals("read") || type.equals("list") || type.equals("search")
                || type.equals("version"));
    }

    private static String ownOrigin(HttpServletRequest request) {
        String host = request.getHeader("Host");
        if (host == null) {
            host = request.getServerName() + ":" + request.getServerPort();
        }
        return normalise(request.getScheme() + "://" + host);
    }

    /** scheme://host[:port] in lower case, without the scheme's default port; "null" and junk stay unequal to any. */
    static String normalise(String origin) {
        try {
            URI uri = URI.create(origin.trim());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
            int port = uri.getPort();
            if (host.isEmpty()) {
                return "invalid:" + origin;
            }
            boolean defaultPort = port == -1 || ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
            return scheme + "://" + host + (defaultPort ? "" : ":" + port);
        } catch (IllegalArgumentException e) {
            return "invalid:" + origin;
        }
    }

    private static String path(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        return context != null && !context.isEmpty() && uri.startsWith(context) ? uri.substring(context.length()) : uri;
    }

    private static void refuse(HttpServletResponse response, int status, String error, String message) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        response.getWriter().write("{\"error\":\"" + error + "\",\"message\":\"" + message + "\"}");
    }
}
