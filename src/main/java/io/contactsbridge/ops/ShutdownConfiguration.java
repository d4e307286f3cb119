package io.contactsbridge.ops;

import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Connects the {@link ShutdownSignal} to the CamelContext, so a stop of Camel alone also begins it. */
@Configuration(proxyBeanMethods = false)
public class ShutdownConfiguration {

    @Bean
    CamelContextConfiguration shutdownSignalOnCamelStop(ShutdownSignal shutdown) {
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext camel) {
                camel.addLifecycleStrategy(shutdown.camelLifecycle());
            }

            @Override
            public void afterApplicationStart(CamelContext camel) {
                // nothing to do once started
            }
        };
    }
}
