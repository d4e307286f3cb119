package io.contactsbridge.outbound.contacts;

/** The sync cannot apply this change as things are (ambiguous data on a side); retrying unchanged cannot help. */
public class ContactRefusedException extends RuntimeException {

    public ContactRefusedException(String message) {
        super(message);
    }
}
