package io.contactsbridge.ops;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns {@link MissingSettingsException} into Spring Boot's "APPLICATION FAILED TO START" report. */
public class MissingSettingsFailureAnalyzer extends AbstractFailureAnalyzer<MissingSettingsException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MissingSettingsException cause) {
        StringBuilder description = new StringBuilder("contacts-bridge is in live mode (bridge.mode=live, "
                + "the default for the packaged jar) and these required settings are missing:\n");
        for (RequiredSettings.Setting s : cause.missing()) {
            description.append("\n  - ").append(s.property())
                    .append(" (environment variable ").append(s.environmentVariable()).append("): ")
                    .append(s.purpose());
        }
        String action = "Set each missing setting (as an environment variable, a --property=value argument or in "
                + "application.properties), or try the bridge with the simulators first: "
                + "./mvnw spring-boot:run (or java -jar ... --spring.profiles.active=sandbox).";
        return new FailureAnalysis(description.toString(), action, cause);
    }
}
