package io.contactsbridge.outbound;

import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.springframework.stereotype.Component;

/**
 * Route configurations of the outbound routes.
 * <ul>
 *   <li>{@value #OUTBOUND_ERRORS}: the retry routes. Transient failures (429, 5xx, I/O, open circuit)
 *       are redelivered with capped exponential backoff and jitter, or after the service's
 *       Retry-After, with a WARN line per retry. Everything else (other 4xx, auth, an exhausted
 *       budget, a malformed request) fails at once. Nothing is logged when retries are spent: the
 *       exception goes to the caller, whose error handling logs it and decides what happens next.</li>
 *   <li>{@value #OUTBOUND_PASSTHROUGH}: the call and send routes have no error handler, so a failure
 *       of a send propagates to the retry route (which repeats the whole attempt) and a failure of
 *       the call to its caller.</li>
 * </ul>
 */
@Component
public class OutboundErrorHandling extends RouteConfigurationBuilder {

    public static final String OUTBOUND_ERRORS = "outbound-errors";
    public static final String OUTBOUND_PASSTHROUGH = "outbound-passthrough";

    private final OutboundProperties props;

    public OutboundErrorHandling(OutboundProperties props) {
        this.props = props;
    }

    @Override
    public void configuration() {
        OutboundProperties.Retry retry = props.retry();
        RouteConfigurationDefinition errors = routeConfiguration(OUTBOUND_ERRORS);
        errors.onException(TransientUpstreamException.class)
                .onExceptionOccurred(new RetryAfterDelay(retry.maximumDelay()))
                .maximumRedeliveries(retry.maximumRedeliveries())
                .redeliveryDelay(retry.initialDelay().toMillis())
                .useExponentialBackOff()
                .backOffMultiplier(retry.multiplier())
                .maximumRedeliveryDelay(retry.maximumDelay().toMillis())
                .useCollisionAvoidance()
                .retryAttemptedLogLevel(LoggingLevel.WARN)
                .logRetryStackTrace(false)
                .logExhausted(false)
                .handled(false);
        errors.onException(Exception.class)
                .maximumRedeliveries(0)
                .logExhausted(false)
                .handled(false);

        routeConfiguration(OUTBOUND_PASSTHROUGH).errorHandler(noErrorHandler());
    }
}
