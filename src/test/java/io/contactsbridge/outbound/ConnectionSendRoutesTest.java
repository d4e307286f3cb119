package io.contactsbridge.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.contactsbridge.auth.ServiceType;
import org.apache.camel.Route;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.support.RoutePolicySupport;
import org.junit.jupiter.api.Test;

/**
 * A connection's send route asked for while Camel is still starting (a backfill resumed at start-up calls at once):
 * it must exist and run once Camel has started, and asking again must not clash with a half-made route.
 */
class ConnectionSendRoutesTest {

    @Test
    void aRouteAskedForWhileCamelStartsRunsOnceItHasStarted() throws Exception {
        CountDownLatch holdStart = new CountDownLatch(1);
        CountDownLatch starting = new CountDownLatch(1);
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    routeTemplate(OutboundRoutes.sendTemplate(ServiceType.BIRDSEND))
                            .templateParameter(ConnectionSendRoutes.CONNECTION)
                            .from("direct:birdsend-send-{{" + ConnectionSendRoutes.CONNECTION + "}}")
                            .setBody(simple("sent by {{" + ConnectionSendRoutes.CONNECTION + "}}"));
                    // Holds Camel in its starting state, after it made the routes it knew of.
                    from("direct:slow-to-start").routeId("slow-to-start")
                            .routePolicy(new RoutePolicySupport() {
                                @Override
                                public void onStart(Route route) {
                                    starting.countDown();
                                    try {
                                        holdStart.await(30, TimeUnit.SECONDS);
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                }
                            })
                            .log("unused");
                }
            });
            CompletableFuture<Void> start = CompletableFuture.runAsync(camel::start);
            assertThat(starting.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(camel.getStatus().isStarting()).isTrue();

            ConnectionSendRoutes routes = new ConnectionSendRoutes(camel);
            CompletableFuture<String> asked = CompletableFuture.supplyAsync(() -> ensure(routes, "south"));
            // Asked while starting: it waits for Camel rather than leaving a route that never starts.
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !asked.isDone());
            holdStart.countDown();
            start.get(30, TimeUnit.SECONDS);

            assertThat(asked).succeedsWithin(Duration.ofSeconds(30)).isEqualTo("birdsend-send-south");
            assertThat(camel.getRouteController().getRouteStatus("birdsend-send-south").isStarted()).isTrue();
            assertThat(camel.createProducerTemplate().requestBody("direct:birdsend-send-south", "x", String.class))
                    .isEqualTo("sent by south");
            // Asked again (another thread, another call): the same route, no duplicate.
            assertThat(routes.ensure(ServiceType.BIRDSEND, "south")).isEqualTo("birdsend-send-south");
            assertThat(routes.breakers()).extracting(ConnectionSendRoutes.ConnectionBreaker::breakerId)
                    .containsExactly("birdsend-breaker-south");
        }
    }

    @Test
    void aRouteLeftAsADefinitionOnlyIsStartedNotAddedAgain() throws Exception {
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    routeTemplate(OutboundRoutes.sendTemplate(ServiceType.HIGHLEVEL))
                            .templateParameter(ConnectionSendRoutes.CONNECTION)
                            .from("direct:highlevel-send-{{" + ConnectionSendRoutes.CONNECTION + "}}")
                            .setBody(constant("sent"));
                }
            });
            camel.start();
            // What an earlier version left behind when it added the route while Camel started: a definition of the
            // route in the model, and no route.
            RouteDefinition left = new RouteDefinition("direct:highlevel-send-north");
            left.routeId("highlevel-send-north").setBody().constant("left");
            ((ModelCamelContext) camel).getRouteDefinitions().add(left);
            assertThat(camel.getRoute("highlevel-send-north")).isNull();

            ConnectionSendRoutes routes = new ConnectionSendRoutes(camel);
            assertThat(routes.ensure(ServiceType.HIGHLEVEL, "north")).isEqualTo("highlevel-send-north");
            assertThat(camel.createProducerTemplate().requestBody("direct:highlevel-send-north", "x", String.class))
                    .isEqualTo("left");
        }
    }

    private static String ensure(ConnectionSendRoutes routes, String connection) {
        try {
            return routes.ensure(ServiceType.BIRDSEND, connection);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
