package io.contactsbridge.ingress;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code bridge.highlevel.webhook.*}: whether {@code POST /webhooks/highlevel} takes HighLevel's webhooks and the
 * keys their signatures are checked against. Defaults are in {@code config/inbound.properties}.
 *
 * @param enabled          whether the endpoint takes webhooks; without it the bridge relies on the reconciliation
 *                         poll alone and needs no key. Default true
 * @param ed25519PublicKey verifies {@code x-ghl-signature} (Ed25519), the signature HighLevel puts on every webhook:
 *                         the public key from the app's settings in the HighLevel marketplace, as PEM, base64 (raw
 *                         32-byte key or SubjectPublicKeyInfo) or hex. Required in live mode while {@code enabled}
 * @param legacyRsaEnabled also accept a webhook signed only with the RSA {@code x-wh-signature}, which HighLevel no
 *                         longer sends. Default false
 * @param rsaPublicKey     verifies {@code x-wh-signature} when {@code legacyRsaEnabled}; defaults to the key
 *                         HighLevel's Webhook Authentication guide publishes
 */
@ConfigurationProperties(prefix = "bridge.highlevel.webhook")
public record HighLevelWebhookProperties(Boolean enabled, String ed25519PublicKey, Boolean legacyRsaEnabled,
                                         String rsaPublicKey) {

    public static final String ENABLED = "bridge.highlevel.webhook.enabled";
    public static final String ED25519_PUBLIC_KEY = "bridge.highlevel.webhook.ed25519-public-key";
    public static final String LEGACY_RSA_ENABLED = "bridge.highlevel.webhook.legacy-rsa-enabled";
    public static final String RSA_PUBLIC_KEY = "bridge.highlevel.webhook.rsa-public-key";

    public HighLevelWebhookProperties {
        enabled = enabled == null || enabled;
        legacyRsaEnabled = legacyRsaEnabled != null && legacyRsaEnabled;
    }
}
