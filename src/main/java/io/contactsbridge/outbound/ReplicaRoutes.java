package io.contactsbridge.outbound;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * Route {@code replica-membership}: every {@code bridge.replicas.interval} this replica renews its membership, takes
 * its share of the rate limits ({@link RateAllotment}) and shares its circuit breakers' openings
 * ({@link SharedCircuits}). Running alone, it does the same and keeps the whole budget. It fires at once when it
 * starts: the renewal made before the routes started is the only one until then.
 */
@Component
public class ReplicaRoutes extends RouteBuilder {

    @Override
    public void configure() {
        from("timer:replica-membership?period={{bridge.replicas.interval}}&delay=0")
                .routeId("replica-membership")
                .description("Renews this replica's membership; divides rate limits and shares circuit openings")
                .bean("rateAllotment", "refresh")
                .bean("sharedCircuits", "refresh");
    }
}
