package io.contactsbridge.sync;

import java.time.Duration;

import io.contactsbridge.journal.RetryWithin;
import io.contactsbridge.outbound.contacts.ContactSetupException;

/**
 * The contact mapping names a field the accounts lack, so the sync cannot handle an event as mapped. The event stays
 * in the journal and is tried again when the mapping is next checked ({@link #retryWithin()}), not after a back-off
 * of minutes: once the field exists (or the mapping changed), held events go through within one re-check period.
 */
public class MappingMisfitException extends ContactSetupException implements RetryWithin {

    private final Duration retryWithin;

    public MappingMisfitException(String message, Duration retryWithin) {
        super(message);
        this.retryWithin = retryWithin;
    }

    @Override
    public Duration retryWithin() {
        return retryWithin;
    }
}
