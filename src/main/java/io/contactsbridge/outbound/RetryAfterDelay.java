package io.contactsbridge.outbound;

import java.time.Duration;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Runs as the {@code onExceptionOccurred} step of the {@code outbound-errors} retries, before Camel
 * computes the redelivery delay: when the service sent Retry-After, that wait (capped by the maximum
 * delay) replaces the exponential one for this redelivery, through the {@code CamelRedeliveryDelay}
 * header. No jitter is added: a 429's Retry-After also pauses the connection's rate budget, which
 * then hands out slots one by one, so waiting callers do not stampede.
 */
final class RetryAfterDelay implements Processor {

    private final Duration maximum;

    RetryAfterDelay(Duration maximum) {
        this.maximum = maximum;
    }

    @Override
    public void process(Exchange exchange) {
        Throwable error = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Duration retryAfter = error instanceof UpstreamApiException u ? u.retryAfter() : null;
        if (retryAfter == null) {
            exchange.getMessage().removeHeader(Exchange.REDELIVERY_DELAY);
        } else {
            long delay = Math.min(retryAfter.toMillis(), maximum.toMillis());
            exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, delay);
        }
    }
}
