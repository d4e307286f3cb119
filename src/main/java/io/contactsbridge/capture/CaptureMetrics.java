package io.contactsbridge.capture;

import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.stereotype.Component;

/**
 * Micrometer counters of the pollers (at {@code /actuator/metrics/<name>}):
 * <ul>
 *   <li>{@value #POLLS}: polls, tagged {@code source} (highlevel-poll, birdsend-poll), {@code kind} (poll, quick,
 *       rolling, full) and {@code status} (ok, partial, skipped, failed)</li>
 *   <li>{@value #REQUESTS}: API requests the pollers made, tagged {@code source} and {@code kind}, counted as they
 *       are made</li>
 *   <li>{@value #PASSES}: complete passes over every BirdSend contact (timer: how long each took), tagged
 *       {@code source}</li>
 *   <li>{@value #EVENTS}: events found, tagged {@code source}, {@code type} (ContactChanged, ContactCreated, ...)
 *       and {@code outcome} (appended; duplicate: the journal already had that version)</li>
 * </ul>
 */
@Component
public class CaptureMetrics {

    public static final String POLLS = "bridge.capture.polls";
    public static final String REQUESTS = "bridge.capture.requests";
    public static final String EVENTS = "bridge.capture.events";
    public static final String PASSES = "bridge.capture.passes";

    private final MeterRegistry registry;

    public CaptureMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void poll(PollOutcome outcome) {
        Counter.builder(POLLS).description("Change-capture polls by outcome")
                .tag("source", outcome.source()).tag("kind", outcome.kind()).tag("status", outcome.status().label())
                .register(registry).increment();
    }

    /** One API request of a poller, counted when it is made. */
    void request(String source, String kind) {
        requests(source, kind).increment();
    }

    /** A complete pass of the BirdSend rolling scan (or a full scan), and how long it took from its first page. */
    void pass(String source, Duration took) {
        Timer.builder(PASSES).description("Complete passes over every BirdSend contact, by duration")
                .tag("source", source).register(registry).record(took);
    }

    /** The timer of complete passes (count, total and max duration). */
    public Timer passes(String source) {
        return Timer.builder(PASSES).tag("source", source).register(registry);
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
