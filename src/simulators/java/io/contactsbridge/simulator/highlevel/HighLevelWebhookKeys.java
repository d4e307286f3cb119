package io.contactsbridge.simulator.highlevel;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The key pairs the HighLevel simulator signs its webhooks with, in place of HighLevel's own (whose
 * private halves nobody outside HighLevel has).
 *
 * <ul>
 *   <li>{@code x-wh-signature}: RSA PKCS#1 v1.5 with SHA-256 over the raw body bytes, base64, as the
 *       older WebhookAuthentication.md describes (HighLevel no longer sends it) (its Node example is {@code crypto.createVerify('SHA256')}
 *       with an RSA key; in Java {@code Signature.getInstance("SHA256withRSA")}).</li>
 *   <li>{@code x-ghl-signature}: Ed25519 over the raw body bytes, base64, the signature HighLevel puts
 *       on every webhook (official-sdk-facts.md; in Java {@code Signature.getInstance("Ed25519")}).</li>
 * </ul>
 * Public keys are published the way HighLevel publishes its RSA key: an X.509 SubjectPublicKeyInfo
 * PEM block ({@code -----BEGIN PUBLIC KEY-----}, 64-character lines), also available as the bare
 * base64 of the DER bytes. HighLevel's RSA key is 4096 bits; {@link #generate()} uses 2048 because a
 * 4096-bit key takes seconds to generate and verifiers do not care about the size.
 *
 * <p>Immutable and thread-safe ({@link Signature} objects are created per call).
 */
public final class HighLevelWebhookKeys {

    public static final int DEFAULT_RSA_BITS = 2048;

    private final KeyPair rsa;
    private final KeyPair ed25519;

    private HighLevelWebhookKeys(KeyPair rsa, KeyPair ed25519) {
        this.rsa = requireAlgorithm(rsa, "RSA");
        this.ed25519 = requireAlgorithm(ed25519, "Ed25519", "EdDSA");
    }

    /** Fresh RSA-2048 and Ed25519 key pairs. */
    public static HighLevelWebhookKeys generate() {
        return generate(DEFAULT_RSA_BITS);
    }

    public static HighLevelWebhookKeys generate(int rsaBits) {
        try {
            KeyPairGenerator rsaGenerator = KeyPairGenerator.getInstance("RSA");
            rsaGenerator.initialize(rsaBits);
            return new HighLevelWebhookKeys(rsaGenerator.generateKeyPair(),
                    KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM cannot generate RSA/Ed25519 keys", e);
        }
    }

    /** Existing key pairs, e.g. loaded from a keystore so the public keys stay the same across restarts. */
    public static HighLevelWebhookKeys of(KeyPair rsa, KeyPair ed25519) {
        return new HighLevelWebhookKeys(rsa, ed25519);
    }

    /**
     * Keys from PEM text: private keys as PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}, what
     * {@code openssl genpkey -algorithm RSA|ed25519} writes), public keys as SubjectPublicKeyInfo
     * ({@code -----BEGIN PUBLIC KEY-----}, what {@code openssl pkey -pubout} writes).
     */
    public static HighLevelWebhookKeys fromPem(String rsaPrivateKeyPem, String rsaPublicKeyPem,
                                               String ed25519PrivateKeyPem, String ed25519PublicKeyPem) {
        try {
            KeyFactory rsaFactory = KeyFactory.getInstance("RSA");
            KeyFactory edFactory = KeyFactory.getInstance("Ed25519");
            KeyPair rsa = new KeyPair(
                    rsaFactory.generatePublic(new X509EncodedKeySpec(pemBody(rsaPublicKeyPem, "PUBLIC KEY"))),
                    rsaFactory.generatePrivate(new PKCS8EncodedKeySpec(pemBody(rsaPrivateKeyPem, "PRIVATE KEY"))));
            KeyPair ed = new KeyPair(
                    edFactory.generatePublic(new X509EncodedKeySpec(pemBody(ed25519PublicKeyPem, "PUBLIC KEY"))),
                    edFactory.generatePrivate(new PKCS8EncodedKeySpec(pemBody(ed25519PrivateKeyPem, "PRIVATE KEY"))));
            return new HighLevelWebhookKeys(rsa, ed);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("Invalid webhook signing key: " + e.getMessage(), e);
        }
    }

    /** Base64 RSA-SHA256 signature of {@code body}: the {@code x-wh-signature} value. */
    public String signRsa(byte[] body) {
        return sign("SHA256withRSA", rsa.getPrivate(), body);
    }

    /** Base64 Ed25519 signature of {@code body}: the {@code x-ghl-signature} value. */
    public String signEd25519(byte[] body) {
        return sign("Ed25519", ed25519.getPrivate(), body);
    }

    public PublicKey rsaPublicKey() {
        return rsa.getPublic();
    }

    public PublicKey ed25519PublicKey() {
        return ed25519.getPublic();
    }

    /** The RSA public key as a {@code -----BEGIN PUBLIC KEY-----} block, as in WebhookAuthentication.md. */
    public String rsaPublicKeyPem() {
        return toPem(rsa.getPublic());
    }

    public String ed25519PublicKeyPem() {
        return toPem(ed25519.getPublic());
    }

    /** Base64 (standard alphabet) of the RSA key's SubjectPublicKeyInfo DER: the PEM body on one line. */
    public String rsaPublicKeyBase64() {
        return Base64.getEncoder().encodeToString(rsa.getPublic().getEncoded());
    }

    public String ed25519PublicKeyBase64() {
        return Base64.getEncoder().encodeToString(ed25519.getPublic().getEncoded());
    }

    /**
     * Base64 of the raw 32-byte Ed25519 key (the SubjectPublicKeyInfo without its 12-byte DER header
     * {@code 302a300506032b6570032100}): the form HighLevel's marketplace and its SDK use.
     */
    public String ed25519RawPublicKeyBase64() {
        return Base64.getEncoder().encodeToString(ed25519RawPublicKey());
    }

    /** The raw 32-byte Ed25519 key as 64 lower-case hex digits. */
    public String ed25519RawPublicKeyHex() {
        return HexFormat.of().formatHex(ed25519RawPublicKey());
    }

    private byte[] ed25519RawPublicKey() {
        byte[] spki = ed25519.getPublic().getEncoded();
        return Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    }

    private static String sign(String algorithm, PrivateKey key, byte[] body) {
        try {
            Signature signature = Signature.getInstance(algorithm);
            signature.initSign(key);
            signature.update(body);
            return Base64.getEncoder().encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot sign webhook with " + algorithm, e);
        }
    }

    private static String toPem(PublicKey key) {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + base64 + "\n-----END PUBLIC KEY-----\n";
    }

    private static byte[] pemBody(String pem, String label) {
        Objects.requireNonNull(pem, label);
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf(end);
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("Expected a PEM block " + begin);
        }
        return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    }

    private static KeyPair requireAlgorithm(KeyPair pair, String... algorithms) {
        Objects.requireNonNull(pair, "key pair");
        String actual = pair.getPrivate().getAlgorithm();
        for (String algorithm : algorithms) {
            if (algorithm.equals(actual) && algorithm.equals(pair.getPublic().getAlgorithm())) {
                return pair;
            }
        }
        throw new IllegalArgumentException("Expected a " + algorithms[0] + " key pair, got " + actual);
    }
}
