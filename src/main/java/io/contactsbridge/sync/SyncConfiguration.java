package io.contactsbridge.sync;

import io.contactsbridge.mapping.ContactMapping;
import io.contactsbridge.ops.InvalidSettingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SyncProperties.class)
public class SyncConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(SyncConfiguration.class);
    /** A setting of earlier versions that no longer does anything (the journal retries what the backfill hands over). */
    static final String REMOVED_RETRY_PAUSE = "bridge.sync.backfill.retry-pause";

    /** Loaded (and checked) at start-up: an invalid mapping stops the application with the line and the problem. */
    @Bean
    ContactMapping contactMapping(SyncProperties props, ResourceLoader resources) {
        Resource resource = resources.getResource(props.mapping());
        if (!resource.exists()) {
            throw new InvalidSettingException("bridge.sync.mapping", props.mapping(), "no such file",
                    "Point bridge.sync.mapping (BRIDGE_SYNC_MAPPING) at the contact mapping YAML, e.g. file:/config/contacts.yaml,"
                            + " or remove it to use the one shipped in the jar (classpath:mapping/contacts.yaml).");
        }
        return ContactMapping.load(resource);
    }

    /**
     * Names a removed setting that is still set (in any form: property, environment variable), once at start-up: it is
     * accepted and ignored, so an old configuration still starts.
     */
    @Bean
    SmartInitializingSingleton removedSyncSettings(Environment environment) {
        return () -> {
            if (Binder.get(environment).bind(REMOVED_RETRY_PAUSE, String.class).isBound()) {
                LOG.warn("{} is no longer used and is ignored: a backfill item that fails while a service is down is handed"
                        + " to the live sync, which retries it with bridge.journal.retry-*; remove the setting",
                        REMOVED_RETRY_PAUSE);
            }
        };
    }
}
