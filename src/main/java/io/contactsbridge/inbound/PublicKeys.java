package io.contactsbridge.inbound;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

import io.contactsbridge.ops.InvalidSettingException;

/** Reads public keys as people paste them: a PEM block or the bare base64 of the SubjectPublicKeyInfo. */
final class PublicKeys {

    private PublicKeys() {
    }

    /**
     * @param algorithm "RSA" or "Ed25519"
     * @param property  the setting it came from, named in the error
     * @return the key, or null when {@code text} is blank
     * @throws InvalidSettingException when the text is not a public key of that algorithm
     */
    static PublicKey parse(String text, String algorithm, String property) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String base64 = text.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s+", "");
        try {
            byte[] der = Base64.getDecoder().decode(base64);
            return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new InvalidSettingException(property, abbreviate(base64),
                    "it is not an " + algorithm + " public key (" + e.getMessage() + ")",
                    "Paste the key as a PEM block (-----BEGIN PUBLIC KEY----- ...) or as the base64 between those lines.");
        }
    }

    /** Public keys are not secret, but a 700-character value helps nobody in an error message. */
    private static String abbreviate(String value) {
        return value.length() <= 24 ? value : value.substring(0, 12) + "..." + value.substring(value.length() - 8);
    }
}
