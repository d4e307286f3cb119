package io.contactsbridge.automation;

/** Another delivery of the same event holds the effect's claim: the event is retried later, the effect not doubled. */
public class EffectBusyException extends RuntimeException {
    public EffectBusyException(String message) {
        super(message);
    }
}
