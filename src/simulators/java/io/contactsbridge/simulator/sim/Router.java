package io.contactsbridge.simulator.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Method + path-template routing.
 *
 * <p>Templates are matched segment by segment on the raw path, so an encoded slash inside an id
 * stays inside its segment; variables are decoded afterwards. A variable ({@code {contactId}})
 * matches exactly one non-empty segment, a literal matches itself, and a trailing slash is just an
 * empty last segment: {@code /contacts/} and {@code /contacts} are different paths unless both are
 * registered. Among templates that match, literals win over variables (compared left to right).
 */
final class Router {

    record Route(String method, String template, String operation, SimHandler handler, String[] segments) {
        boolean isVariable(int i) {
            return segments[i].startsWith("{") && segments[i].endsWith("}");
        }

        String variableName(int i) {
            return segments[i].substring(1, segments[i].length() - 1);
        }

        /** Template shape with variable names erased, to detect ambiguous registrations. */
        String shape() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < segments.length; i++) {
                sb.append('/').append(isVariable(i) ? "{}" : segments[i]);
            }
            return sb.toString();
        }
    }

    sealed interface Resolution permits Found, MethodNotAllowed, NotFound {
    }

    record Found(Route route, Map<String, String> pathVars) implements Resolution {
    }

    record MethodNotAllowed(Set<String> allowed) implements Resolution {
    }

    record NotFound() implements Resolution {
    }

    private final List<Route> routes = new CopyOnWriteArrayList<>();

    synchronized Route add(String method, String template, String operation, SimHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (operation == null || operation.isBlank()) {
            throw new IllegalArgumentException("operation name required");
        }
        if (template == null || !template.startsWith("/") || template.contains("?")) {
            throw new IllegalArgumentException("path template must start with '/' and have no query: " + template);
        }
        String[] segments = template.substring(1).split("/", -1);
        for (String segment : segments) {
            boolean open = segment.contains("{");
            boolean close = segment.contains("}");
            if ((open || close) && !(segment.startsWith("{") && segment.endsWith("}") && segment.length() > 2
                    && segment.indexOf('{', 1) < 0 && segment.indexOf('}') == segment.length() - 1)) {
                throw new IllegalArgumentException("a variable must be a whole segment like {id}: " + template);
            }
        }
        Route route = new Route(method.toUpperCase(Locale.ROOT), template, operation, handler, segments);
        for (Route existing : routes) {
            if (existing.method().equals(route.method()) && existing.shape().equals(route.shape())) {
                throw new IllegalStateException("Route " + route.method() + " " + template
                        + " clashes with " + existing.method() + " " + existing.template());
            }
        }
        routes.add(route);
        return route;
    }

    List<Route> routes() {
        return List.copyOf(routes);
    }

    Resolution resolve(String method, String rawPath) {
        if (rawPath == null || !rawPath.startsWith("/")) {
            return new NotFound();
        }
        String[] segments = rawPath.substring(1).split("/", -1);
        List<Route> pathMatches = new ArrayList<>();
        for (Route route : routes) {
            if (matches(route, segments)) {
                pathMatches.add(route);
            }
        }
        if (pathMatches.isEmpty()) {
            return new NotFound();
        }
        String upper = method.toUpperCase(Locale.ROOT);
        Route best = pathMatches.stream()
                .filter(r -> r.method().equals(upper))
                .min(SPECIFICITY)
                .orElse(null);
        if (best == null) {
            Set<String> allowed = new TreeSet<>();
            pathMatches.forEach(r -> allowed.add(r.method()));
            return new MethodNotAllowed(allowed);
        }
        Map<String, String> vars = new LinkedHashMap<>();
        for (int i = 0; i < segments.length; i++) {
            if (best.isVariable(i)) {
                vars.put(best.variableName(i), SimRequest.percentDecode(segments[i], false));
            }
        }
        return new Found(best, vars);
    }

    private static boolean matches(Route route, String[] segments) {
        if (route.segments().length != segments.length) {
            return false;
        }
        for (int i = 0; i < segments.length; i++) {
            if (route.isVariable(i) ? segments[i].isEmpty() : !route.segments()[i].equals(segments[i])) {
                return false;
            }
        }
        return true;
    }

    /** Orders routes of equal length so that, at the first differing position, a literal comes first. */
    private static final Comparator<Route> SPECIFICITY = (a, b) -> {
        for (int i = 0; i < a.segments().length; i++) {
            int diff = Boolean.compare(a.isVariable(i), b.isVariable(i));
            if (diff != 0) {
                return diff;
            }
        }
        return 0;
    };

    @Override
    public String toString() {
        return "Router" + Arrays.toString(routes.stream().map(r -> r.method() + " " + r.template()).toArray());
    }
}
