package io.contactsbridge.store;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code bridge.store.*}: how the paths that must answer at once reach the store. Defaults are in
 * {@code config/store.properties}; the compact constructors repeat them.
 *
 * @param failFast the small pool with short timeouts of the webhook endpoints, readiness and the status
 * @param health   how the store check of readiness and the status is cached and bounded
 * @param h2       how the default H2 file store is kept compact
 */
@ConfigurationProperties(prefix = "bridge.store")
public record StoreProperties(FailFast failFast, Health health, H2 h2) {

    public StoreProperties {
        failFast = failFast == null ? new FailFast(null, null, null, null, null, null) : failFast;
        health = health == null ? new Health(null, null, null) : health;
        h2 = h2 == null ? new H2(null, null, null, null) : h2;
    }

    /**
     * @param compactInterval how often a step of compaction runs (0: never, the file then grows by every commit)
     * @param compactWrite    how many bytes of live pages one step may rewrite (bounds how long it holds writers up)
     * @param targetFill      chunks less full than this (%) are rewritten
     * @param retention       how long space freed by a commit is kept before it is written over
     */
    public record H2(Duration compactInterval, Integer compactWrite, Integer targetFill, Duration retention) {
        public H2 {
            compactInterval = compactInterval == null ? Duration.ofMillis(100) : compactInterval;
            compactWrite = compactWrite == null ? 1 << 20 : compactWrite;
            targetFill = targetFill == null ? 90 : targetFill;
            retention = retention == null ? Duration.ZERO : retention;
            if (compactInterval.isNegative()) {
                throw new IllegalArgumentException("bridge.store.h2.compact-interval must not be negative");
            }
            if (compactWrite < 64 * 1024) {
                throw new IllegalArgumentException("bridge.store.h2.compact-write must be at least 65536 bytes, was " + compactWrite);
            }
            if (targetFill < 10 || targetFill > 100) {
                throw new IllegalArgumentException("bridge.store.h2.target-fill must be 10 to 100 (%), was " + targetFill);
            }
            if (retention.isNegative()) {
                throw new IllegalArgumentException("bridge.store.h2.retention must not be negative");
            }
        }
    }

    /**
     * @param poolSize          connections of the pool
     * @param connectionTimeout how long to wait for a connection (at least 250 ms, Hikari's minimum)
     * @param validationTimeout how long checking an idle connection may take (at least 250 ms)
     * @param queryTimeout      longest a statement may run (whole seconds, at least 1 s)
     * @param holdAfterFailure after a webhook could not be stored, how long the next ones are answered 429 at once,
     *                          without trying the store (0: every one tries)
     * @param appendWait        how long a webhook waits for the journal's group-commit writer to store its event
     */
    public record FailFast(Integer poolSize, Duration connectionTimeout, Duration validationTimeout, Duration queryTimeout,
                           Duration holdAfterFailure, Duration appendWait) {
        public FailFast {
            appendWait = appendWait == null ? Duration.ofMillis(700) : appendWait;
            if (appendWait.isNegative() || appendWait.isZero()) {
                throw new IllegalArgumentException("bridge.store.fail-fast.append-wait must be positive");
            }
            holdAfterFailure = holdAfterFailure == null ? Duration.ofSeconds(1) : holdAfterFailure;
            if (holdAfterFailure.isNegative()) {
                throw new IllegalArgumentException("bridge.store.fail-fast.hold-after-failure must not be negative");
            }
            poolSize = poolSize == null ? 8 : poolSize;
            connectionTimeout = connectionTimeout == null ? Duration.ofMillis(500) : connectionTimeout;
            validationTimeout = validationTimeout == null ? Duration.ofMillis(250) : validationTimeout;
            queryTimeout = queryTimeout == null ? Duration.ofSeconds(1) : queryTimeout;
            if (poolSize < 1) {
                throw new IllegalArgumentException("bridge.store.fail-fast.pool-size must be at least 1, was " + poolSize);
            }
            if (connectionTimeout.toMillis() < 250) {
                throw new IllegalArgumentException("bridge.store.fail-fast.connection-timeout must be at least 250ms "
                        + "(Hikari's minimum), was " + connectionTimeout.toMillis() + "ms");
            }
            if (validationTimeout.toMillis() < 250) {
                throw new IllegalArgumentException("bridge.store.fail-fast.validation-timeout must be at least 250ms "
                        + "(Hikari's minimum), was " + validationTimeout.toMillis() + "ms");
            }
            if (queryTimeout.toSeconds() < 1) {
                throw new IllegalArgumentException("bridge.store.fail-fast.query-timeout must be at least 1s (JDBC counts "
                        + "whole seconds), was " + queryTimeout.toMillis() + "ms");
            }
        }
    }

    /**
     * @param maxAge       how long a check's result is reused
     * @param answerWithin a check not done within this counts as the store being unavailable
     * @param statusWithin how long {@code /api/status} waits for the figures it reads from the store
     */
    public record Health(Duration maxAge, Duration answerWithin, Duration statusWithin) {
        public Health {
            maxAge = maxAge == null ? Duration.ofSeconds(1) : maxAge;
            answerWithin = answerWithin == null ? Duration.ofMillis(500) : answerWithin;
            statusWithin = statusWithin == null ? Duration.ofMillis(600) : statusWithin;
            if (statusWithin.isNegative() || statusWithin.isZero()) {
                throw new IllegalArgumentException("bridge.store.health.status-within must be positive");
            }
            if (maxAge.isNegative()) {
                throw new IllegalArgumentException("bridge.store.health.max-age must not be negative");
            }
            if (answerWithin.isNegative() || answerWithin.isZero()) {
                throw new IllegalArgumentException("bridge.store.health.answer-within must be positive");
            }
        }
    }
}
