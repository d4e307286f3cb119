package io.contactsbridge.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.support.PropertiesLoaderUtils;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code bridge.sandbox.overlap}: bound from the properties, 0.4 by default, refused outside 0..1. */
class SandboxPropertiesTest {

    @EnableConfigurationProperties(SandboxProperties.class)
    static class Binding {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Binding.class);

    @Test
    void theOverlapIsBound() {
        runner.withPropertyValues("bridge.sandbox.overlap=0.25", "bridge.sandbox.birdsend.contacts=20")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    SandboxProperties props = context.getBean(SandboxProperties.class);
                    assertThat(props.overlap()).isEqualTo(0.25);
                    assertThat(props.birdsend().contacts()).isEqualTo(20);
                });
    }

    @Test
    void theSandboxDefaultsShareFortyPercent() throws Exception {
        var defaults = PropertiesLoaderUtils.loadProperties(new ClassPathResource("config/sandbox.properties"));
        assertThat(defaults.getProperty("bridge.sandbox.overlap")).isEqualTo("0.4");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5", "-0.1", "NaN"})
    void anOverlapOutsideZeroToOneStopsTheStartWithAClearMessage(String overlap) {
        runner.withPropertyValues("bridge.sandbox.overlap=" + overlap).run(context -> {
            assertThat(context).hasFailed();
            Throwable cause = context.getStartupFailure();
            while (cause.getCause() != null && !(cause instanceof IllegalArgumentException)) {
                cause = cause.getCause();
            }
            assertThat(cause).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("bridge.sandbox.overlap must be a fraction from 0 to 1")
                    .hasMessageContaining(overlap);
        });
    }
}
