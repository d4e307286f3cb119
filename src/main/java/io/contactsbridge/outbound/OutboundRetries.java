package io.contactsbridge.outbound;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import io.contactsbridge.ops.ShutdownSignal;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retries of the {@code outbound-errors} route configuration, as its {@code onExceptionOccurred} step (Camel
 * calls it after every failed attempt, before it decides on a redelivery) and its {@code retryWhile}.
 *
 * <p>After a transient failure (429, 5xx, no answer, open circuit) it counts the attempt, picks the wait (the
 * service's Retry-After, capped at the maximum delay, else {@code initial-delay x multiplier^n}, capped, +-15 %
 * so callers that failed together do not come back together), logs exactly one line saying so, and waits. That
 * line is the whole log of a call that then succeeds: service, operation, what went wrong, which retry and the
 * wait; no stack trace, no exchange ids. (A retry because the circuit breaker is open is logged at DEBUG: nothing
 * was sent, and the failures that opened it were logged.) When the retries are spent nothing is logged here: the caller gets the
 * failure and its own log says what happens next (the journal retries the event later, a poll reports it).
 *
 * <p>The wait is slept here rather than by Camel so that a shutdown ends it at once ({@link ShutdownSignal});
 * a call whose wait was cut short is not sent again, and fails with the error it last had.
 */
final class OutboundRetries implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(OutboundRetries.class);
    /** Failed attempts of the current call so far (an exchange property, reset per call). */
    static final String FAILED_ATTEMPTS = "BridgeOutboundFailedAttempts";
    /** Whether the failure just counted is retried (read by {@link #shouldRetry}). */
    static final String RETRYING = "BridgeOutboundRetrying";
    private static final double JITTER = 0.15;

    private final OutboundProperties.Retry retry;
    private final ShutdownSignal shutdown;

    OutboundRetries(OutboundProperties.Retry retry, ShutdownSignal shutdown) {
        this.retry = retry;
        this.shutdown = shutdown;
    }

    @Override
    public void process(Exchange exchange) throws InterruptedException {
        Throwable error = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        int failures = exchange.getProperty(FAILED_ATTEMPTS, 0, Integer.class) + 1;
        exchange.setProperty(FAILED_ATTEMPTS, failures);
        // The wait happens here; Camel redelivers at once.
        exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, 0L);
        boolean retrying = failures <= retry.maximumRedeliveries() && !shutdown.isStopping();
        exchange.setProperty(RETRYING, retrying);
        if (!retrying) {
            return;
        }
        Duration retryAfter = error instanceof UpstreamApiException u ? u.retryAfter() : null;
        long wait = delayMillis(failures, retryAfter);
        String what = error instanceof UpstreamApiException u ? describe(u) : String.valueOf(error);
        String line = "{}; retry {} of {} in {} ms";
        if (error instanceof CircuitOpenException) {
            // Nothing was sent: the failures that opened the breaker were logged as they happened, and the caller
            // logs the call's outcome. A line per retry here would only repeat that the service is down.
            LOG.debug(line, what, failures, retry.maximumRedeliveries(), wait);
        } else if (error instanceof UpstreamRateLimitedException) {
            // The service pacing us, which the rate budget expects now and then.
            LOG.info(line, what, failures, retry.maximumRedeliveries(), wait);
        } else {
            LOG.warn(line, what, failures, retry.maximumRedeliveries(), wait);
        }
        if (!shutdown.sleep(Duration.ofMillis(wait))) {
            exchange.setProperty(RETRYING, false);
        }
    }

    /** Camel's retryWhile: the decision {@link #process} just made for this failure. */
    boolean shouldRetry(Exchange exchange) {
        return exchange.getProperty(RETRYING, false, Boolean.class);
    }

    /** The wait before retry number {@code failures}: Retry-After if the service sent one, else exponential. */
    long delayMillis(int failures, Duration retryAfter) {
        long maximum = retry.maximumDelay().toMillis();
        if (retryAfter != null) {
            // No jitter: a 429's Retry-After also pauses the connection's rate budget, which then hands out
            // slots one by one, so waiting callers do not stampede.
            return Math.min(retryAfter.toMillis(), maximum);
        }
        double exponential = retry.initialDelay().toMillis() * Math.pow(retry.multiplier(), failures - 1);
        double jitter = 1 + ThreadLocalRandom.current().nextDouble(-JITTER, JITTER);
        return Math.max(0, Math.min(maximum, Math.round(Math.min(exponential, maximum) * jitter)));
    }

    /** "HighLevel get-contact answered 503 Service Unavailable", "BirdSend list-contacts got no answer (...)". */
    static String describe(UpstreamApiException e) {
        String call = e.call().describe();
        if (e instanceof CircuitOpenException) {
            return call + " not sent: the " + e.service().displayName() + " circuit breaker of connection "
                    + e.call().connectionId() + " is open";
        }
        if (e.status() == 0) {
            Throwable cause = e.getCause();
            return call + " got no answer (" + (cause == null ? "no response" : cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage())) + ")";
        }
        String message = e.upstreamMessage();
        return call + " answered " + e.status() + (message == null || message.isBlank() ? "" : " (" + abbreviate(message) + ")");
    }

    private static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\s+", " ").trim();
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
    }
}
