package io.contactsbridge.outbound;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import io.contactsbridge.ops.GaugeReadings;
import io.contactsbridge.ops.StatusContributor;
import io.contactsbridge.ops.StatusReport;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * The dead letters in {@code /api/status}, counts only (a letter's payload may hold a person's email; that is for the
 * admin API): {@code deadLetters}, the OPEN letters (not replayed or discarded yet, those being replayed included),
 * a number as it always was; and {@code deadLetterQueue} with the letters in each state ({@code open},
 * {@code replaying}, {@code replayed}, {@code discarded}) and {@code oldestOpenAgeSeconds}, how long the oldest open
 * one has waited since it first failed (null when none is open). The same as gauges:
 * {@value #OPEN_GAUGE} and {@value #OLDEST_GAUGE}.
 */
@Component
public class DeadLetterStatus implements StatusContributor {

    public static final String OPEN_GAUGE = "bridge.deadletters.open";
    public static final String OLDEST_GAUGE = "bridge.deadletters.oldest.open.age";

    private final DeadLetterStore store;
    private final Clock clock;

    public DeadLetterStatus(DeadLetterStore store, Clock clock, MeterRegistry registry) {
        this.store = store;
        this.clock = clock;
        Gauge.builder(OPEN_GAUGE, this, s -> GaugeReadings.orNaN(() -> s.store.count()))
                .description("Dead letters not replayed or discarded yet").register(registry);
        Gauge.builder(OLDEST_GAUGE, this, s -> GaugeReadings.orNaN(() -> s.oldestOpenAgeSeconds() == null ? 0 : s.oldestOpenAgeSeconds()))
                .description("Seconds since the oldest open dead letter first failed (0 when none is open)")
                .baseUnit("seconds").register(registry);
    }

    @Override
    public void contribute(StatusReport report) {
        Map<String, Long> states = store.countByState();
        report.put("deadLetters", states.get(DeadLetterEntry.OPEN) + states.get(DeadLetterEntry.REPLAYING));
        states.forEach((state, n) -> report.put("deadLetterQueue." + state, n));
        report.put("deadLetterQueue.oldestOpenAgeSeconds", oldestOpenAgeSeconds());
    }

    Long oldestOpenAgeSeconds() {
        return store.oldestOpen().map(t -> Math.max(0, Duration.between(t, clock.instant()).toSeconds())).orElse(null);
    }
}
