package io.contactsbridge.ingress;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * {@code bridge.inbound.*}: limits shared by the webhook endpoints. Defaults are in
 * {@code config/inbound.properties}; the compact constructor repeats them.
 *
 * @param maxBodySize           larger bodies are refused with 413 before they are read further (Spring data
 *                              sizes are binary: 1MB = 1 MiB = 1,048,576 bytes)
 * @param maxConcurrentRequests webhook requests processed at once; more are refused with 429 at once
 * @param timestampTolerance    how far a request's timestamp may be from this server's clock (replay protection)
 * @param maxPending            when an active consumer of a source is this many events behind, new events of the
 *                              source are refused with 429 (HighLevel retries those later)
 * @param pendingCheckInterval  how long a measured backlog is reused before it is counted again
 * @param bodyReadTimeout       the whole body must arrive within this after the headers, or the request is answered
 *                              408 and its connection closed
 * @param maxRequestsPerAddress requests one client address may have in flight (read or processed) at once
 */
@ConfigurationProperties(prefix = "bridge.inbound")
public record IngressProperties(DataSize maxBodySize, Integer maxConcurrentRequests, Duration timestampTolerance,
                                Long maxPending, Duration pendingCheckInterval, Duration bodyReadTimeout,
                                Integer maxRequestsPerAddress) {

    public IngressProperties {
        maxBodySize = maxBodySize == null ? DataSize.ofMegabytes(1) : maxBodySize;
        maxConcurrentRequests = maxConcurrentRequests == null ? 32 : maxConcurrentRequests;
        timestampTolerance = timestampTolerance == null ? Duration.ofMinutes(5) : timestampTolerance;
        maxPending = maxPending == null ? 10_000L : maxPending;
        pendingCheckInterval = pendingCheckInterval == null ? Duration.ofSeconds(2) : pendingCheckInterval;
        bodyReadTimeout = bodyReadTimeout == null ? Duration.ofSeconds(5) : bodyReadTimeout;
        maxRequestsPerAddress = maxRequestsPerAddress == null ? 64 : maxRequestsPerAddress;
        if (bodyReadTimeout.isNegative() || bodyReadTimeout.isZero()) {
            throw new IllegalArgumentException("bridge.inbound.body-read-timeout must be positive");
        }
        if (maxRequestsPerAddress < 1) {
            throw new IllegalArgumentException("bridge.inbound.max-requests-per-address must be at least 1");
        }
        if (maxBodySize.toBytes() < 1 || maxBodySize.toBytes() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("bridge.inbound.max-body-size must be between 1 byte and 2 GB, got " + maxBodySize);
        }
        if (maxConcurrentRequests < 1) {
            throw new IllegalArgumentException("bridge.inbound.max-concurrent-requests must be at least 1");
        }
        if (timestampTolerance.isNegative() || timestampTolerance.isZero()) {
            throw new IllegalArgumentException("bridge.inbound.timestamp-tolerance must be positive");
        }
        if (maxPending < 1) {
            throw new IllegalArgumentException("bridge.inbound.max-pending must be at least 1");
        }
        if (pendingCheckInterval.isNegative()) {
            throw new IllegalArgumentException("bridge.inbound.pending-check-interval must not be negative");
        }
    }
}
