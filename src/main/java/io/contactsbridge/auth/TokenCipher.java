package io.contactsbridge.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts secrets before they reach the store: AES-256-GCM, a fresh random 12-byte IV per value,
 * and a 128-bit tag. A stored value reads {@code v1.<key id>.<base64url(iv ‖ ciphertext ‖ tag)>}:
 * the key id (derived from the key, not secret) lets a rotated configuration still read values
 * written with a previous key and name the missing key when it cannot.
 *
 * <p>Every value is bound to a context string (e.g. {@code connection/highlevel/refresh_token}) as
 * GCM associated data, so a ciphertext copied into another column or row fails to decrypt instead
 * of being used as the wrong credential.
 */
public final class TokenCipher {

    static final String FORMAT = "v1";
    private static final int KEY_BYTES = 32;
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String currentKeyId;
    private final Map<String, SecretKey> keys = new LinkedHashMap<>();

    /**
     * @param key          the key new values are encrypted with
     * @param previousKeys older keys, accepted for reading only
     */
    public TokenCipher(byte[] key, List<byte[]> previousKeys) {
        this.currentKeyId = add(key);
        for (byte[] k : previousKeys) {
            add(k);
        }
    }

    /** A cipher from base64 keys, as configured in {@code bridge.encryption.key} and {@code .previous-keys}. */
    public static TokenCipher fromBase64(String key, List<String> previousKeys) {
        List<byte[]> previous = new ArrayList<>();
        for (int i = 0; i < previousKeys.size(); i++) {
            previous.add(parseKey("bridge.encryption.previous-keys[" + i + "]", previousKeys.get(i)));
        }
        return new TokenCipher(parseKey("bridge.encryption.key", key), previous);
    }

    /** A new random key, base64-encoded, in the form {@code bridge.encryption.key} takes. */
    public static String generateKey() {
        byte[] k = new byte[KEY_BYTES];
        RANDOM.nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    /**
     * Decodes a configured key (standard or URL-safe base64, padding optional).
     *
     * @throws InvalidEncryptionKeyException naming {@code property} when it is not base64 of exactly 32 bytes
     */
    public static byte[] parseKey(String property, String base64) {
        String how = " Generate one with: openssl rand -base64 32";
        if (base64 == null || base64.isBlank()) {
            throw new InvalidEncryptionKeyException(property + " is empty: it must be the base64 encoding of "
                    + KEY_BYTES + " random bytes (an AES-256 key)." + how);
        }
        byte[] decoded;
        try {
            String s = base64.strip();
            decoded = s.indexOf('-') >= 0 || s.indexOf('_') >= 0
                    ? Base64.getUrlDecoder().decode(s) : Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new InvalidEncryptionKeyException(property + " is not valid base64: it must be the base64 "
                    + "encoding of " + KEY_BYTES + " random bytes (an AES-256 key)." + how);
        }
        if (decoded.length != KEY_BYTES) {
            throw new InvalidEncryptionKeyException(property + " decodes to " + decoded.length + " bytes but must be "
                    + "exactly " + KEY_BYTES + " (an AES-256 key)." + how);
        }
        return decoded;
    }

    /** Id of the key new values are written with; appears in every value it encrypts. */
    public String keyId() {
        return currentKeyId;
    }

    /** Encrypts {@code plaintext}, bound to {@code context}. Null stays null (no value to protect). */
    public String encrypt(String plaintext, String context) {
        if (plaintext == null) {
            return null;
        }
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, keys.get(currentKeyId), new GCMParameterSpec(TAG_BITS, iv));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed).array();
            return FORMAT + "." + currentKeyId + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    /**
     * Decrypts a value written by {@link #encrypt} with the same {@code context}.
     *
     * @throws SecretDecryptionException when the value is malformed, was written with a key that is not
     *                                   configured, was altered, or belongs to another context
     */
    public String decrypt(String stored, String context) {
        if (stored == null) {
            return null;
        }
        String[] parts = stored.split("\\.", -1);
        if (parts.length != 3 || !FORMAT.equals(parts[0])) {
            throw new SecretDecryptionException("stored secret " + context + " is not an encrypted value of format "
                    + FORMAT + " (expected " + FORMAT + ".<key id>.<data>)");
        }
        SecretKey key = keys.get(parts[1]);
        if (key == null) {
            throw new SecretDecryptionException("stored secret " + context + " was encrypted with key " + parts[1]
                    + ", but the configured keys are " + keys.keySet() + ". Configure the key that wrote it "
                    + "(bridge.encryption.key, or bridge.encryption.previous-keys after a rotation), or reconnect.");
        }
        byte[] data;
        try {
            data = Base64.getUrlDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new SecretDecryptionException("stored secret " + context + " is damaged (not base64)");
        }
        if (data.length < IV_BYTES + TAG_BITS / 8) {
            throw new SecretDecryptionException("stored secret " + context + " is damaged (too short)");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, data, 0, IV_BYTES));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] plain = c.doFinal(data, IV_BYTES, data.length - IV_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new SecretDecryptionException("stored secret " + context + " failed its integrity check: it was "
                    + "altered, or copied from another record", e);
        } catch (GeneralSecurityException e) {
            throw new SecretDecryptionException("stored secret " + context + " cannot be decrypted: " + e.getMessage(), e);
        }
    }

    /** True when {@code stored} was written with a key other than the current one (worth re-encrypting). */
    public boolean needsReEncryption(String stored) {
        return stored != null && !stored.startsWith(FORMAT + "." + currentKeyId + ".");
    }

    private String add(byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new InvalidEncryptionKeyException("an encryption key must be " + KEY_BYTES + " bytes, not " + key.length);
        }
        String id = keyId(key);
        keys.putIfAbsent(id, new SecretKeySpec(key.clone(), "AES"));
        return id;
    }

    /** A short, non-secret fingerprint of a key: the first 4 bytes of a domain-separated SHA-256. */
    static String keyId(byte[] key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("contacts-bridge token key id".getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(key), 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
