package io.contactsbridge.ops;

import io.contactsbridge.ContactsBridgeApplication;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Live mode refuses to start without its settings and says which ones, before anything else starts. */
class LiveSettingsCheckTest {

    @Test
    void liveModeWithoutAdminPasswordFailsFastNamingTheSetting() {
        SpringApplicationBuilder app = new SpringApplicationBuilder(ContactsBridgeApplication.class)
                .properties("bridge.mode=live", "bridge.admin.password=",
                        // proves nothing else started: a server or database would need these
                        "server.port=-1", "spring.datasource.url=jdbc:invalid:never-used");
        assertThatThrownBy(app::run)
                .isInstanceOf(MissingSettingsException.class)
                .hasMessageContaining("bridge.admin.password")
                .hasMessageContaining("BRIDGE_ADMIN_PASSWORD");
    }

    @Test
    void failureReportNamesEverySettingAndTheWayOut() {
        var missing = RequiredSettings.missing(new MockEnvironment());
        FailureAnalysis analysis = new MissingSettingsFailureAnalyzer()
                .analyze(new MissingSettingsException(missing));
        for (RequiredSettings.Setting s : RequiredSettings.live()) {
            assertThat(analysis.getDescription()).contains(s.property(), s.environmentVariable(), s.purpose());
        }
        assertThat(analysis.getAction()).contains("./mvnw spring-boot:run");
    }

    @Test
    void satisfiedWhenEverySettingIsPresent() {
        MockEnvironment env = new MockEnvironment();
        RequiredSettings.live().forEach(s -> env.setProperty(s.property(), "x"));
        assertThat(RequiredSettings.missing(env)).isEmpty();
    }

    @Test
    void anUnknownModeCountsAsLive() {
        assertThat(BridgeMode.parse("Sandbox ")).isEqualTo(BridgeMode.SANDBOX);
        assertThat(BridgeMode.parse("sandbx")).isEqualTo(BridgeMode.LIVE);
        assertThat(BridgeMode.parse(null)).isEqualTo(BridgeMode.LIVE);
    }

    @Test
    void environmentVariableNamesFollowRelaxedBinding() {
        assertThat(RequiredSettings.toEnvironmentVariable("bridge.admin.password")).isEqualTo("BRIDGE_ADMIN_PASSWORD");
        assertThat(RequiredSettings.toEnvironmentVariable("bridge.routes-pattern")).isEqualTo("BRIDGE_ROUTES_PATTERN");
    }
}
