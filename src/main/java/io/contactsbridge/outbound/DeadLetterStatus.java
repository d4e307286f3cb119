package io.contactsbridge.outbound;

import io.contactsbridge.ops.StatusContributor;
import io.contactsbridge.ops.StatusReport;
import org.springframework.stereotype.Component;

/** {@code deadLetters} in {@code /api/status}: how many messages wait in the dead-letter store. */
@Component
public class DeadLetterStatus implements StatusContributor {

    private final DeadLetterStore store;

    public DeadLetterStatus(DeadLetterStore store) {
        this.store = store;
    }

    @Override
    public void contribute(StatusReport report) {
        report.put("deadLetters", store.count());
    }
}
