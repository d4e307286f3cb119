package io.contactsbridge.ingress;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;

import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.springframework.stereotype.Component;

/**
 * Checks that a webhook body was signed by HighLevel, over the raw body bytes exactly as received:
 * <ul>
 *   <li>{@code x-ghl-signature}: Ed25519, base64, against {@code bridge.highlevel.webhook.ed25519-public-key}.
 *       HighLevel signs every webhook this way; when the header is there it decides alone.</li>
 *   <li>{@code x-wh-signature}: RSA PKCS#1 v1.5 with SHA-256, base64, as HighLevel's older Webhook
 *       Authentication guide describes. HighLevel no longer sends it; it is accepted (for a request without
 *       {@code x-ghl-signature}) only when {@code bridge.highlevel.webhook.legacy-rsa-enabled} is true.</li>
 * </ul>
 * Thread-safe; {@link #useKeys} swaps the keys at run time (the sandbox trusts its simulator's keys this way).
 */
@Component
public class HighLevelSignatureVerifier {

    public static final String RSA_HEADER = "x-wh-signature";
    public static final String ED25519_HEADER = "x-ghl-signature";

    private static final String ED25519_ENV = "BRIDGE_HIGHLEVEL_WEBHOOK_ED25519_PUBLIC_KEY";

    /** The outcome; {@code problem} is null when the signature is good. */
    public record Verdict(String algorithm, String error, String problem) {
        boolean valid() {
            return problem == null;
        }
    }

    private record Keys(PublicKey rsa, PublicKey ed25519) {
    }

    private final boolean legacyRsa;
    private volatile Keys keys;

    public HighLevelSignatureVerifier(HighLevelWebhookProperties props) {
        this.legacyRsa = props.legacyRsaEnabled();
        // An unused legacy key must not stop the start, so it is only read when the legacy check is on.
        this.keys = new Keys(legacyRsa ? PublicKeys.parse(props.rsaPublicKey(), "RSA", HighLevelWebhookProperties.RSA_PUBLIC_KEY) : null,
                PublicKeys.parse(props.ed25519PublicKey(), "Ed25519", HighLevelWebhookProperties.ED25519_PUBLIC_KEY));
    }

    /** Replaces the trusted keys (either may be null); the RSA key is used only with the legacy option on. */
    public void useKeys(PublicKey rsa, PublicKey ed25519) {
        this.keys = new Keys(rsa, ed25519);
    }

    public Verdict verify(byte[] body, String rsaSignature, String ed25519Signature) {
        Keys k = keys;
        boolean ed = present(ed25519Signature);
        if (ed && k.ed25519() != null) {
            return check("Ed25519", k.ed25519(), body, ed25519Signature, ED25519_HEADER,
                    HighLevelWebhookProperties.ED25519_PUBLIC_KEY);
        }
        if (legacyRsa && k.rsa() != null && present(rsaSignature)) {
            return check("SHA256withRSA", k.rsa(), body, rsaSignature, RSA_HEADER, HighLevelWebhookProperties.RSA_PUBLIC_KEY);
        }
        if (ed) {
            return new Verdict(null, "no_key_configured", "This bridge has no Ed25519 public key to check the "
                    + ED25519_HEADER + " signature with; an operator must set " + HighLevelWebhookProperties.ED25519_PUBLIC_KEY
                    + " (environment variable " + ED25519_ENV + ") to the public key in the app's settings in the "
                    + "HighLevel marketplace.");
        }
        String rsaNote = !present(rsaSignature) ? ""
                : legacyRsa ? " Its " + RSA_HEADER + " (RSA) signature cannot be checked: no RSA public key is configured."
                : " Its legacy " + RSA_HEADER + " (RSA) signature is not accepted unless "
                + HighLevelWebhookProperties.LEGACY_RSA_ENABLED + "=true; HighLevel no longer sends it.";
        return new Verdict(null, "missing_signature", "The request carries no " + ED25519_HEADER + " header: "
                + "HighLevel signs every webhook with Ed25519 in " + ED25519_HEADER + ", so a request without it is "
                + "refused." + rsaNote);
    }

    private static Verdict check(String algorithm, PublicKey key, byte[] body, String signatureBase64, String header,
                                 String property) {
        boolean valid;
        try {
            if ("Ed25519".equals(algorithm)) {
                valid = ed25519(key, body, Base64.getDecoder().decode(signatureBase64.trim()));
                return verdict(valid, algorithm, header, property);
            }
            Signature signature = Signature.getInstance(algorithm);
            signature.initVerify(key);
            signature.update(body);
            valid = signature.verify(Base64.getDecoder().decode(signatureBase64.trim()));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            // Not base64, or not a signature of the right length: as bad as a wrong signature.
            valid = false;
        }
        return verdict(valid, algorithm, header, property);
    }

    /**
     * Ed25519 (RFC 8032) by Bouncy Castle's implementation: the JDK's took 0.5 to 0.7 ms per webhook on two cores,
     * the largest single cost of taking one in; this one about 0.07 ms. Same rules: a signature of the wrong length
     * or not canonical is invalid.
     */
    private static boolean ed25519(PublicKey key, byte[] body, byte[] signature) {
        byte[] spki = key.getEncoded();
        if (signature.length != Ed25519.SIGNATURE_SIZE || spki == null || spki.length < Ed25519.PUBLIC_KEY_SIZE) {
            return false;
        }
        // An Ed25519 SubjectPublicKeyInfo ends with the 32-byte key (RFC 8410).
        return Ed25519.verify(signature, 0, spki, spki.length - Ed25519.PUBLIC_KEY_SIZE, body, 0, body.length);
    }

    private static Verdict verdict(boolean valid, String algorithm, String header, String property) {
        return valid ? new Verdict(algorithm, null, null)
                : new Verdict(algorithm, "invalid_signature", "The " + header + " signature does not match the request "
                + "body for the configured HighLevel public key (" + property + "). The body must arrive exactly as "
                + "HighLevel sent it; if the key in the app's marketplace settings changed, update that setting.");
    }

    private static boolean present(String header) {
        return header != null && !header.isBlank();
    }
}
