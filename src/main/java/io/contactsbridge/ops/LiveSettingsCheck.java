package io.contactsbridge.ops;

import java.util.List;

import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;

/**
 * Fails fast, before any bean, route or database connection starts, when live mode lacks a
 * required setting. Registered in {@code META-INF/spring.factories} because it must run before the
 * application context exists.
 */
public class LiveSettingsCheck implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        var env = event.getEnvironment();
        if (BridgeMode.parse(env.getProperty(BridgeMode.PROPERTY)) != BridgeMode.LIVE) {
            return;
        }
        List<RequiredSettings.Setting> missing = RequiredSettings.missing(env);
        if (!missing.isEmpty()) {
            throw new MissingSettingsException(missing);
        }
    }
}
