package io.contactsbridge.outbound;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.contactsbridge.auth.ServiceType;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ServiceStatus;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.component.resilience4j.ResilienceProcessor;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.springframework.stereotype.Component;

/**
 * The send route of each connection, with its own circuit breaker, made from its service's route template
 * ({@link OutboundRoutes}) on the connection's first call. A breaker per connection, not per service: one account
 * that fails opens its own circuit and leaves the other pairs' calls alone. Made lazily because not every connection
 * is known at start-up (pairs and connections are added at run time).
 *
 * <p>The connection id goes into route, endpoint and breaker ids as its {@link #key}: unchanged when it is letters,
 * digits and dashes (all the registry's ids are), escaped otherwise.
 */
@Component("connectionSendRoutes")
public class ConnectionSendRoutes {

    /** The route templates' parameter: the connection's {@link #key}. */
    static final String CONNECTION = "connection";

    private final CamelContext camel;
    /** The routes made, by route id; written under the lock, read without it. */
    private final Map<String, ConnectionBreaker> made = new ConcurrentHashMap<>();

    public ConnectionSendRoutes(CamelContext camel) {
        this.camel = camel;
    }

    /** A connection's circuit breaker: the processor {@code breakerId} of its send route. */
    public record ConnectionBreaker(ServiceType service, String connectionId, String breakerId) {

        /** The breaker itself; null if its route was removed meanwhile. */
        public ResilienceProcessor processor(CamelContext camel) {
            return camel.getProcessor(breakerId, ResilienceProcessor.class);
        }
    }

    /** Step of the retry route: makes sure the call's connection has its send route and points the call at it. */
    public void ensureRoute(Exchange exchange) throws Exception {
        UpstreamCall call = OutboundCallSteps.request(exchange).call();
        exchange.setProperty(OutboundExchange.SEND_ENDPOINT, "direct:" + ensure(call.service(), call.connectionId()));
    }

    /** Makes the connection's send route unless it exists; answers its route id. */
    public String ensure(ServiceType service, String connectionId) throws Exception {
        String routeId = routeId(service, connectionId);
        if (!made.containsKey(routeId)) {
            make(service, connectionId, routeId);
        }
        return routeId;
    }

    private synchronized void make(ServiceType service, String connectionId, String routeId) throws Exception {
        if (made.containsKey(routeId)) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        // A route added while Camel is still starting is kept as a definition only, and never started if the
        // context already started its definitions: the route would not exist, and adding it again would clash.
        awaitCamelStarted(routeId, deadline);
        if (camel.getRoute(routeId) == null) {
            RouteDefinition left = model().getRouteDefinition(routeId);
            if (left != null) {
                model().startRouteDefinitions(List.of(left));
            } else {
                TemplatedRouteBuilder.builder(camel, OutboundRoutes.sendTemplate(service))
                        .routeId(routeId)
                        // No prefix on the node ids (Camel's default for templated routes is route<n>): the breaker
                        // keeps the id it is looked up by, unique already.
                        .prefixId("")
                        .parameter(CONNECTION, key(connectionId))
                        .add();
            }
        }
        awaitRouteStarted(routeId, deadline);
        // Listed once started, so whoever reads the breakers finds it.
        made.put(routeId, new ConnectionBreaker(service, connectionId, breakerId(service, connectionId)));
    }

    private ModelCamelContext model() {
        return (ModelCamelContext) camel;
    }

    /** Until Camel has started: a backfill resumed at start-up calls while the context still starts. */
    private void awaitCamelStarted(String routeId, long deadline) throws InterruptedException {
        while (!camel.getStatus().isStarted()) {
            if (camel.getStatus().isStopping()) {
                throw new IllegalStateException("Camel is " + camel.getStatus() + ": cannot make the send route " + routeId);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Camel did not start within 60 s: cannot make the send route " + routeId);
            }
            Thread.sleep(20);
        }
    }

    /** Until the route's consumer runs, starting the route if it was added stopped. */
    private void awaitRouteStarted(String routeId, long deadline) throws Exception {
        while (true) {
            ServiceStatus status = camel.getRouteController().getRouteStatus(routeId);
            if (status != null && status.isStarted()) {
                return;
            }
            if (status != null && status.isStartable()) {
                camel.getRouteController().startRoute(routeId);
                continue;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the send route " + routeId + " did not start within 60 s (" + status + ")");
            }
            Thread.sleep(20);
        }
    }

    /** The breakers of the send routes made so far. */
    public List<ConnectionBreaker> breakers() {
        return List.copyOf(made.values());
    }

    /** {@code <service>-send-<key>}: the route id, and the direct endpoint's name. */
    public static String routeId(ServiceType service, String connectionId) {
        return UpstreamCall.id(service) + "-send-" + key(connectionId);
    }

    /** {@code <service>-breaker-<key>}: the circuit breaker's id, also its resilience4j name (and metrics tag). */
    public static String breakerId(ServiceType service, String connectionId) {
        return UpstreamCall.id(service) + "-breaker-" + key(connectionId);
    }

    /**
     * The connection id as it goes into ids and endpoint URIs: letters, digits and dashes as they are, every other
     * byte (UTF-8) as {@code _} and two hex digits, {@code _} itself included, so two ids never share a key.
     */
    public static String key(String connectionId) {
        StringBuilder out = new StringBuilder(connectionId.length());
        for (byte b : connectionId.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') {
                out.append(c);
            } else {
                out.append('_').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** The connection id a {@link #key} was made from; empty when {@code key} is not one. */
    static Optional<String> connectionOf(String key) {
        byte[] bytes = new byte[key.length()];
        int n = 0;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '_') {
                int hi = i + 2 < key.length() ? Character.digit(key.charAt(i + 1), 16) : -1;
                int lo = hi < 0 ? -1 : Character.digit(key.charAt(i + 2), 16);
                if (lo < 0) {
                    return Optional.empty();
                }
                bytes[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if (c < 0x80) {
                bytes[n++] = (byte) c;
            } else {
                return Optional.empty();
            }
        }
        return Optional.of(new String(bytes, 0, n, StandardCharsets.UTF_8));
    }

    /** The service and connection of a breaker named by {@link #breakerId}; empty for any other name. */
    static Optional<ConnectionBreaker> breakerNamed(String name) {
        for (ServiceType service : ServiceType.values()) {
            String prefix = UpstreamCall.id(service) + "-breaker-";
            if (name != null && name.startsWith(prefix) && name.length() > prefix.length()) {
                return connectionOf(name.substring(prefix.length()))
                        .map(connection -> new ConnectionBreaker(service, connection, name));
            }
        }
        return Optional.empty();
    }
}
