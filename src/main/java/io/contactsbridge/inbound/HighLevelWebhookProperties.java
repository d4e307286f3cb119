package io.contactsbridge.inbound;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code bridge.highlevel.webhook.*}: the public keys HighLevel's webhook signatures are checked against.
 * Each accepts a PEM block ({@code -----BEGIN PUBLIC KEY-----}) or the bare base64 of the
 * SubjectPublicKeyInfo. Defaults are in {@code config/inbound.properties}.
 *
 * @param rsaPublicKey     verifies {@code x-wh-signature} (RSA-SHA256); defaults to the key HighLevel publishes
 *                         in its Webhook Authentication guide
 * @param ed25519PublicKey verifies {@code x-ghl-signature} (Ed25519); HighLevel's reference docs publish no
 *                         such key, so there is no default. When set it is preferred; when not, the RSA
 *                         signature is required
 */
@ConfigurationProperties(prefix = "bridge.highlevel.webhook")
public record HighLevelWebhookProperties(String rsaPublicKey, String ed25519PublicKey) {
}
