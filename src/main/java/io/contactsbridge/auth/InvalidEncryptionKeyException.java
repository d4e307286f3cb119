package io.contactsbridge.auth;

/** The configured encryption key is not usable; the message says what a valid one looks like. */
public class InvalidEncryptionKeyException extends IllegalStateException {

    public InvalidEncryptionKeyException(String message) {
        super(message);
    }
}
