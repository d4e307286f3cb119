package io.contactsbridge.sync;

import io.contactsbridge.outbound.UpstreamRejectedException;
import io.contactsbridge.outbound.contacts.ContactRefusedException;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.springframework.stereotype.Component;

/**
 * The {@value #SYNC_ERRORS} route configuration of the sync routes. A write the service refused (a 4xx other
 * than 401/429: an invalid phone, a field HighLevel rejects), or a {@link ContactRefusedException}, fails the same way every time: the original event
 * is stored as a dead letter and the journal moves on. Every other failure is left unhandled, so the journal
 * keeps the event and retries it with back-off, before any later event of its partition: a service outage
 * delays the sync but loses nothing. A {@link MappingMisfitException} is left unhandled the same way, only quietly.
 * The journal consumer logs that failure in one line (with a stack trace only
 * when it is not one of the bridge's own errors), so Camel's own report of it (an ERROR with the message history
 * and the stack trace, per attempt) is switched off.
 */
@Component
public class SyncErrorHandling extends RouteConfigurationBuilder {

    public static final String SYNC_ERRORS = "sync-errors";
    /** The sync's steps (route contact-reconcile): no handler of their own, so a failure is the calling route's. */
    public static final String SYNC_PASSTHROUGH = "sync-passthrough";

    @Override
    public void configuration() {
        RouteConfigurationDefinition config = routeConfiguration(SYNC_ERRORS);
        config.errorHandler(defaultErrorHandler().logExhausted(false).logStackTrace(false));
        config.onException(UpstreamRejectedException.class, ContactRefusedException.class)
                .handled(true)
                .useOriginalMessage()
                .to("bean:deadLetterRecorder?method=record");
        // A mapping that does not fit the accounts fails every event until it is fixed: the journal keeps and retries
        // them (a line each); MappingCheck logs the problems once, so no error with a stack trace per attempt.
        config.onException(MappingMisfitException.class)
                .handled(false)
                .logExhausted(false);
        routeConfiguration(SYNC_PASSTHROUGH).errorHandler(noErrorHandler());
    }
}
