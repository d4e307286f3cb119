package io.contactsbridge.outbound;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

import io.contactsbridge.simulator.sim.SimJson;
import io.contactsbridge.simulator.sim.SimRequest;
import io.contactsbridge.simulator.sim.SimResponse;
import io.contactsbridge.simulator.sim.SimServer;

/**
 * A scripted upstream on {@link SimServer}: answers the queued responses in order, then the default
 * one, and remembers when (System.nanoTime) and what each request that reached a handler was.
 * Injected faults answer before the handler and so are only in {@link SimServer#calls()}.
 */
final class FakeUpstream implements AutoCloseable {

    /** A request as the handler saw it. */
    record Arrival(long nanos, SimRequest request) {
    }

    final SimServer server;
    private final Queue<Function<SimRequest, SimResponse>> script = new ConcurrentLinkedQueue<>();
    private final Queue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
    private volatile Function<SimRequest, SimResponse> otherwise =
            r -> SimResponse.ok(SimJson.object().put("id", r.pathVar("id")).put("ok", true));

    FakeUpstream(String name, String basePath) {
        server = new SimServer(name).threads(32);
        server.route("GET", basePath + "/contacts/{id}", "get-contact", this::answer)
                .route("PUT", basePath + "/contacts/{id}", "update-contact", this::answer)
                .route("DELETE", basePath + "/contacts/{id}", "delete-contact", this::answer)
                .route("POST", basePath + "/contacts", "create-contact", this::answer)
                .route("GET", basePath + "/contacts", "list-contacts", this::answer)
                .start(0);
    }

    String baseUrl(String basePath) {
        return server.baseUrl() + basePath;
    }

    /** The next answers, in order. */
    @SafeVarargs
    final FakeUpstream then(Function<SimRequest, SimResponse>... answers) {
        script.addAll(List.of(answers));
        return this;
    }

    FakeUpstream then(SimResponse... answers) {
        for (SimResponse a : answers) {
            script.add(r -> a);
        }
        return this;
    }

    FakeUpstream otherwise(Function<SimRequest, SimResponse> answer) {
        this.otherwise = answer;
        return this;
    }

    List<Arrival> arrivals() {
        return new ArrayList<>(arrivals);
    }

    static SimResponse error(int status, String body) {
        return SimResponse.bytes(status, body.getBytes(java.nio.charset.StandardCharsets.UTF_8), SimResponse.JSON);
    }

    private SimResponse answer(SimRequest request) {
        arrivals.add(new Arrival(System.nanoTime(), request));
        Function<SimRequest, SimResponse> next = script.poll();
        return (next != null ? next : otherwise).apply(request);
    }

    @Override
    public void close() {
        server.stop();
    }
}
