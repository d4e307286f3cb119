package io.contactsbridge.ingress;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * Micrometer counter {@value #REQUESTS} (at {@code /actuator/metrics/bridge.inbound.requests}), tagged
 * {@code source} (highlevel-webhook, birdsend-notification), {@code outcome} (accepted: stored in the
 * journal; duplicate: already stored; ignored: an event type the bridge does not handle; rejected) and
 * {@code reason} (the {@code error} of the answer for rejections, e.g. invalid_signature, stale_timestamp,
 * payload_too_large, overloaded, too_many_requests; unknown_event_type when ignored; "none" otherwise).
 */
@Component
public class IngressMetrics {

    public static final String REQUESTS = "bridge.inbound.requests";

    private final MeterRegistry registry;

    public IngressMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Counts one answered request. */
    public void record(String source, IngressAnswer answer) {
        String outcome;
        String reason;
        if (answer.refused()) {
            outcome = "rejected";
            reason = answer.code();
        } else if ("ignored".equals(answer.code())) {
            outcome = "ignored";
            reason = "unknown_event_type";
        } else {
            outcome = "stored".equals(answer.code()) ? "accepted" : answer.code();
            reason = "none";
        }
        counter(source, outcome, reason).increment();
    }

    public double count(String source, String outcome, String reason) {
        return counter(source, outcome, reason).count();
    }

    private Counter counter(String source, String outcome, String reason) {
        return Counter.builder(REQUESTS)
                .description("Requests to the webhook endpoints by outcome")
                .tag("source", source)
                .tag("outcome", outcome)
                .tag("reason", reason)
                .register(registry);
    }
}
