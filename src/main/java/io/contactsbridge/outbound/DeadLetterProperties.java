package io.contactsbridge.outbound;

import java.time.Duration;
import java.util.Objects;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Redelivery of routes that opt into the {@code bridge-dead-letter} route configuration
 * ({@code bridge.dead-letter.*}; defaults in {@code config/outbound.properties}). Capped exponential
 * backoff with ±15 % jitter; errors that cannot succeed on a retry go to the store at once.
 */
@ConfigurationProperties(prefix = "bridge.dead-letter")
public record DeadLetterProperties(int maximumRedeliveries, Duration initialDelay, double multiplier,
                                   Duration maximumDelay) {

    public DeadLetterProperties {
        if (maximumRedeliveries < 0) {
            throw new IllegalArgumentException("bridge.dead-letter.maximum-redeliveries must be >= 0");
        }
        Objects.requireNonNull(initialDelay, "bridge.dead-letter.initial-delay is missing");
        Objects.requireNonNull(maximumDelay, "bridge.dead-letter.maximum-delay is missing");
        if (multiplier < 1) {
            throw new IllegalArgumentException("bridge.dead-letter.multiplier must be >= 1");
        }
    }
}
