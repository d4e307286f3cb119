package io.contactsbridge.outbound;

import java.io.IOException;

import io.contactsbridge.auth.ServiceType;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * The routes every call to HighLevel or BirdSend goes through: two per service, and one send route per connection.
 * <ul>
 *   <li>{@code direct:<service>-call} (route {@code <service>-call}): the entry point (contract in
 *       {@link OutboundHeaders}). Reads the request, hands it to the retry route, and returns the
 *       answer or fails with a typed {@link UpstreamApiException}. It has no error handler of its own:
 *       the final failure is caught and thrown again as the caller's own, so the caller's error
 *       handling (a dead-letter channel, say) sees it. Camel would otherwise consider a failure that
 *       an inner route's error handler already dealt with as done.</li>
 *   <li>{@code direct:<service>-retry} (route {@code <service>-retry}, route configuration
 *       {@code outbound-errors}): sends through the connection's send route; after a 401 refreshes the token once
 *       and sends again. Redelivers a failed send (429, 5xx, I/O, open circuit) with backoff.</li>
 *   <li>{@code direct:<service>-send-<connection>} (route {@code <service>-send-<connection>}, route configuration
 *       {@code outbound-passthrough}): one attempt. Made from route template {@code <service>-send} on the
 *       connection's first call ({@link ConnectionSendRoutes}), so each connection has a circuit breaker of its own
 *       and one failing account does not stop the others. The caller's share of the rate budget when it names one
 *       ({@link CallerShare}), token, then inside the connection's resilience4j circuit breaker (id
 *       {@code <service>-breaker-<connection>}, the service's named configuration
 *       {@code camel.resilience4j.configurations.<service>.*}) a rate-budget slot and the HTTP request
 *       (camel-http, timeouts and pool from {@code bridge.outbound.<service>.*}).</li>
 * </ul>
 * {@code <connection>} is the connection id, escaped where it has characters an id should not
 * ({@link ConnectionSendRoutes#key}). The logic is in {@link OutboundCallSteps} and {@link OutboundAttemptSteps}.
 */
@Component
public class OutboundRoutes extends RouteBuilder {

    private final OutboundProperties props;
    private final OutboundCallSteps callSteps;
    private final OutboundAttemptSteps attemptSteps;
    private final ConnectionSendRoutes sendRoutes;

    public OutboundRoutes(OutboundProperties props, OutboundCallSteps callSteps, OutboundAttemptSteps attemptSteps,
                          ConnectionSendRoutes sendRoutes) {
        this.props = props;
        this.callSteps = callSteps;
        this.attemptSteps = attemptSteps;
        this.sendRoutes = sendRoutes;
    }

    /** The endpoint URI of a service's entry route, e.g. {@code direct:highlevel-call}. */
    public static String callEndpoint(ServiceType service) {
        return "direct:" + UpstreamCall.id(service) + "-call";
    }

    /** The route template a service's per-connection send routes are made from, e.g. {@code highlevel-send}. */
    static String sendTemplate(ServiceType service) {
        return UpstreamCall.id(service) + "-send";
    }

    @Override
    public void configure() {
        for (ServiceType service : ServiceType.values()) {
            String id = UpstreamCall.id(service);
            String retry = "direct:" + id + "-retry";
            // The connection's send route, made if need be by the step before. toD keeps a producer per endpoint, up
            // to Camel's default of 1000: a few hundred connections fit; past that an evicted direct producer is
            // simply made again.
            String send = "${exchangeProperty." + OutboundExchange.SEND_ENDPOINT + "}";

            from(callEndpoint(service))
                    .routeId(id + "-call")
                    .routeConfigurationId(OutboundErrorHandling.OUTBOUND_PASSTHROUGH)
                    .description(service.displayName() + " API call: token, rate budget, circuit breaker, retries")
                    .setProperty(OutboundExchange.SERVICE, constant(service))
                    .bean(callSteps, "prepare")
                    .doTry()
                        .to(retry)
                    .doCatch(Exception.class)
                        .bean(callSteps, "failed")
                    .end()
                    .bean(callSteps, "complete");

            from(retry)
                    .routeId(id + "-retry")
                    .routeConfigurationId(OutboundErrorHandling.OUTBOUND_ERRORS)
                    .description(service.displayName() + " request with retries and one token refresh after a 401,"
                            + " sent through the connection's send route")
                    .bean(sendRoutes, "ensureRoute")
                    .toD(send)
                    .filter(method(callSteps, "tokenRejected"))
                        .bean(callSteps, "refreshToken")
                        .toD(send)
                    .end();

            routeTemplate(sendTemplate(service))
                    .templateParameter(ConnectionSendRoutes.CONNECTION)
                    .from("direct:" + id + "-send-{{" + ConnectionSendRoutes.CONNECTION + "}}")
                    .routeConfigurationId(OutboundErrorHandling.OUTBOUND_PASSTHROUGH)
                    .description("One " + service.displayName()
                            + " HTTP attempt, in the connection's own circuit breaker")
                    .bean(attemptSteps, "awaitCallerShare")
                    .bean(attemptSteps, "authorize")
                    .circuitBreaker().id(id + "-breaker-{{" + ConnectionSendRoutes.CONNECTION + "}}").configuration(id)
                        .bean(attemptSteps, "acquireBudget")
                        .filter(method(attemptSteps, "hasSlot"))
                            .bean(attemptSteps, "toHttpRequest")
                            .doTry()
                                .toD("${exchangeProperty." + OutboundExchange.BASE_URL + "}?" + httpOptions(service))
                            .doCatch(IOException.class)
                                .bean(attemptSteps, "ioFailure")
                            .end()
                            .bean(attemptSteps, "inspectResponse")
                        .end()
                    .end()
                    .bean(attemptSteps, "afterBreaker");
        }
    }

    private String httpOptions(ServiceType service) {
        OutboundProperties.Service s = props.service(service);
        // Every status comes back as an answer; the steps judge it. DELETE may carry a JSON body (HighLevel's do).
        return "throwExceptionOnFailure=false&deleteWithBody=true&followRedirects=false"
                + "&httpClientConfigurer=#outboundHttpClientConfigurer&userAgent=contacts-bridge"
                + "&connectTimeout=" + s.connectTimeout().toMillis()
                + "&responseTimeout=" + s.responseTimeout().toMillis()
                + "&connectionRequestTimeout=" + s.connectionRequestTimeout().toMillis()
                + "&maxTotalConnections=" + s.maxConnections() + "&connectionsPerRoute=" + s.maxConnections();
    }
}
