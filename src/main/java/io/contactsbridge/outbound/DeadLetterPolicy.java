package io.contactsbridge.outbound;

import io.contactsbridge.auth.ConnectionAuthException;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * Decides, for the {@code bridge-dead-letter} channel, whether a failed step is worth another try,
 * and counts the tries for the stored dead letter.
 */
@Component("deadLetterPolicy")
public class DeadLetterPolicy {

    /** Redeliveries made so far; a property, as the original message that is stored has no counter header. */
    static final String REDELIVERIES = "BridgeDeadLetterRedeliveries";

    private final DeadLetterProperties props;

    public DeadLetterPolicy(DeadLetterProperties props) {
        this.props = props;
    }

    /** Camel's retryWhile: called with the redelivery about to be made counted in CamelRedeliveryCounter. */
    public boolean shouldRetry(Exchange exchange) {
        int redelivery = exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class);
        Throwable error = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        return redelivery <= props.maximumRedeliveries() && retryCanHelp(error);
    }

    /** Camel's onRedelivery: remembers how many redeliveries were made. */
    public void countRedelivery(Exchange exchange) {
        exchange.setProperty(REDELIVERIES, exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class));
    }

    /**
     * Whether trying again unchanged may succeed. Not for {@link UpstreamApiException}s: the outbound
     * layer has already retried the ones worth it (with Retry-After, the rate budget and the breaker
     * in mind), and the others (4xx, auth) fail the same way again. Not for auth or request errors
     * either. Anything else gets the benefit of the doubt.
     */
    public static boolean retryCanHelp(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof UpstreamApiException || t instanceof ConnectionAuthException
                    || t instanceof OutboundRequestException) {
                return false;
            }
        }
        return true;
    }
}
