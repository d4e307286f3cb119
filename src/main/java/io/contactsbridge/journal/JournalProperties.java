package io.contactsbridge.journal;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code bridge.journal.*}: how journal consumers behave. Defaults are in {@code config/journal.properties};
 * the compact constructor repeats them for code that builds the record directly.
 *
 * @param leaseDuration          how long a replica owns a consumer partition without renewing it; a crashed
 *                               replica's partitions are taken over after this
 * @param batchSize              events read per poll and partition
 * @param retryInitialDelay      wait before retrying an event whose route failed; doubles per failure...
 * @param retryMaxDelay          ...up to this
 * @param consumerInactiveAfter  a consumer no replica polled for this long no longer counts for the pending
 *                               figure, overload protection or retention (e.g. its route was removed)
 * @param retention              events older than this are removed once every active consumer processed them
 * @param retentionCheckInterval how often retention runs
 * @param pairInlineLimit        with several connection pairs: an event still being processed after this is parked
 *                               with its pair (see {@link JournalParking}) and its partition goes on, so a pair whose
 *                               service is slow or down holds up no other pair's events for longer than this
 * @param pairRetryThreads       with several connection pairs: the pairs whose parked events are retried at once
 */
@ConfigurationProperties(prefix = "bridge.journal")
public record JournalProperties(Duration leaseDuration, Integer batchSize, Duration retryInitialDelay,
                                Duration retryMaxDelay, Duration consumerInactiveAfter, Duration retention,
                                Duration retentionCheckInterval, Duration pairInlineLimit, Integer pairRetryThreads) {

    public JournalProperties {
        leaseDuration = positive(leaseDuration, Duration.ofSeconds(30), "lease-duration");
        batchSize = batchSize == null ? 100 : batchSize;
        if (batchSize < 1) {
            throw new IllegalArgumentException("bridge.journal.batch-size must be at least 1");
        }
        retryInitialDelay = positive(retryInitialDelay, Duration.ofSeconds(1), "retry-initial-delay");
        retryMaxDelay = positive(retryMaxDelay, Duration.ofMinutes(5), "retry-max-delay");
        consumerInactiveAfter = positive(consumerInactiveAfter, Duration.ofMinutes(10), "consumer-inactive-after");
        retention = positive(retention, Duration.ofDays(30), "retention");
        retentionCheckInterval = positive(retentionCheckInterval, Duration.ofHours(1), "retention-check-interval");
        pairInlineLimit = positive(pairInlineLimit, Duration.ofSeconds(3), "pair-inline-limit");
        pairRetryThreads = pairRetryThreads == null ? 4 : pairRetryThreads;
        if (pairRetryThreads < 1) {
            throw new IllegalArgumentException("bridge.journal.pair-retry-threads must be at least 1");
        }
    }

    public static JournalProperties defaults() {
        return new JournalProperties(null, null, null, null, null, null, null, null, null);
    }

    private static Duration positive(Duration value, Duration fallback, String name) {
        if (value == null) {
            return fallback;
        }
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException("bridge.journal." + name + " must be positive, got " + value);
        }
        return value;
    }
}
