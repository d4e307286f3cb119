package io.contactsbridge.ingress;

import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.DispatcherType;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Puts {@link WebhookRequestLimits} in front of the two webhook paths (and nothing else). */
@Configuration(proxyBeanMethods = false)
public class IngressConfiguration {

    static final String HIGHLEVEL_PATH = "/webhooks/highlevel";
    static final String BIRDSEND_PATH = "/webhooks/birdsend";

    @Bean
    public FilterRegistrationBean<WebhookRequestLimits> webhookRequestLimits(IngressProperties props,
                                                                              IngressMetrics metrics, ObjectMapper json) {
        WebhookRequestLimits filter = new WebhookRequestLimits(Map.of(
                HIGHLEVEL_PATH, HighLevelWebhookIngress.SOURCE,
                BIRDSEND_PATH, BirdSendNotificationIngress.SOURCE), props, metrics, json);
        FilterRegistrationBean<WebhookRequestLimits> registration = new FilterRegistrationBean<>(filter);
        registration.addUrlPatterns(HIGHLEVEL_PATH, HIGHLEVEL_PATH + "/", BIRDSEND_PATH, BIRDSEND_PATH + "/");
        registration.setName("webhookRequestLimits");
        // The body is read asynchronously and the request dispatched again once it is whole.
        registration.setAsyncSupported(true);
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
        return registration;
    }
}
