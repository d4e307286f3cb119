package io.contactsbridge.mapping;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns an unusable contact mapping file into Spring Boot's start-up failure report, listing every problem. */
public class MappingFailureAnalyzer extends AbstractFailureAnalyzer<MappingException> {

    /** The setting that names the mapping file (read by the sync). */
    static final String MAPPING_PROPERTY = "bridge.sync.mapping";

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MappingException cause) {
        StringBuilder description = new StringBuilder("The contact mapping ").append(cause.sourceName())
                .append(" cannot be used (").append(cause.problems().size())
                .append(cause.problems().size() == 1 ? " problem" : " problems").append("):");
        for (MappingException.Problem problem : cause.problems()) {
            description.append("\n    ").append(problem.line() > 0 ? "line " + problem.line() + ": " : "")
                    .append(problem.message());
        }
        String action = "Fix the mapping file " + cause.sourceName() + " (its format is described in the comment at "
                + "the top of the default classpath:mapping/contacts.yaml), or point the setting " + MAPPING_PROPERTY
                + " (environment variable BRIDGE_SYNC_MAPPING) at another mapping file.";
        return new FailureAnalysis(description.toString(), action, cause);
    }
}
