package io.contactsbridge.auth;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * Route {@code highlevel-app-lifecycle}: the journaled INSTALL and UNINSTALL webhooks of the HighLevel app, per
 * location in the order received, to {@link HighLevelAppLifecycle}. A Java route rather than a YAML one because
 * it is not wiring to edit: without it an uninstalled location would keep its tokens. A failure that may pass
 * leaves the event in the journal, retried with back-off.
 */
@Component
public class HighLevelAppLifecycleRoutes extends RouteBuilder {

    static final String CONSUMER = "highlevel-app-lifecycle";

    @Override
    public void configure() {
        // The Kamelet's own route (journal: to the sink) is named after this one, as Hawtio lists it.
        from("kamelet:highlevel-webhook-source/highlevel-app-lifecycle-source?consumer=" + CONSUMER
                + "&eventTypes=INSTALL,UNINSTALL")
                .routeId("highlevel-app-lifecycle")
                .bean("highLevelAppLifecycle", "apply");
    }
}
