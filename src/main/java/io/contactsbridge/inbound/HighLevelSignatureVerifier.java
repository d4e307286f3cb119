package io.contactsbridge.inbound;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Checks that a webhook body was signed by HighLevel, over the raw body bytes:
 * <ul>
 *   <li>{@code x-ghl-signature}: Ed25519, base64. Preferred when an Ed25519 key is configured and the header
 *       is present; it then decides alone.</li>
 *   <li>{@code x-wh-signature}: RSA PKCS#1 v1.5 with SHA-256, base64, as HighLevel's Webhook Authentication
 *       guide describes. Required otherwise.</li>
 * </ul>
 * Thread-safe; {@link #useKeys} swaps the keys at run time (the sandbox trusts its simulator's keys this way).
 */
@Component
public class HighLevelSignatureVerifier {

    private static final Logger LOG = LoggerFactory.getLogger(HighLevelSignatureVerifier.class);

    public static final String RSA_HEADER = "x-wh-signature";
    public static final String ED25519_HEADER = "x-ghl-signature";

    /** The outcome; {@code problem} is null when the signature is good. */
    public record Verdict(String algorithm, String error, String problem) {
        boolean valid() {
            return problem == null;
        }
    }

    private record Keys(PublicKey rsa, PublicKey ed25519) {
    }

    private volatile Keys keys;

    public HighLevelSignatureVerifier(HighLevelWebhookProperties props) {
        this.keys = new Keys(PublicKeys.parse(props.rsaPublicKey(), "RSA", "bridge.highlevel.webhook.rsa-public-key"),
                PublicKeys.parse(props.ed25519PublicKey(), "Ed25519", "bridge.highlevel.webhook.ed25519-public-key"));
        if (keys.rsa() == null && keys.ed25519() == null) {
            LOG.warn("No HighLevel webhook public key is configured (bridge.highlevel.webhook.rsa-public-key); "
                    + "every webhook will be refused with 401");
        }
    }

    /** Replaces the trusted keys (either may be null). */
    public void useKeys(PublicKey rsa, PublicKey ed25519) {
        this.keys = new Keys(rsa, ed25519);
    }

    public Verdict verify(byte[] body, String rsaSignature, String ed25519Signature) {
        Keys k = keys;
        if (k.ed25519() != null && present(ed25519Signature)) {
            return check("Ed25519", k.ed25519(), body, ed25519Signature, ED25519_HEADER,
                    "bridge.highlevel.webhook.ed25519-public-key");
        }
        if (k.rsa() == null) {
            if (k.ed25519() != null) {
                return new Verdict(null, "missing_signature", "The request carries no " + ED25519_HEADER + " header; "
                        + "HighLevel signs every webhook with it and requests without it are refused.");
            }
            return new Verdict(null, "no_key_configured", "This bridge has no HighLevel public key to check webhook "
                    + "signatures with; an operator must set bridge.highlevel.webhook.rsa-public-key.");
        }
        if (!present(rsaSignature)) {
            return new Verdict(null, "missing_signature", "The request carries no " + RSA_HEADER + " header"
                    + (k.ed25519() != null ? " (nor " + ED25519_HEADER + ")" : "")
                    + "; HighLevel signs every webhook and requests without a signature are refused.");
        }
        return check("SHA256withRSA", k.rsa(), body, rsaSignature, RSA_HEADER, "bridge.highlevel.webhook.rsa-public-key");
    }

    private static Verdict check(String algorithm, PublicKey key, byte[] body, String signatureBase64, String header,
                                 String property) {
        boolean valid;
        try {
            Signature signature = Signature.getInstance(algorithm);
            signature.initVerify(key);
            signature.update(body);
            valid = signature.verify(Base64.getDecoder().decode(signatureBase64.trim()));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            // Not base64, or not a signature of the right length: as bad as a wrong signature.
            valid = false;
        }
        return valid ? new Verdict(algorithm, null, null)
                : new Verdict(algorithm, "invalid_signature", "The " + header + " signature does not match the request "
                + "body for the configured HighLevel public key (" + property + "). The body must arrive exactly as "
                + "HighLevel sent it; if HighLevel rotated its key, update that setting.");
    }

    private static boolean present(String header) {
        return header != null && !header.isBlank();
    }
}
