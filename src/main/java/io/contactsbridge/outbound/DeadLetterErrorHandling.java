package io.contactsbridge.outbound;

import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.springframework.stereotype.Component;

/**
 * The {@value #BRIDGE_DEAD_LETTER} route configuration. A route opts in with
 * {@code routeConfigurationId: bridge-dead-letter} (YAML) or {@code .routeConfigurationId(...)} (Java).
 * A failing step is redelivered with capped exponential backoff and jitter, with a WARN line per
 * retry, unless {@link DeadLetterPolicy} says a retry cannot help. When retries are spent the
 * ORIGINAL message (as the route received it) is stored by {@link DeadLetterRecorder} and the
 * exchange counts as handled.
 *
 * <p>An {@link UpstreamApiException} from {@code direct:highlevel-call} / {@code direct:birdsend-call}
 * goes straight to the store: a 4xx fails the same way again, and transient failures were already
 * retried by the outbound layer, which a second round would only multiply.
 */
@Component
public class DeadLetterErrorHandling extends RouteConfigurationBuilder {

    public static final String BRIDGE_DEAD_LETTER = "bridge-dead-letter";

    private final DeadLetterProperties props;
    private final DeadLetterPolicy policy;

    public DeadLetterErrorHandling(DeadLetterProperties props, DeadLetterPolicy policy) {
        this.props = props;
        this.policy = policy;
    }

    @Override
    public void configuration() {
        routeConfiguration(BRIDGE_DEAD_LETTER)
                .errorHandler(deadLetterChannel("bean:deadLetterRecorder?method=record")
                        .useOriginalMessage()
                        .maximumRedeliveries(props.maximumRedeliveries())
                        .redeliveryDelay(props.initialDelay().toMillis())
                        .useExponentialBackOff()
                        .backOffMultiplier(props.multiplier())
                        .maximumRedeliveryDelay(props.maximumDelay().toMillis())
                        .useCollisionAvoidance()
                        .retryWhile(method(policy, "shouldRetry"))
                        .onRedelivery(policy::countRedelivery)
                        .retryAttemptedLogLevel(LoggingLevel.WARN)
                        .logRetryStackTrace(false)
                        // DeadLetterRecorder logs what it stored; Camel's exhausted line would repeat it.
                        .logExhausted(false));
    }
}
