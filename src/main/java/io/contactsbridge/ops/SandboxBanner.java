package io.contactsbridge.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

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
 * generated sandbox password is printed here, and written to {@code bridge.sandbox.admin-password-file}
 * (readable by the owner only) so that scripts and the README's commands can log in; a configured
 * password is never printed nor written.
 */
@Component
@ConditionalOnProperty(name = BridgeMode.PROPERTY, havingValue = "sandbox")
public class SandboxBanner {

    private static final Logger LOG = LoggerFactory.getLogger(SandboxBanner.class);

    private final Environment env;
    private final BridgeProperties props;
    private final Path passwordFile;

    public SandboxBanner(Environment env, BridgeProperties props,
                         @Value("${bridge.sandbox.admin-password-file:./data/sandbox-admin-password}") Path passwordFile) {
        this.env = env;
        this.props = props;
        this.passwordFile = passwordFile;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void printOnce() {
        String base = "http://localhost:" + env.getProperty("local.server.port", "8080");
        boolean generated = Boolean.parseBoolean(env.getProperty(SandboxDefaults.GENERATED_FLAG));
        String login = props.admin().username() + " / "
                + (generated ? props.admin().password() + "   (generated for this run" + written() + ")"
                : "(the configured bridge.admin.password)");
        LOG.info("""

                ================================================================
                 contacts-bridge is running in SANDBOX mode
                   dashboard : {}/
                   status    : {}/api/status
                   health    : {}/actuator/health
                   console   : {}/actuator/hawtio
                   login     : {}
                ================================================================""",
                base, base, base, base, login);
    }

    /** Writes the generated password to the file; "; also in <file>", or "" when it could not. */
    private String written() {
        try {
            Path file = passwordFile.toAbsolutePath().normalize();
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            Files.writeString(file, props.admin().password());
            return "; also in " + passwordFile;
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not write the sandbox admin password to {}: {}", passwordFile, e.toString());
            return "";
        }
    }
}
