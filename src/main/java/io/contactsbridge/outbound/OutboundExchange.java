package io.contactsbridge.outbound;

/**
 * Exchange properties the outbound routes keep between their steps. Properties, not headers: headers
 * would be sent to the service by camel-http, and a redelivery resets the message but keeps these.
 */
final class OutboundExchange {

    /** The service of the entry route ({@code ServiceType}), set by the route itself. */
    static final String SERVICE = "BridgeOutboundService";
    /** The {@link OutboundRequest} of the current call. */
    static final String REQUEST = "BridgeOutboundRequest";
    /** The caller's headers and body, given back when the call ends (either way). */
    static final String CALLER_HEADERS = "BridgeOutboundCallerHeaders";
    static final String CALLER_BODY = "BridgeOutboundCallerBody";
    /** System.nanoTime() when the call, and the current attempt, started. */
    static final String CALL_STARTED = "BridgeOutboundCallStarted";
    static final String ATTEMPT_STARTED = "BridgeOutboundAttemptStarted";
    /** The {@link AccessToken} the current attempt is sent with. */
    static final String TOKEN = "BridgeOutboundToken";
    /** The {@link AccessToken} a refresh after a 401 produced; set at most once per call. */
    static final String REFRESHED_TOKEN = "BridgeOutboundRefreshedToken";
    /** Set when the rate budget had no slot within the maximum wait: the Duration to the next one. */
    static final String BUDGET_REFUSED = "BridgeOutboundBudgetRefused";
    /** The {@link RateBudget.Permit} of the current attempt, settled when its answer is in. */
    static final String PERMIT = "BridgeOutboundPermit";
    /** The base URL the HTTP endpoint is built from. */
    static final String BASE_URL = "BridgeOutboundBaseUrl";
    /** The endpoint of the connection's send route ({@link ConnectionSendRoutes}). */
    static final String SEND_ENDPOINT = "BridgeOutboundSendEndpoint";

    /** Everything of a previous call on the same exchange that must not leak into the next one. */
    static final String[] PER_CALL = {REQUEST, CALLER_HEADERS, CALLER_BODY, CALL_STARTED, ATTEMPT_STARTED,
        TOKEN, REFRESHED_TOKEN, BUDGET_REFUSED, PERMIT, BASE_URL, SEND_ENDPOINT, OutboundRetries.FAILED_ATTEMPTS,
        OutboundRetries.RETRYING};

    private OutboundExchange() {
    }
}
