package io.contactsbridge.auth;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import io.contactsbridge.ContactsBridgeApplication;
import io.contactsbridge.ops.BridgeProperties;
import io.contactsbridge.ops.MissingSettingsException;
import io.contactsbridge.ops.RequiredSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.support.PropertiesLoaderUtils;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Connection settings, their defaults, and where the encryption key comes from. */
class AuthConfigurationTest {

    @Test
    void theShippedDefaultsDescribeTheTwoConnections() throws Exception {
        Properties defaults = PropertiesLoaderUtils.loadProperties(new ClassPathResource("config/auth.properties"));
        AuthProperties props = bind(new HashMap<>(toMap(defaults)));

        assertThat(props.connections()).containsOnlyKeys("birdsend", "highlevel");
        ConnectionDefinition hl = ConnectionDefinition.fromSettings("highlevel", props.connections().get("highlevel"));
        assertThat(hl.view()).isEqualTo(new Connection("highlevel", ServiceType.HIGHLEVEL,
                CredentialKind.PRIVATE_INTEGRATION, "https://services.leadconnectorhq.com", null, null, null));
        assertThat(hl.oauth().tokenUrl()).isEqualTo("https://services.leadconnectorhq.com/oauth/token");
        assertThat(hl.oauth().authorizeUrl()).isEqualTo("https://marketplace.gohighlevel.com/v2/oauth/chooselocation");
        assertThat(hl.oauth().scopes()).startsWith("contacts.readonly contacts.write locations.readonly ");
        assertThat(hl.oauth().refreshTokenLifetime()).isEqualTo(Duration.ofDays(365));
        assertThat(hl.missingSettings()).containsExactly("bridge.connections.highlevel.token");

        ConnectionDefinition bs = ConnectionDefinition.fromSettings("birdsend", props.connections().get("birdsend"));
        assertThat(bs.view().baseUrl()).isEqualTo("https://api.birdsend.co/v1");
        assertThat(bs.kind()).isEqualTo(CredentialKind.PERSONAL_ACCESS_TOKEN);
        assertThat(props.publicUrl()).isEqualTo("http://localhost:8080");
        assertThat(props.auth().refreshMargin()).isEqualTo(Duration.ofMinutes(5));
        assertThat(props.auth().expiryWarning()).isEqualTo(Duration.ofDays(7));
        assertThat(props.auth().stateTtl()).isEqualTo(Duration.ofMinutes(10));

        Properties sandbox = PropertiesLoaderUtils.loadProperties(new ClassPathResource("config/auth-sandbox.properties"));
        Map<String, Object> merged = new HashMap<>(toMap(defaults));
        merged.putAll(toMap(sandbox));
        ConnectionDefinition sandboxHl = ConnectionDefinition.fromSettings("highlevel",
                bind(merged).connections().get("highlevel"));
        assertThat(sandboxHl.baseUrl()).as("the sandbox never reaches the real service").isNull();
        assertThat(sandboxHl.oauth().tokenUrl()).isNull();
    }

    @Test
    void connectionsBindFromRelaxedPropertiesAndHideTheirSecrets() {
        Map<String, Object> p = new HashMap<>();
        p.put("bridge.connections.hl-oauth.service", "highlevel");
        p.put("bridge.connections.hl-oauth.kind", "location-oauth");
        p.put("bridge.connections.hl-oauth.base-url", "https://services.leadconnectorhq.com");
        p.put("bridge.connections.hl-oauth.oauth.client-id", "app-id");
        p.put("bridge.connections.hl-oauth.oauth.client-secret", "client-secret-value");
        p.put("bridge.connections.hl-oauth.oauth.authorize-url", "https://marketplace.example/oauth/chooselocation");
        p.put("bridge.connections.hl-oauth.oauth.token-url", "https://services.example/oauth/token");
        p.put("bridge.connections.bs.kind", "PERSONAL_ACCESS_TOKEN");
        p.put("bridge.connections.bs.base-url", "https://api.birdsend.co/v1");
        p.put("bridge.connections.bs.token", "pat-secret-value");
        p.put("bridge.connections.bs.token-expires-at", "2026-06-30");
        p.put("bridge.auth.refresh-margin", "10m");
        AuthProperties props = bind(p);

        ConnectionDefinition oauth = ConnectionDefinition.fromSettings("hl-oauth", props.connections().get("hl-oauth"));
        assertThat(oauth.kind()).isEqualTo(CredentialKind.LOCATION_OAUTH);
        assertThat(oauth.missingSettings()).isEmpty();
        ConnectionDefinition pat = ConnectionDefinition.fromSettings("bs", props.connections().get("bs"));
        assertThat(pat.service()).isEqualTo(ServiceType.BIRDSEND);
        assertThat(pat.staticToken()).isEqualTo("pat-secret-value");
        assertThat(pat.staticTokenExpiresAt()).isEqualTo(Instant.parse("2026-06-30T00:00:00Z"));
        assertThat(props.auth().refreshMargin()).isEqualTo(Duration.ofMinutes(10));

        String printed = props + " " + oauth + " " + pat + " " + pat.view();
        assertThat(printed).doesNotContain("client-secret-value").doesNotContain("pat-secret-value").contains("****");
    }

    @Test
    void connectionsCanBeConfiguredFromEnvironmentVariables() {
        Map<String, Object> env = new HashMap<>();
        env.put("BRIDGE_CONNECTIONS_HL2_KIND", "location-oauth");
        env.put("BRIDGE_CONNECTIONS_HL2_BASEURL", "https://services.leadconnectorhq.com");
        env.put("BRIDGE_CONNECTIONS_HL2_OAUTH_CLIENTID", "app-id");
        env.put("BRIDGE_CONNECTIONS_HL2_OAUTH_CLIENTSECRET", "from-a-kubernetes-secret");
        env.put("BRIDGE_ENCRYPTION_KEY", "k");
        AuthProperties props = new Binder(ConfigurationPropertySources.from(new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env))).bindOrCreate("bridge",
                AuthProperties.class);

        ConnectionDefinition def = ConnectionDefinition.fromSettings("hl2", props.connections().get("hl2"));
        assertThat(def.kind()).isEqualTo(CredentialKind.LOCATION_OAUTH);
        assertThat(def.baseUrl()).isEqualTo("https://services.leadconnectorhq.com");
        assertThat(def.oauth().clientSecret()).isEqualTo("from-a-kubernetes-secret");
        assertThat(props.encryption().key()).isEqualTo("k");
    }

    @Test
    void inconsistentConnectionsAreRejectedWithTheSettingToFix() {
        Map<String, Object> p = new HashMap<>();
        p.put("bridge.connections.x.service", "birdsend");
        p.put("bridge.connections.x.kind", "private-integration");
        assertThatThrownBy(() -> ConnectionDefinition.fromSettings("x", bind(p).connections().get("x")))
                .hasMessageContaining("bridge.connections.x.kind=private-integration is a HighLevel kind")
                .hasMessageContaining("bridge.connections.x.service is BirdSend");

        assertThatThrownBy(() -> ConnectionDefinition.builder("Bad.Id", CredentialKind.OAUTH).build())
                .hasMessageContaining("connection id 'Bad.Id'");
        assertThatThrownBy(() -> ConnectionDefinition.builder("hl", CredentialKind.LOCATION_OAUTH).token("t").build())
                .hasMessageContaining("OAuth connections get their tokens at /oauth/connect/hl");
        assertThatThrownBy(() -> ConnectionDefinition.parseExpiry("bridge.connections.x.token-expires-at", "soon"))
                .hasMessageContaining("bridge.connections.x.token-expires-at must be a date");

        Map<String, Object> timing = new HashMap<>();
        timing.put("bridge.auth.http-timeout", "90s");
        timing.put("bridge.auth.lease-duration", "1m");
        assertThatThrownBy(() -> bind(timing)).isInstanceOf(BindException.class)
                .rootCause().hasMessageContaining("bridge.auth.lease-duration");
    }

    @Test
    void liveModeRequiresTheEncryptionKey() {
        MockEnvironment env = new MockEnvironment().withProperty("bridge.admin.password", "x")
                .withProperty("bridge.highlevel.webhook.ed25519-public-key", "x");
        assertThat(RequiredSettings.missing(env)).extracting(RequiredSettings.Setting::property)
                .containsExactly("bridge.encryption.key");
        assertThat(RequiredSettings.live()).filteredOn(s -> s.property().equals("bridge.encryption.key"))
                .singleElement().satisfies(s -> assertThat(s.environmentVariable()).isEqualTo("BRIDGE_ENCRYPTION_KEY"));

        SpringApplicationBuilder app = new SpringApplicationBuilder(ContactsBridgeApplication.class)
                .properties("bridge.mode=live", "bridge.admin.password=x", "bridge.encryption.key=",
                        "server.port=-1", "spring.datasource.url=jdbc:invalid:never-used");
        assertThatThrownBy(app::run).isInstanceOf(MissingSettingsException.class)
                .hasMessageContaining("bridge.encryption.key").hasMessageContaining("BRIDGE_ENCRYPTION_KEY");
    }

    @Test
    void aMalformedKeyStopsTheStartWithAClearMessage() {
        AuthProperties props = new AuthProperties(Map.of(), null,
                new AuthProperties.Encryption("dG9vLXNob3J0", null, null), null);
        assertThatThrownBy(() -> new EncryptionConfiguration().tokenCipher(props, live(), new MockEnvironment()))
                .isInstanceOf(InvalidEncryptionKeyException.class)
                .hasMessageContaining("bridge.encryption.key decodes to 9 bytes but must be exactly 32")
                .hasMessageNotContaining("dG9vLXNob3J0");
    }

    @Test
    void sandboxKeepsAGeneratedKeyNextToAFileStoreAndInMemoryForAnInMemoryStore(@TempDir Path dir) throws Exception {
        Path keyFile = dir.resolve("data/sandbox-encryption.key");
        AuthProperties props = new AuthProperties(Map.of(), null,
                new AuthProperties.Encryption(null, null, keyFile.toString()), null);
        MockEnvironment fileStore = new MockEnvironment()
                .withProperty("spring.datasource.url", "jdbc:h2:file:./data/contacts-bridge;MODE=PostgreSQL");

        TokenCipher first = new EncryptionConfiguration().tokenCipher(props, sandbox(), fileStore);
        String stored = first.encrypt("token-from-an-earlier-run", "connection/hl/access_token");
        TokenCipher second = new EncryptionConfiguration().tokenCipher(props, sandbox(), fileStore);
        assertThat(second.decrypt(stored, "connection/hl/access_token")).isEqualTo("token-from-an-earlier-run");
        assertThat(Files.readString(keyFile).strip()).hasSize(44);
        if (keyFile.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(Files.getPosixFilePermissions(keyFile))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        }

        MockEnvironment memoryStore = new MockEnvironment()
                .withProperty("spring.datasource.url", "jdbc:h2:mem:bridge;MODE=PostgreSQL");
        Path unused = dir.resolve("unused.key");
        AuthProperties memProps = new AuthProperties(Map.of(), null,
                new AuthProperties.Encryption(null, null, unused.toString()), null);
        TokenCipher a = new EncryptionConfiguration().tokenCipher(memProps, sandbox(), memoryStore);
        TokenCipher b = new EncryptionConfiguration().tokenCipher(memProps, sandbox(), memoryStore);
        assertThat(a.keyId()).isNotEqualTo(b.keyId());
        assertThat(unused).doesNotExist();

        Files.writeString(keyFile, "garbage");
        assertThatThrownBy(() -> new EncryptionConfiguration().tokenCipher(props, sandbox(), fileStore))
                .hasMessageContaining("the sandbox key file " + keyFile.toAbsolutePath().normalize());

        assertThatThrownBy(() -> new EncryptionConfiguration().tokenCipher(props, live(), fileStore))
                .isInstanceOf(InvalidEncryptionKeyException.class)
                .hasMessageContaining("bridge.encryption.key (environment variable BRIDGE_ENCRYPTION_KEY) is required");
    }

    private static BridgeProperties sandbox() {
        return new BridgeProperties("sandbox", new BridgeProperties.Admin("admin", "x"), new BridgeProperties.Instance("i"));
    }

    private static BridgeProperties live() {
        return new BridgeProperties("live", new BridgeProperties.Admin("admin", "x"), new BridgeProperties.Instance("i"));
    }

    private static AuthProperties bind(Map<String, Object> properties) {
        return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate("bridge", AuthProperties.class);
    }

    private static Map<String, Object> toMap(Properties p) {
        Map<String, Object> m = new HashMap<>();
        p.forEach((k, v) -> m.put((String) k, v));
        return m;
    }
}
