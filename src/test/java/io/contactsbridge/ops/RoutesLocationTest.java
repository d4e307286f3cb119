package io.contactsbridge.ops;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoutesLocationTest {

    @Test
    void defaultsToTheCheckoutsRoutesFolder() {
        // Tests run from the project folder, which has routes/.
        MockEnvironment env = new MockEnvironment();
        new RoutesLocation().postProcessEnvironment(env, new SpringApplication());
        assertThat(env.getProperty("camel.main.routes-include-pattern")).isEqualTo(RoutesLocation.LOCAL);
    }

    @Test
    void anExplicitExistingFolderIsUsedAsGiven(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.yaml"), "[]");
        String pattern = "file:" + dir + "/*.yaml";
        MockEnvironment env = new MockEnvironment().withProperty(RoutesLocation.PROPERTY, pattern);
        new RoutesLocation().postProcessEnvironment(env, new SpringApplication());
        assertThat(env.getProperty("camel.main.routes-include-pattern")).isEqualTo(pattern);
    }

    @Test
    void aMissingExplicitFolderStopsStartUpNamingIt(@TempDir Path dir) {
        String pattern = "file:" + dir.resolve("nope") + "/*.yaml";
        MockEnvironment env = new MockEnvironment().withProperty(RoutesLocation.PROPERTY, pattern);
        assertThatThrownBy(() -> new RoutesLocation().postProcessEnvironment(env, new SpringApplication()))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining(dir.resolve("nope").toString());
        var analysis = new InvalidSettingFailureAnalyzer()
                .analyze(new InvalidSettingException(RoutesLocation.PROPERTY, pattern, "x", "y"));
        assertThat(analysis.getDescription()).contains("BRIDGE_ROUTES_PATTERN");
    }

    @Test
    void classpathPatternsAreNotCheckedOnDisk() {
        MockEnvironment env = new MockEnvironment().withProperty(RoutesLocation.PROPERTY, RoutesLocation.PACKAGED);
        new RoutesLocation().postProcessEnvironment(env, new SpringApplication());
        assertThat(env.getProperty("camel.main.routes-include-pattern")).isEqualTo(RoutesLocation.PACKAGED);
    }
}
