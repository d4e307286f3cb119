package io.contactsbridge.ops;

import org.apache.camel.Exchange;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.springframework.stereotype.Component;

/**
 * Camel keeps a route's failure on its exchange, for the error handler: an {@code OutOfMemoryError} thrown in a route
 * (a listing, a poll, a sync step) would be handled, retried or dead-lettered like any failure while the JVM lives on
 * without whatever else the error took down. This halts it instead ({@link OutOfMemoryExit}), as soon as the exchange
 * fails, before any handling. Acts only where the application installed the safety net ({@code main}).
 */
@Component
public class FatalErrorNotifier extends EventNotifierSupport {

    public FatalErrorNotifier() {
        setIgnoreCamelContextEvents(true);
        setIgnoreCamelContextInitEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeCompletedEvent(true);
        setIgnoreExchangeSendingEvents(true);
        setIgnoreExchangeSentEvents(true);
        setIgnoreExchangeAsyncProcessingStartedEvents(true);
        setIgnoreExchangeRedeliveryEvents(true);
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.ExchangeFailureHandlingEvent || event instanceof CamelEvent.ExchangeFailedEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        if (!OutOfMemoryExit.isInstalled() || !(event instanceof CamelEvent.ExchangeEvent exchangeEvent)) {
            return;
        }
        Exchange exchange = exchangeEvent.getExchange();
        Throwable error = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        OutOfMemoryExit.haltIfOutOfMemory(error, "Camel route " + exchange.getFromRouteId());
    }
}
