package io.contactsbridge.ops;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns {@link InvalidSettingException} into Spring Boot's start-up failure report. */
public class InvalidSettingFailureAnalyzer extends AbstractFailureAnalyzer<InvalidSettingException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidSettingException cause) {
        return new FailureAnalysis("The setting " + cause.property() + " (environment variable "
                + RequiredSettings.toEnvironmentVariable(cause.property()) + ") cannot be used: " + cause.problem() + ".",
                cause.action(), cause);
    }
}
