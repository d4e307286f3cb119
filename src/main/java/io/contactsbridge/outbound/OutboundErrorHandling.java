package io.contactsbridge.outbound;

import io.contactsbridge.ops.ShutdownSignal;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.springframework.stereotype.Component;

/**
 * Route configurations of the outbound routes.
 * <ul>
 *   <li>{@value #OUTBOUND_ERRORS}: the retry routes. Transient failures (429, 5xx, I/O, open circuit)
 *       are redelivered with capped exponential backoff and jitter, or after the service's
 *       Retry-After, with one line per retry and no stack trace ({@link OutboundRetries}); none once
 *       the application is stopping. Everything else (other 4xx, auth, an exhausted budget, a malformed
 *       request) fails at once. Nothing is logged when retries are spent: the exception goes to the
 *       caller, whose error handling logs it and decides what happens next.</li>
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
    private final ShutdownSignal shutdown;

    public OutboundErrorHandling(OutboundProperties props, ShutdownSignal shutdown) {
        this.props = props;
        this.shutdown = shutdown;
    }

    @Override
    public void configuration() {
        OutboundRetries retries = new OutboundRetries(props.retry(), shutdown);
        RouteConfigurationDefinition errors = routeConfiguration(OUTBOUND_ERRORS);
        errors.onException(TransientUpstreamException.class)
                .onExceptionOccurred(retries)
                // OutboundRetries counts, waits and decides; Camel's own count and delay stay out of it.
                .retryWhile(retries::shouldRetry)
                .maximumRedeliveries(-1)
                .redeliveryDelay(0)
                .logRetryAttempted(false)
                .logStackTrace(false)
                .logExhausted(false)
                .handled(false);
        errors.onException(Exception.class)
                .maximumRedeliveries(0)
                .logStackTrace(false)
                .logExhausted(false)
                .handled(false);

        routeConfiguration(OUTBOUND_PASSTHROUGH).errorHandler(noErrorHandler());
    }
}
