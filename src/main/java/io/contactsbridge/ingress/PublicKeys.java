package io.contactsbridge.ingress;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

import io.contactsbridge.ops.InvalidSettingException;

/**
 * Reads public keys as people paste them. RSA: a PEM block or the bare base64 of the SubjectPublicKeyInfo.
 * Ed25519 additionally in the forms HighLevel's marketplace and its official SDK use: the raw 32-byte key as
 * base64 or hex, which becomes a SubjectPublicKeyInfo by prefixing the DER bytes {@value #ED25519_SPKI_PREFIX_HEX}
 * (the SDK does the same), or the SubjectPublicKeyInfo itself as hex.
 */
final class PublicKeys {

    /** DER header of an Ed25519 SubjectPublicKeyInfo (RFC 8410); followed by the 32 raw key bytes it is the whole SPKI. */
    static final String ED25519_SPKI_PREFIX_HEX = "302a300506032b6570032100";
    static final int ED25519_RAW_LENGTH = 32;

    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex(ED25519_SPKI_PREFIX_HEX);
    private static final Pattern HEX = Pattern.compile("(?:[0-9a-fA-F]{2})+");

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
        String compact = text.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s+", "");
        boolean ed25519 = "Ed25519".equals(algorithm);
        try {
            byte[] der = ed25519 ? ed25519Spki(compact) : Base64.getDecoder().decode(compact);
            return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new InvalidSettingException(property, abbreviate(compact),
                    "it is not an " + algorithm + " public key (" + e.getMessage() + ")",
                    ed25519 ? "Paste the Ed25519 public key from your app's settings in the HighLevel marketplace as it is "
                            + "shown: a PEM block (-----BEGIN PUBLIC KEY----- ...), base64 (the 32-byte key or its "
                            + "SubjectPublicKeyInfo) or hex (64 characters)."
                            : "Paste the key as a PEM block (-----BEGIN PUBLIC KEY----- ...) or as the base64 between "
                            + "those lines.");
        }
    }

    /**
     * The SubjectPublicKeyInfo DER of an Ed25519 key given as hex or base64 of either the raw key or the SPKI.
     * Hex is tried first: a 64-character hex string is also valid base64, but of 48 bytes, which no Ed25519 key is.
     */
    static byte[] ed25519Spki(String compact) {
        byte[] bytes = HEX.matcher(compact).matches() ? HexFormat.of().parseHex(compact) : base64(compact);
        if (bytes.length == ED25519_RAW_LENGTH) {
            byte[] spki = new byte[ED25519_SPKI_PREFIX.length + ED25519_RAW_LENGTH];
            System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
            System.arraycopy(bytes, 0, spki, ED25519_SPKI_PREFIX.length, ED25519_RAW_LENGTH);
            return spki;
        }
        if (bytes.length != ED25519_SPKI_PREFIX.length + ED25519_RAW_LENGTH) {
            throw new IllegalArgumentException("decodes to " + bytes.length + " bytes; an Ed25519 key is 32 bytes, or 44 "
                    + "as a SubjectPublicKeyInfo");
        }
        return bytes;
    }

    /** Standard or URL-safe base64, padded or not. */
    private static byte[] base64(String text) {
        String standard = text.replace('-', '+').replace('_', '/');
        return Base64.getDecoder().decode(standard);
    }

    /** Public keys are not secret, but a 700-character value helps nobody in an error message. */
    private static String abbreviate(String value) {
        return value.length() <= 24 ? value : value.substring(0, 12) + "..." + value.substring(value.length() - 8);
    }
}
