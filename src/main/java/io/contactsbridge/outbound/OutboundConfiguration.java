package io.contactsbridge.outbound;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
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
}
