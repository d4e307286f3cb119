package io.contactsbridge.sync;

import java.util.List;
import java.util.Map;

import io.contactsbridge.support.LogCapture;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/** A setting of an earlier version that no longer does anything is accepted, with a warning naming it. */
class RemovedSyncSettingsTest {

    @Test
    void theBackfillsRetryPauseIsAcceptedWithAWarningInEitherForm() {
        assertThat(warningsWith(new MockEnvironment().withProperty("bridge.sync.backfill.retry-pause", "2s"))).hasSize(1);
        // As an environment variable, in the form the README gives for settings.
        MockEnvironment fromVariables = new MockEnvironment();
        fromVariables.getPropertySources().addFirst(new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of("BRIDGE_SYNC_BACKFILL_RETRYPAUSE", "2s")));
        assertThat(warningsWith(fromVariables)).hasSize(1);
        assertThat(warningsWith(new MockEnvironment().withProperty("bridge.sync.backfill.workers", "8"))).isEmpty();
    }

    private static List<LogCapture.Captured> warningsWith(MockEnvironment environment) {
        try (LogCapture log = LogCapture.open()) {
            new SyncConfiguration().removedSyncSettings(environment).afterSingletonsInstantiated();
            return log.events(c -> c.message().contains("bridge.sync.backfill.retry-pause is no longer used"));
        }
    }
}
