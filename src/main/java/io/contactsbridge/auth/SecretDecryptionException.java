package io.contactsbridge.auth;

/** A stored secret cannot be decrypted: another key, a damaged value, or a value moved to another record. */
public class SecretDecryptionException extends IllegalStateException {

    public SecretDecryptionException(String message) {
        super(message);
    }

    public SecretDecryptionException(String message, Throwable cause) {
        super(message, cause);
    }
}
