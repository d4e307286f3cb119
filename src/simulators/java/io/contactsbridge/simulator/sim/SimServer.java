package io.contactsbridge.simulator.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process HTTP server for one simulated API, on the JDK's {@link HttpServer}.
 *
 * <h2>Request pipeline</h2>
 * <ol>
 *   <li>The body is read in full, whatever the method (so DELETE and GET bodies work).</li>
 *   <li>Paths under {@code /__admin/} go to the admin routes: no filters, no faults, not
 *       counted.</li>
 *   <li>Other paths are routed (see {@link #route}). No match: the {@link UnmatchedHandler} answers
 *       404, or 405 with an {@code Allow} header; only filters registered with {@link #filterAll}
 *       run around it (e.g. a rate limiter whose headers must be on every answer), never
 *       faults.</li>
 *   <li>A match runs the {@linkplain #filter filters} in registration order, then the fault stage
 *       ({@link #faultFilter()}, innermost unless registered explicitly elsewhere in the chain), then
 *       the handler. Exceptions from the handler or a filter become responses at that level (see
 *       {@link ExceptionMapper}), so outer filters still see and decorate them.</li>
 *   <li>The call is {@linkplain #calls() recorded} with its final status, then the response is
 *       written (or the connection dropped, or the body slow-dripped).</li>
 * </ol>
 *
 * <h2>Core admin endpoints</h2>
 * <ul>
 *   <li>{@code GET /__admin/health}: {@code {"status":"UP","name":...}}</li>
 *   <li>{@code GET /__admin/routes}: the registered API and admin routes</li>
 *   <li>{@code GET /__admin/calls}: {@code {"total":5,"counts":{"get-contact":3,...},
 *       "statuses":{"get-contact":{"200":2,"404":1},...}}} (status 0 = connection aborted)</li>
 *   <li>{@code DELETE /__admin/calls}: reset counts and kept requests</li>
 *   <li>{@code GET /__admin/requests[?operation=..][&limit=..]}: kept requests, oldest first</li>
 *   <li>{@code GET|PUT|DELETE /__admin/faults}: read, replace, clear the {@link FaultConfig}
 *       (JSON shape in {@link FaultInjector})</li>
 *   <li>{@code GET|PUT /__admin/clock}: {@code {"now":"...","timeScale":1.0}}; PUT sets
 *       {@code timeScale}</li>
 * </ul>
 * Simulators add their own with {@link #adminRoute}.
 */
public final class SimServer implements AutoCloseable {

    public static final String ADMIN_PREFIX = "/__admin/";

    private static final System.Logger LOG = System.getLogger(SimServer.class.getName());

    static {
        // The JDK server leaves Nagle's algorithm on, and its separate header and body writes then
        // stall on the client's delayed ACK: ~40 ms per request. The flag is read once, when the
        // JDK server first loads, so it only helps if no HttpServer ran earlier in this JVM; an
        // explicit -Dsun.net.httpserver.nodelay=false still wins.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** Answers a request that matched no route; {@code status} is 404 or 405. */
    @FunctionalInterface
    public interface UnmatchedHandler {
        SimResponse handle(SimRequest request, int status, Set<String> allowedMethods);
    }

    /** Builds the body of an injected error (the core adds Retry-After where due). */
    @FunctionalInterface
    public interface FaultResponder {
        SimResponse respond(SimRequest request, FaultInjector.Decision fault);
    }

    /**
     * Turns an exception from a handler or filter into a response; return {@code null} to fall back
     * to the default: {@link SimResponseException} gives its response, {@link MalformedBodyException}
     * a 400, anything else a logged 500.
     */
    @FunctionalInterface
    public interface ExceptionMapper {
        SimResponse map(SimRequest request, Exception error);
    }

    private final String name;
    private final SimClock clock;
    private final FaultInjector faults;
    private final CallRecorder calls = new CallRecorder();
    private final Router apiRoutes = new Router();
    private final Router adminRoutes = new Router();
    private final List<FilterEntry> filters = new CopyOnWriteArrayList<>();
    private final SimFilter faultFilter = this::applyFaults;
    private volatile UnmatchedHandler unmatchedHandler = SimServer::defaultUnmatched;
    private volatile FaultResponder faultResponder = SimServer::defaultFaultResponse;
    private volatile ExceptionMapper exceptionMapper = (request, error) -> null;
    private volatile int threads = 16;

    private HttpServer server;
    private ExecutorService executor;
    private InetSocketAddress boundAddress;

    public SimServer(String name) {
        this(name, SimClock.system());
    }

    public SimServer(String name, SimClock clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.faults = new FaultInjector(clock);
        CoreAdminRoutes.install(this);
    }

    public String name() {
        return name;
    }

    public SimClock clock() {
        return clock;
    }

    public FaultInjector faults() {
        return faults;
    }

    public CallRecorder calls() {
        return calls;
    }

    // --- configuration ---------------------------------------------------------------------------

    /**
     * Registers an API operation. Template variables are whole segments ({@code /contacts/{id}/tags});
     * a trailing slash is significant. Registering the same method and template shape twice fails.
     */
    public SimServer route(String method, String pathTemplate, String operation, SimHandler handler) {
        if (pathTemplate.startsWith(ADMIN_PREFIX) || pathTemplate.equals("/__admin")) {
            throw new IllegalArgumentException("use adminRoute for " + pathTemplate);
        }
        apiRoutes.add(method, pathTemplate, operation, handler);
        return this;
    }

    /** Registers an admin endpoint: the path must start with {@code /__admin/}. */
    public SimServer adminRoute(String method, String pathTemplate, String name, SimHandler handler) {
        if (!pathTemplate.startsWith(ADMIN_PREFIX)) {
            throw new IllegalArgumentException("admin paths start with " + ADMIN_PREFIX + ": " + pathTemplate);
        }
        adminRoutes.add(method, pathTemplate, name, handler);
        return this;
    }

    List<Router.Route> apiRoutes() {
        return apiRoutes.routes();
    }

    List<Router.Route> adminRoutesList() {
        return adminRoutes.routes();
    }

    /**
     * Appends a filter around routed API calls; the first registered is the outermost. Typical
     * order: rate limiting, then auth, then header checks.
     */
    public SimServer filter(SimFilter filter) {
        filters.add(new FilterEntry(Objects.requireNonNull(filter, "filter"), false));
        return this;
    }

    /**
     * Appends a filter that also runs around unmatched (404/405) requests, where
     * {@link SimRequest#operation()} is {@code null}. Same ordering as {@link #filter}.
     */
    public SimServer filterAll(SimFilter filter) {
        filters.add(new FilterEntry(Objects.requireNonNull(filter, "filter"), true));
        return this;
    }

    private record FilterEntry(SimFilter filter, boolean unmatchedToo) {
    }

    /**
     * The fault stage as a filter. It runs innermost (just before the handler) unless registered
     * with {@link #filter} at another position, e.g. first, so faults are decided before auth and
     * rate limiting and their answers carry no rate-limit headers.
     */
    public SimFilter faultFilter() {
        return faultFilter;
    }

    /** Overrides the body of 404/405 answers (the core adds {@code Allow} to a 405 if missing). */
    public SimServer unmatchedHandler(UnmatchedHandler handler) {
        this.unmatchedHandler = Objects.requireNonNull(handler, "handler");
        return this;
    }

    /** Overrides the body of injected errors, e.g. to use the simulated API's error shape. */
    public SimServer faultResponder(FaultResponder responder) {
        this.faultResponder = Objects.requireNonNull(responder, "responder");
        return this;
    }

    public SimServer exceptionMapper(ExceptionMapper mapper) {
        this.exceptionMapper = Objects.requireNonNull(mapper, "mapper");
        return this;
    }

    /** Worker threads (default 16); slow drips and latency hold one each. Takes effect on start. */
    public SimServer threads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1");
        }
        this.threads = threads;
        return this;
    }

    // --- lifecycle -------------------------------------------------------------------------------

    /** Starts on 127.0.0.1; port 0 picks a free ephemeral port. */
    public SimServer start(int port) {
        return start(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    /** Starts on any address, e.g. {@code 0.0.0.0} when run standalone in a container. */
    public synchronized SimServer start(InetSocketAddress address) {
        if (server != null) {
            throw new IllegalStateException(name + " simulator already started on " + baseUrl());
        }
        HttpServer created;
        try {
            created = HttpServer.create(address, 64);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot bind " + name + " simulator to " + address, e);
        }
        executor = Executors.newFixedThreadPool(threads, threadFactory());
        created.setExecutor(executor);
        created.createContext("/", this::handle);
        created.start();
        server = created;
        boundAddress = created.getAddress();
        LOG.log(System.Logger.Level.INFO, "{0} simulator listening on {1}", name, baseUrl());
        return this;
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    public synchronized int port() {
        requireStarted();
        return boundAddress.getPort();
    }

    /** {@code http://127.0.0.1:<port>} (or the bound host if not loopback/wildcard). */
    public synchronized String baseUrl() {
        requireStarted();
        InetAddress address = boundAddress.getAddress();
        String host = address.isAnyLocalAddress() || address.isLoopbackAddress()
                ? "127.0.0.1" : address.getHostAddress();
        return "http://" + host + ":" + boundAddress.getPort();
    }

    /** {@code baseUrl() + path}. */
    public URI uri(String path) {
        return URI.create(baseUrl() + path);
    }

    /** Stops at once, dropping exchanges in flight (slow drips included). Idempotent. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.log(System.Logger.Level.INFO, "{0} simulator on port {1} stopped",
                name, String.valueOf(boundAddress.getPort()));
        server = null;
        executor = null;
    }

    @Override
    public void close() {
        stop();
    }

    // --- request handling ------------------------------------------------------------------------

    private void handle(HttpExchange exchange) {
        try {
            byte[] body = exchange.getRequestBody().readAllBytes();
            URI uri = exchange.getRequestURI();
            String rawPath = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            String method = exchange.getRequestMethod();
            boolean admin = rawPath.startsWith(ADMIN_PREFIX) || rawPath.equals("/__admin");
            SimRequest.Builder builder = SimRequest.builder(method, SimRequest.percentDecode(rawPath, false))
                    .rawQuery(uri.getRawQuery())
                    .headers(exchange.getRequestHeaders())
                    .body(body)
                    .receivedAt(clock.now());

            Router.Resolution resolution = (admin ? adminRoutes : apiRoutes).resolve(method, rawPath);
            SimRequest request;
            SimResponse response;
            if (resolution instanceof Router.Found found) {
                request = builder.operation(found.route().operation()).pathVars(found.pathVars()).build();
                response = admin
                        ? invoke(request, found.route().handler(), CoreAdminRoutes::mapAdminException)
                        : proceed(request, pipeline(true), 0, found.route().handler());
            } else {
                request = builder.build();
                Set<String> allowed = resolution instanceof Router.MethodNotAllowed m ? m.allowed() : Set.of();
                int status = allowed.isEmpty() ? 404 : 405;
                UnmatchedHandler answer = admin ? SimServer::defaultUnmatched : unmatchedHandler;
                SimHandler unmatched = r -> answer.handle(r, status, allowed);
                response = admin ? invoke(request, unmatched, (r, e) -> null)
                        : proceed(request, pipeline(false), 0, unmatched);
                if (status == 405) {
                    response = response.withHeaderIfAbsent("Allow", String.join(", ", allowed));
                }
            }
            if (!admin) {
                // Before writing: a client that has its answer must find the call already counted.
                calls.record(request, response.isAbort() ? CallRecorder.ABORTED : response.status());
            }
            write(exchange, request, response);
        } catch (IOException e) {
            // The client went away mid-exchange (typically a read timeout during a slow drip).
            LOG.log(System.Logger.Level.DEBUG, "{0} simulator: connection lost: {1}", name, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, name + " simulator failed to answer", e);
        } finally {
            // Without response headers sent, this closes the connection: that is how aborts work.
            exchange.close();
        }
    }

    private List<SimFilter> pipeline(boolean routed) {
        List<SimFilter> chain = new ArrayList<>();
        for (FilterEntry entry : filters) {
            if (routed || (entry.unmatchedToo() && entry.filter() != faultFilter)) {
                chain.add(entry.filter());
            }
        }
        if (routed && !chain.contains(faultFilter)) {
            chain.add(faultFilter);
        }
        return chain;
    }

    private SimResponse proceed(SimRequest request, List<SimFilter> chain, int index, SimHandler handler) {
        if (index == chain.size()) {
            return invoke(request, handler, exceptionMapper);
        }
        SimFilter filter = chain.get(index);
        return invoke(request, r -> filter.filter(r, next -> proceed(next, chain, index + 1, handler)),
                exceptionMapper);
    }

    private SimResponse invoke(SimRequest request, SimHandler handler, ExceptionMapper mapper) {
        try {
            return Objects.requireNonNull(handler.handle(request), "handler returned no response");
        } catch (InterruptedException e) {
            // Only happens when the server is stopping; nobody is waiting for an answer.
            Thread.currentThread().interrupt();
            return SimResponse.abortConnection();
        } catch (Exception e) {
            SimResponse mapped = mapper.map(request, e);
            return mapped != null ? mapped : defaultExceptionResponse(request, e);
        }
    }

    private SimResponse defaultExceptionResponse(SimRequest request, Exception e) {
        if (e instanceof SimResponseException sre) {
            return sre.response();
        }
        if (e instanceof MalformedBodyException) {
            return errorBody(400, e.getMessage());
        }
        LOG.log(System.Logger.Level.WARNING, name + " simulator: " + request + " failed", e);
        return errorBody(500, "Simulator error: " + e);
    }

    private SimResponse applyFaults(SimRequest request, SimFilter.Chain next) throws Exception {
        if (request.operation() == null) {
            return next.proceed(request); // unmatched requests are never faulted
        }
        FaultInjector.Decision fault = faults.decide(request.operation());
        if (!fault.latency().isZero()) {
            Thread.sleep(fault.latency().toMillis());
        }
        switch (fault.kind()) {
            case RESET:
                return SimResponse.abortConnection();
            case ERROR:
                SimResponse error = faultResponder.respond(request, fault);
                return fault.retryAfter() == null ? error
                        : error.withHeaderIfAbsent("Retry-After", clock.retryAfterHeader(fault.retryAfter(), 0));
            case SLOW_DRIP:
                SimResponse real = next.proceed(request);
                return real.isAbort() ? real : real.withSlowDrip(fault.drip().chunkBytes(), fault.drip().pause());
            default:
                return next.proceed(request);
        }
    }

    private void write(HttpExchange exchange, SimRequest request, SimResponse response)
            throws IOException, InterruptedException {
        if (response.isAbort()) {
            return; // handle() closes the exchange with no headers sent: the connection is dropped
        }
        Headers headers = exchange.getResponseHeaders();
        response.headers().forEach((header, values) -> headers.put(header, new ArrayList<>(values)));
        int status = response.status();
        byte[] body = response.body();
        if (body.length == 0 || status == 204 || status == 304 || status < 200 || "HEAD".equals(request.method())) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            SimResponse.Drip drip = response.slowDrip();
            if (drip == null) {
                out.write(body);
                return;
            }
            out.flush(); // the status line and headers go out now; only the body crawls
            for (int offset = 0; offset < body.length; offset += drip.chunkBytes()) {
                Thread.sleep(drip.pause().toMillis());
                out.write(body, offset, Math.min(drip.chunkBytes(), body.length - offset));
                out.flush();
            }
        }
    }

    private ThreadFactory threadFactory() {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "sim-" + name + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private void requireStarted() {
        if (server == null) {
            throw new IllegalStateException(name + " simulator is not started");
        }
    }

    // --- default bodies (NestJS-style, as HighLevel answers; simulators override as needed) -------

    static SimResponse errorBody(int status, String message) {
        ObjectNode body = SimJson.object()
                .put("statusCode", status)
                .put("error", reasonPhrase(status))
                .put("message", message);
        return SimResponse.json(status, body);
    }

    private static SimResponse defaultUnmatched(SimRequest request, int status, Set<String> allowed) {
        return errorBody(status, status == 405
                ? "Method " + request.method() + " not allowed on " + request.path()
                : "Cannot " + request.method() + " " + request.path());
    }

    private static SimResponse defaultFaultResponse(SimRequest request, FaultInjector.Decision fault) {
        ObjectNode body = SimJson.object()
                .put("statusCode", fault.status())
                .put("error", reasonPhrase(fault.status()))
                .put("message", fault.outage() ? "Simulated outage" : "Simulated fault");
        return SimResponse.json(fault.status(), body);
    }

    static String reasonPhrase(int status) {
        return REASONS.getOrDefault(status, status >= 500 ? "Server Error" : "Client Error");
    }

    private static final Map<Integer, String> REASONS = Map.ofEntries(
            Map.entry(400, "Bad Request"),
            Map.entry(401, "Unauthorized"),
            Map.entry(403, "Forbidden"),
            Map.entry(404, "Not Found"),
            Map.entry(405, "Method Not Allowed"),
            Map.entry(408, "Request Timeout"),
            Map.entry(409, "Conflict"),
            Map.entry(422, "Unprocessable Entity"),
            Map.entry(429, "Too Many Requests"),
            Map.entry(500, "Internal Server Error"),
            Map.entry(502, "Bad Gateway"),
            Map.entry(503, "Service Unavailable"),
            Map.entry(504, "Gateway Timeout"));
}
