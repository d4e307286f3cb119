package io.contactsbridge.store;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How replicas sharing one store find each other ({@code bridge.replicas.*}, defaults in
 * {@code config/outbound.properties}).
 *
 * @param enabled       whether replicas sharing the store divide the rate limits and share circuit openings; off only
 *                      where processes share a store without being replicas of one deployment (tests)
 * @param interval      how often a replica renews its membership and looks at the others (and at their circuits)
 * @param leaseDuration how long a replica counts as alive after its last renewal; a killed one stops counting then
 */
@ConfigurationProperties(prefix = "bridge.replicas")
public record ReplicaProperties(Boolean enabled, Duration interval, Duration leaseDuration) {

    public ReplicaProperties {
        enabled = enabled == null || enabled;
        interval = interval == null ? Duration.ofSeconds(2) : interval;
        leaseDuration = leaseDuration == null ? Duration.ofSeconds(10) : leaseDuration;
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("bridge.replicas.interval must be positive");
        }
        if (leaseDuration.compareTo(interval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("bridge.replicas.lease-duration (" + leaseDuration
                    + ") must be at least twice bridge.replicas.interval (" + interval
                    + "), so one late renewal does not make a replica count as gone");
        }
    }
}
