package io.contactsbridge.ops;

import org.apache.camel.AsyncCallback;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.NamedNode;
import org.apache.camel.Processor;
import org.apache.camel.spi.InterceptStrategy;
import org.apache.camel.support.processor.DelegateAsyncProcessor;
import org.springframework.stereotype.Component;

/**
 * Camel's error handlers catch exceptions, not errors: an {@code OutOfMemoryError} in a route step goes up to whatever
 * runs the route, and many of those swallow it (Quartz's job runner logs it; platform-http hands it to an async
 * servlet dispatch as a 500), leaving the JVM alive without what the error took down. Every route step is wrapped so
 * that the error halts the JVM where it is thrown ({@link OutOfMemoryExit}). Acts only where the application installed
 * the safety net ({@code main}).
 */
@Component
public class FatalErrorInterceptor implements InterceptStrategy {

    @Override
    public Processor wrapProcessorInInterceptors(CamelContext context, NamedNode definition, Processor target,
                                                 Processor nextTarget) {
        return new DelegateAsyncProcessor(target) {
            @Override
            public boolean process(Exchange exchange, AsyncCallback callback) {
                try {
                    return super.process(exchange, callback);
                } catch (OutOfMemoryError e) {
                    if (OutOfMemoryExit.isInstalled()) {
                        OutOfMemoryExit.haltIfOutOfMemory(e, "Camel route " + exchange.getFromRouteId());
                    }
                    throw e;
                }
            }
        };
    }
}
