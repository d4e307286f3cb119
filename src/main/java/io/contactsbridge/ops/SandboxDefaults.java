package io.contactsbridge.ops;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * In sandbox mode, generates the admin password when none is configured, so a newcomer needs no
 * set-up. {@link SandboxBanner} prints it once when the app is ready. Live mode never gets one.
 */
public class SandboxDefaults implements EnvironmentPostProcessor {

    static final String GENERATED_FLAG = "bridge.admin.password-generated";

    private static final SecureRandom RANDOM = new SecureRandom();

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
        if (BridgeMode.parse(env.getProperty(BridgeMode.PROPERTY)) != BridgeMode.SANDBOX
                || StringUtils.hasText(env.getProperty("bridge.admin.password"))) {
            return;
        }
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        env.getPropertySources().addFirst(new MapPropertySource("sandbox-generated",
                Map.of("bridge.admin.password", password, GENERATED_FLAG, "true")));
    }
}
