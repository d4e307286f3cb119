package io.contactsbridge.ingress;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code bridge.birdsend.notification.*}: the shared secret that authenticates calls to
 * {@code POST /webhooks/birdsend}. The endpoint is enabled exactly when the secret is set.
 *
 * @param secret HMAC-SHA256 key shared with whoever calls the endpoint; never logged or returned
 */
@ConfigurationProperties(prefix = "bridge.birdsend.notification")
public record BirdSendNotificationProperties(String secret) {

    /** The shortest secret accepted: shorter ones can be guessed. */
    public static final int MIN_SECRET_LENGTH = 16;

    public boolean enabled() {
        return secret != null && !secret.isBlank();
    }

    @Override
    public String toString() {
        return "BirdSendNotificationProperties[secret=" + (enabled() ? "****" : "not set") + "]";
    }
}
