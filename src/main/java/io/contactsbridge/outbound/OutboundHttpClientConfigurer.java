package io.contactsbridge.outbound;

import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.springframework.stereotype.Component;

/**
 * Applied to the outbound HTTP endpoints ({@code httpClientConfigurer=#outboundHttpClientConfigurer}):
 * Apache HttpClient's own automatic retry is switched off. It would resend a request after a dropped
 * connection behind the back of the rate budget, the circuit breaker and the retry policy. And the
 * time each request is really sent is recorded ({@link RequestSendTime}) for the rate budget.
 */
@Component("outboundHttpClientConfigurer")
public class OutboundHttpClientConfigurer implements HttpClientConfigurer {

    @Override
    public void configureHttpClient(HttpClientBuilder builder) {
        builder.disableAutomaticRetries();
        builder.addExecInterceptorBefore(ChainElement.MAIN_TRANSPORT.name(), "bridge-send-time", RequestSendTime.RECORDER);
    }
}
