package io.contactsbridge.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Tells the person who ran {@code ./mvnw spring-boot:run} where to look and how to log in. The
 * generated sandbox password is printed here and nowhere else; a configured one is never printed.
 */
@Component
@ConditionalOnProperty(name = BridgeMode.PROPERTY, havingValue = "sandbox")
public class SandboxBanner {

    private static final Logger LOG = LoggerFactory.getLogger(SandboxBanner.class);

    private final Environment env;
    private final BridgeProperties props;

    public SandboxBanner(Environment env, BridgeProperties props) {
        this.env = env;
        this.props = props;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void printOnce() {
        String base = "http://localhost:" + env.getProperty("local.server.port", "8080");
        boolean generated = Boolean.parseBoolean(env.getProperty(SandboxDefaults.GENERATED_FLAG));
        String login = props.admin().username() + " / "
                + (generated ? props.admin().password() + "   (generated for this run)" : "(the configured bridge.admin.password)");
        LOG.info("""

                ================================================================
                 contacts-bridge is running in SANDBOX mode
                   status  : {}/api/status
                   health  : {}/actuator/health
                   console : {}/actuator/hawtio
                   login   : {}
                ================================================================""",
                base, base, base, login);
    }
}
