package io.contactsbridge.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;

import io.contactsbridge.ops.BridgeMode;
import io.contactsbridge.ops.BridgeProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Where the token encryption key comes from.
 * <ul>
 * <li>{@code bridge.encryption.key} when set (live mode requires it; its format is checked here, at start-up).</li>
 * <li>Sandbox mode without a key and an in-memory store: a random key for this run. Nothing outlives
 *     the run, so there is nothing to keep readable.</li>
 * <li>Sandbox mode without a key and a persistent store (the default H2 file under ./data): a key
 *     generated once into {@code bridge.encryption.sandbox-key-file} (default
 *     {@code ./data/sandbox-encryption.key}, next to the store) and read on later runs, so tokens an
 *     earlier sandbox run stored stay readable. Delete it together with the store.</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
public class EncryptionConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(EncryptionConfiguration.class);

    @Bean
    public TokenCipher tokenCipher(AuthProperties props, BridgeProperties bridge, Environment env) {
        AuthProperties.Encryption e = props.encryption();
        if (StringUtils.hasText(e.key())) {
            return TokenCipher.fromBase64(e.key(), e.previousKeys());
        }
        if (bridge.bridgeMode() != BridgeMode.SANDBOX) {
            throw new InvalidEncryptionKeyException("bridge.encryption.key (environment variable BRIDGE_ENCRYPTION_KEY) "
                    + "is required in live mode: the base64 encoding of 32 random bytes. Generate one with: "
                    + "openssl rand -base64 32");
        }
        String url = env.getProperty("spring.datasource.url", "");
        if (url.startsWith("jdbc:h2:mem:")) {
            LOG.info("Sandbox: stored tokens are encrypted with a key generated for this run (the store is in memory)");
            return new TokenCipher(Base64.getDecoder().decode(TokenCipher.generateKey()), List.of());
        }
        Path file = Path.of(e.sandboxKeyFile()).toAbsolutePath().normalize();
        byte[] key = loadOrCreate(file);
        LOG.info("Sandbox: stored tokens are encrypted with the key in {} (generated on the first sandbox run; "
                + "delete it together with the store)", file);
        return new TokenCipher(key, e.previousKeys().stream()
                .map(k -> TokenCipher.parseKey("bridge.encryption.previous-keys", k)).toList());
    }

    /** Reads the sandbox key file, creating it with a new random key (owner-only permissions) when absent. */
    static byte[] loadOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                try {
                    Files.writeString(file, TokenCipher.generateKey() + "\n", StandardCharsets.US_ASCII,
                            StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    restrictToOwner(file);
                } catch (FileAlreadyExistsException raced) {
                    // Another process created it first: use theirs.
                }
            }
            return TokenCipher.parseKey("the sandbox key file " + file, Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read or create the sandbox encryption key file " + file, ex);
        }
    }

    private static void restrictToOwner(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
    }
}
