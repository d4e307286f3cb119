package io.contactsbridge.outbound;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;

/** Defaults that another package may replace. */
@Configuration(proxyBeanMethods = false)
public class OutboundConfiguration {

    /** Connections as configured in properties, when no other {@link OutboundTargets} bean (the registry's) exists. */
    @Bean
    @ConditionalOnMissingBean(OutboundTargets.class)
    public PropertyOutboundTargets propertyOutboundTargets(Environment env, OutboundProperties props) {
        return new PropertyOutboundTargets(env, props);
    }

    /**
     * Tags resilience4j's circuit-breaker meters ({@code resilience4j.circuitbreaker.*}, tagged {@code name} with the
     * breaker's id) with the {@code service} and {@code connection} the breaker is for, so a dashboard can select
     * connections without parsing ids. Every such meter gets both tags ({@code none} for a breaker of another kind):
     * Prometheus wants one set of tag names per metric.
     */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE) // before the pair tags, which go by the connection tag
    public MeterFilter circuitBreakerConnectionTags() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                if (!id.getName().startsWith("resilience4j.circuitbreaker")) {
                    return id;
                }
                return ConnectionSendRoutes.breakerNamed(id.getTag("name"))
                        .map(b -> id.withTags(Tags.of("service", UpstreamCall.id(b.service()),
                                "connection", b.connectionId())))
                        .orElseGet(() -> id.withTags(Tags.of("service", "none", "connection", "none")));
            }
        };
    }
}
