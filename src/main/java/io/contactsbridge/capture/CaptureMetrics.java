package io.contactsbridge.capture;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * Micrometer counters of the pollers (at {@code /actuator/metrics/<name>}):
 * <ul>
 *   <li>{@value #POLLS}: polls, tagged {@code source} (highlevel-poll, birdsend-poll), {@code kind} (poll, quick,
 *       full) and {@code status} (ok, partial, skipped, failed)</li>
 *   <li>{@value #REQUESTS}: API requests the pollers made, tagged {@code source} and {@code kind}</li>
 *   <li>{@value #EVENTS}: events found, tagged {@code source}, {@code type} (ContactChanged, ContactCreated, ...)
 *       and {@code outcome} (appended; duplicate: the journal already had that version)</li>
 * </ul>
 */
@Component
public class CaptureMetrics {

    public static final String POLLS = "bridge.capture.polls";
    public static final String REQUESTS = "bridge.capture.requests";
    public static final String EVENTS = "bridge.capture.events";

    private final MeterRegistry registry;

    public CaptureMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void poll(PollOutcome outcome) {
        Counter.builder(POLLS).description("Change-capture polls by outcome")
                .tag("source", outcome.source()).tag("kind", outcome.kind()).tag("status", outcome.status().label())
                .register(registry).increment();
        if (outcome.requests() > 0) {
            requests(outcome.source(), outcome.kind()).increment(outcome.requests());
        }
    }

    void event(String source, String type, boolean appended) {
        events(source, type, appended ? "appended" : "duplicate").increment();
    }

    public double polls(String source, String kind, String status) {
        return Counter.builder(POLLS).tag("source", source).tag("kind", kind).tag("status", status).register(registry).count();
    }

    public double requestCount(String source, String kind) {
        return requests(source, kind).count();
    }

    public double events(String source, String type, boolean appended) {
        return events(source, type, appended ? "appended" : "duplicate").count();
    }

    private Counter requests(String source, String kind) {
        return Counter.builder(REQUESTS).description("API requests made by the change-capture pollers")
                .tag("source", source).tag("kind", kind).register(registry);
    }

    private Counter events(String source, String type, String outcome) {
        return Counter.builder(EVENTS).description("Changes found by the pollers")
                .tag("source", source).tag("type", type).tag("outcome", outcome).register(registry);
    }
}
