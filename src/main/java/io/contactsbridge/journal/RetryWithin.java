package io.contactsbridge.journal;

import java.time.Duration;

/**
 * A failure that is a hold rather than a failed attempt: the event cannot be processed until something outside it is
 * fixed, which is checked again on a schedule (a contact mapping that does not fit the accounts). The journal holds
 * the event and tries it again after {@link #retryWithin()} (at most {@code bridge.journal.retry-max-delay}), so it
 * goes through right after the check that finds the fix, not minutes later; and holds do not count as failed
 * attempts, so a failure after the hold starts its back-off afresh.
 */
public interface RetryWithin {

    /** The longest wait before the event is tried again; zero or negative means as soon as the back-off starts. */
    Duration retryWithin();
}
