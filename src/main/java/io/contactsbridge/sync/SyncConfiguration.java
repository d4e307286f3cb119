package io.contactsbridge.sync;

import io.contactsbridge.mapping.ContactMapping;
import io.contactsbridge.ops.InvalidSettingException;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SyncProperties.class)
public class SyncConfiguration {

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
}
