package io.contactsbridge.store;

import java.time.Clock;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Shared infrastructure beans of the store. */
@Configuration(proxyBeanMethods = false)
public class StoreConfiguration {

    /** One clock for everything that stamps rows, so tests can replace it. */
    @Bean
    @ConditionalOnMissingBean
    public Clock clock() {
        return Clock.systemUTC();
    }
}
