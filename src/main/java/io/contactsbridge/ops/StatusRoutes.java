package io.contactsbridge.ops;

import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/** {@code GET /api/status}: what the bridge is and how it is doing, as JSON. Security decides who may ask. */
@Component
public class StatusRoutes extends RouteBuilder {

    @Override
    public void configure() {
        from("platform-http:/api/status?httpMethodRestrict=GET")
                .routeId("status-api")
                .bean("statusService", "status")
                .marshal().json()
                .setHeader(Exchange.CONTENT_TYPE, constant("application/json"));
    }
}
