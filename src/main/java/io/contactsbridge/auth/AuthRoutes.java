package io.contactsbridge.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The OAuth endpoints and the scheduled refresh:
 * <ul>
 * <li>{@code oauth-connect}: {@code GET /oauth/connect/{connectionId}} (admin login) → 302 to the service's consent page</li>
 * <li>{@code oauth-callback}: {@code GET /oauth/callback/{connectionId}?code&state} → stores the tokens, answers a
 *     page (or JSON when the caller accepts only JSON)</li>
 * <li>{@code token-refresh}: every {@code bridge.auth.refresh-check-interval}, refreshes tokens before they expire
 *     and updates the connection monitor</li>
 * </ul>
 * Request headers (which carry the code and state) are removed before answering, so nothing from
 * the request is echoed back as a response header.
 */
@Component
public class AuthRoutes extends RouteBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(AuthRoutes.class);

    private final OAuthFlow flow;
    private final TokenMaintenance maintenance;
    private final AuthProperties props;
    private final ObjectMapper json;

    public AuthRoutes(OAuthFlow flow, TokenMaintenance maintenance, AuthProperties props, ObjectMapper json) {
        this.flow = flow;
        this.maintenance = maintenance;
        this.props = props;
        this.json = json;
    }

    @Override
    public void configure() {
        onException(OAuthFlowException.class)
                .handled(true)
                .process(this::answerError);
        // Anything else: log it here and answer a plain page, never an exception trace to the browser.
        onException(Exception.class)
                .handled(true)
                .process(this::answerUnexpected);

        from("platform-http:/oauth/connect/{connectionId}?httpMethodRestrict=GET")
                .routeId("oauth-connect")
                .process(e -> {
                    String location = flow.start(e.getMessage().getHeader("connectionId", String.class));
                    Message out = e.getMessage();
                    out.removeHeaders("*");
                    out.setHeader(Exchange.HTTP_RESPONSE_CODE, 302);
                    out.setHeader("Location", location);
                    out.setHeader("Cache-Control", "no-store");
                    out.setBody("");
                });

        from("platform-http:/oauth/callback/{connectionId}?httpMethodRestrict=GET")
                .routeId("oauth-callback")
                .process(e -> {
                    Message in = e.getMessage();
                    boolean jsonWanted = wantsJson(in);
                    OAuthFlow.Connected connected = flow.complete(in.getHeader("connectionId", String.class),
                            in.getHeader("code", String.class), in.getHeader("state", String.class),
                            in.getHeader("error", String.class));
                    answer(e, 200, jsonWanted, jsonWanted ? OAuthPages.connectedJson(connected)
                            : OAuthPages.connectedHtml(connected));
                });

        // First run shortly after start, so a connection that needs attention is reported right away.
        from("timer:token-refresh?delay=1000&period=" + props.auth().refreshCheckInterval().toMillis())
                .routeId("token-refresh")
                .process(e -> maintenance.run());
    }

    private void answerError(Exchange e) {
        OAuthFlowException failure = e.getProperty(Exchange.EXCEPTION_CAUGHT, OAuthFlowException.class);
        boolean jsonWanted = wantsJson(e.getMessage());
        answer(e, failure.httpStatus(), jsonWanted, jsonWanted
                ? OAuthPages.errorJson(failure.httpStatus(), failure.getMessage())
                : OAuthPages.errorHtml(failure.httpStatus(), failure.getMessage()));
    }

    private void answerUnexpected(Exchange e) {
        Exception failure = e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        LOG.error("Route {} failed", e.getFromRouteId(), failure);
        if (!"token-refresh".equals(e.getFromRouteId())) {
            String message = "The bridge could not complete this request (" + failure.getClass().getSimpleName()
                    + "); the bridge log has the details. Try again later.";
            boolean jsonWanted = wantsJson(e.getMessage());
            answer(e, 500, jsonWanted, jsonWanted ? OAuthPages.errorJson(500, message) : OAuthPages.errorHtml(500, message));
        }
    }

    private void answer(Exchange e, int status, boolean jsonWanted, Object body) {
        Message out = e.getMessage();
        out.removeHeaders("*");
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        out.setHeader("Cache-Control", "no-store");
        if (jsonWanted) {
            out.setHeader(Exchange.CONTENT_TYPE, "application/json");
            try {
                out.setBody(json.writeValueAsString(body));
            } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                throw new IllegalStateException("cannot write the OAuth answer as JSON", ex);
            }
        } else {
            out.setHeader(Exchange.CONTENT_TYPE, "text/html; charset=utf-8");
            out.setBody(body);
        }
    }

    /** JSON for clients that accept only JSON; a page for browsers and everyone else (including {@code *}{@code /*}). */
    private static boolean wantsJson(Message in) {
        String accept = in.getHeader("Accept", String.class);
        if (accept == null || accept.isBlank()) {
            return false;
        }
        for (String type : accept.split(",")) {
            String t = type.split(";")[0].strip().toLowerCase(java.util.Locale.ROOT);
            if (!t.equals("application/json") && !(t.startsWith("application/") && t.endsWith("+json"))) {
                return false;
            }
        }
        return true;
    }
}
