package io.contactsbridge.ingress;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import java.nio.charset.Charset;

import io.contactsbridge.ops.LogSafe;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.camel.component.platform.http.springboot.PlatformHttpMessage;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The webhook endpoints; the decisions are in the beans:
 * <ul>
 *   <li>{@code highlevel-webhook-ingress}: {@code POST /webhooks/highlevel} → {@link HighLevelWebhookIngress}</li>
 *   <li>{@code birdsend-notification-ingress}: {@code POST /webhooks/birdsend} → {@link BirdSendNotificationIngress}</li>
 * </ul>
 * Request headers (which carry signatures) are removed before answering, so nothing is echoed back.
 * An unexpected failure answers 429: HighLevel retries only 429s, and an event it gives up on is lost.
 */
@Component
public class IngressRoutes extends RouteBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(IngressRoutes.class);

    private final HighLevelWebhookIngress highLevel;
    private final BirdSendNotificationIngress birdSend;
    private final ObjectMapper json;

    public IngressRoutes(HighLevelWebhookIngress highLevel, BirdSendNotificationIngress birdSend, ObjectMapper json) {
        this.highLevel = highLevel;
        this.birdSend = birdSend;
        this.json = json;
    }

    @Override
    public void configure() {
        onException(Exception.class)
                .handled(true)
                .process(e -> LOG.error("Webhook {} failed unexpectedly: {}", e.getFromRouteId(),
                        LogSafe.of(e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class), 300)))
                .process(e -> answer(e, IngressAnswer.retryLater("internal_error", "The request could not be processed "
                        + "right now; retry later.", 30)));

        from("platform-http:" + IngressConfiguration.HIGHLEVEL_PATH + "?httpMethodRestrict=POST")
                .routeId("highlevel-webhook-ingress")
                .process(e -> answer(e, highLevel.receive(body(e), charset(e),
                        header(e, HighLevelSignatureVerifier.RSA_HEADER),
                        header(e, HighLevelSignatureVerifier.ED25519_HEADER))));

        from("platform-http:" + IngressConfiguration.BIRDSEND_PATH + "?httpMethodRestrict=POST")
                .routeId("birdsend-notification-ingress")
                .process(e -> answer(e, birdSend.receive(body(e), charset(e),
                        header(e, BirdSendNotificationIngress.TIMESTAMP_HEADER),
                        header(e, BirdSendNotificationIngress.SIGNATURE_HEADER))));
    }

    /** The body exactly as received: kept by {@link WebhookRequestLimits}, so no charset decoding touched it. */
    private static byte[] body(Exchange e) {
        HttpServletRequest request = e.getIn() instanceof PlatformHttpMessage http ? http.getRequest() : null;
        if (request != null && request.getAttribute(WebhookRequestLimits.RAW_BODY) instanceof byte[] raw) {
            return raw;
        }
        byte[] body = e.getMessage().getBody(byte[].class);
        return body == null ? new byte[0] : body;
    }

    private static Charset charset(Exchange e) {
        return WebhookRequestLimits.charsetOf(header(e, Exchange.CONTENT_TYPE));
    }

    private static String header(Exchange e, String name) {
        return e.getMessage().getHeader(name, String.class);
    }

    private void answer(Exchange e, IngressAnswer answer) throws JsonProcessingException {
        Message out = e.getMessage();
        out.removeHeaders("*");
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, answer.status());
        out.setHeader(Exchange.CONTENT_TYPE, "application/json");
        out.setHeader("Cache-Control", "no-store");
        if (answer.retryAfterSeconds() != null) {
            out.setHeader("Retry-After", String.valueOf(answer.retryAfterSeconds()));
        }
        out.setBody(json.writeValueAsString(answer.body()));
    }
}
