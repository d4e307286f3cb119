package io.contactsbridge.outbound;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Message;
import org.springframework.stereotype.Component;

/**
 * The steps of one HTTP attempt (routes {@code <service>-send-<connection>}): the caller's share (when it
 * names one), token, rate-budget slot, the HTTP request, and the reading of the answer. Inside the circuit
 * breaker only 429, 5xx and I/O failures are thrown, because whatever is thrown there counts as a breaker
 * failure; a 4xx comes back as an answer and is judged by the call route.
 */
@Component("outboundAttemptSteps")
public class OutboundAttemptSteps {

    private static final ExchangePropertyKey[] BREAKER_OUTCOME = {
        ExchangePropertyKey.CIRCUIT_BREAKER_RESPONSE_SUCCESSFUL_EXECUTION,
        ExchangePropertyKey.CIRCUIT_BREAKER_RESPONSE_FROM_FALLBACK,
        ExchangePropertyKey.CIRCUIT_BREAKER_RESPONSE_SHORT_CIRCUITED,
        ExchangePropertyKey.CIRCUIT_BREAKER_RESPONSE_TIMED_OUT,
        ExchangePropertyKey.CIRCUIT_BREAKER_RESPONSE_REJECTED,
        ExchangePropertyKey.CIRCUIT_BREAKER_RESPONSE_IGNORED,
        ExchangePropertyKey.CIRCUIT_BREAKER_RESPONSE_STATE,
    };

    private final OutboundProperties props;
    private final OutboundTokens tokens;
    private final RateBudgets budgets;
    private final OutboundMetrics metrics;
    private final ObjectMapper json;
    private final Clock clock;

    OutboundAttemptSteps(OutboundProperties props, OutboundTokens tokens, RateBudgets budgets, OutboundMetrics metrics,
                         ObjectMapper json, Clock clock) {
        this.props = props;
        this.tokens = tokens;
        this.budgets = budgets;
        this.metrics = metrics;
        this.json = json;
        this.clock = clock;
    }

    /**
     * When the call names its caller's {@link CallerShare}: waits for the caller's next slot at that share (and gives
     * way to the connection's other callers, see {@link CallerPace}). Before the circuit breaker and the connection's
     * budget, so a caller waiting for its share holds nothing of the connection's and counts as no failure.
     */
    public void awaitCallerShare(Exchange exchange) throws InterruptedException {
        OutboundRequest request = OutboundCallSteps.request(exchange);
        if (request.share() != null) {
            UpstreamCall call = request.call();
            budgets.pace(call.service(), call.connectionId(), request.share()).await();
        }
    }

    /**
     * Starts an attempt: forgets the previous attempt's breaker outcome (a redelivery keeps exchange
     * properties) and picks the token: the refreshed one after a 401, else the provider's current one.
     */
    public void authorize(Exchange exchange) {
        for (ExchangePropertyKey key : BREAKER_OUTCOME) {
            exchange.removeProperty(key.getName());
        }
        exchange.removeProperty(OutboundExchange.BUDGET_REFUSED);
        exchange.removeProperty(OutboundExchange.PERMIT);
        AccessToken refreshed = exchange.getProperty(OutboundExchange.REFRESHED_TOKEN, AccessToken.class);
        exchange.setProperty(OutboundExchange.TOKEN,
                refreshed != null ? refreshed : tokens.current(OutboundCallSteps.request(exchange).call()));
    }

    /** Waits for a slot in the connection's rate budget; marks the exchange when none comes in time. */
    public void acquireBudget(Exchange exchange) throws InterruptedException {
        UpstreamCall call = OutboundCallSteps.request(exchange).call();
        RateBudget.Permit permit = budget(call).acquire(props.service(call.service()).rate().maxWait());
        metrics.budgetWait(call, permit.waited(), permit.granted());
        if (permit.granted()) {
            exchange.setProperty(OutboundExchange.PERMIT, permit);
        } else {
            // Not thrown here: inside the breaker it would count as a failure of the service.
            exchange.setProperty(OutboundExchange.BUDGET_REFUSED, permit.nextSlotIn());
        }
    }

    public boolean hasSlot(Exchange exchange) {
        return exchange.getProperty(OutboundExchange.BUDGET_REFUSED) == null;
    }

    /** Puts exactly the HTTP request on the message: nothing of the caller's reaches the service. */
    public void toHttpRequest(Exchange exchange) {
        OutboundRequest request = OutboundCallSteps.request(exchange);
        OutboundProperties.Service service = props.service(request.call().service());
        Message m = exchange.getMessage();
        m.getHeaders().clear();
        request.headers().forEach(m::setHeader);
        m.setHeader("Authorization", "Bearer " + exchange.getProperty(OutboundExchange.TOKEN, AccessToken.class).value());
        if (service.apiVersion() != null && !service.apiVersion().isBlank()) {
            m.setHeader(OutboundHeaders.HIGHLEVEL_VERSION_HEADER, service.apiVersion());
        }
        m.setHeader("Accept", "application/json");
        m.setHeader(Exchange.HTTP_METHOD, request.method());
        m.setHeader(Exchange.HTTP_PATH, request.path());
        if (request.query() != null) {
            m.setHeader(Exchange.HTTP_QUERY, request.query());
        }
        if (request.body() != null) {
            m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        }
        m.setBody(request.body());
        RequestSendTime.clear();
        exchange.setProperty(OutboundExchange.ATTEMPT_STARTED, System.nanoTime());
    }

    /** No HTTP answer (connect refused, reset, timeout). */
    public void ioFailure(Exchange exchange) {
        UpstreamCall call = OutboundCallSteps.request(exchange).call();
        settle(budget(call), exchange);
        metrics.attempt(call, "io-error", exchange.getProperty(OutboundExchange.ATTEMPT_STARTED, 0L, Long.class));
        Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        IOException io = null;
        for (Throwable t = caught; t != null && io == null; t = t.getCause()) {
            io = t instanceof IOException e ? e : null;
        }
        throw new UpstreamUnavailableException(call, io != null ? io : new IOException(String.valueOf(caught), caught));
    }

    /**
     * Reads the answer: corrects the rate budget from its headers, pauses the connection on 429, and
     * throws for 429 and 5xx. Leaves only {@link OutboundHeaders#STATUS} and the body text on the
     * message, so neither the token nor the service's headers travel further.
     */
    public void inspectResponse(Exchange exchange) {
        UpstreamCall call = OutboundCallSteps.request(exchange).call();
        Message m = exchange.getMessage();
        int status = m.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        RateBudget budget = budget(call);
        settle(budget, exchange);
        budget.observe(name -> m.getHeader(name, String.class));
        Duration retryAfter = RetryAfter.parse(m.getHeader("Retry-After", String.class), clock);
        String text = m.getBody(String.class);
        m.getHeaders().clear();
        m.setHeader(OutboundHeaders.STATUS, status);
        m.setBody(text);
        metrics.attempt(call, OutboundMetrics.outcomeOf(status),
                exchange.getProperty(OutboundExchange.ATTEMPT_STARTED, 0L, Long.class));
        if (status == 429) {
            budget.rateLimited(retryAfter);
            throw new UpstreamRateLimitedException(call, UpstreamError.parse(json, text), retryAfter);
        }
        if (status >= 500) {
            throw new UpstreamUnavailableException(call, status, UpstreamError.parse(json, text), retryAfter);
        }
    }

    /** Reports, as typed errors, what the breaker and the budget decided without an exception. */
    public void afterBreaker(Exchange exchange) {
        UpstreamCall call = OutboundCallSteps.request(exchange).call();
        boolean rejected = exchange.getProperty(ExchangePropertyKey.CIRCUIT_BREAKER_RESPONSE_REJECTED.getName(),
                false, Boolean.class);
        Duration refused = exchange.getProperty(OutboundExchange.BUDGET_REFUSED, Duration.class);
        if (rejected) {
            metrics.attempt(call, "circuit-open", 0);
            throw new CircuitOpenException(call);
        }
        if (refused != null) {
            throw new RateBudgetExhaustedException(call, refused, props.service(call.service()).rate().maxWait());
        }
    }

    /** The attempt is over: its budget entry is corrected by when the request left, or else by now. */
    private static void settle(RateBudget budget, Exchange exchange) {
        RateBudget.Permit permit = exchange.getProperty(OutboundExchange.PERMIT, RateBudget.Permit.class);
        Duration sentAgo = RequestSendTime.takeSentAgo();
        if (sentAgo != null) {
            budget.settle(permit, sentAgo);
        } else {
            budget.settle(permit);
        }
    }

    private RateBudget budget(UpstreamCall call) {
        return budgets.forConnection(call.service(), call.connectionId());
    }
}
