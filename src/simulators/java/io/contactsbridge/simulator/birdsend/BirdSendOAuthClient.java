package io.contactsbridge.simulator.birdsend;

import java.util.List;

/**
 * An OAuth client (an app registered with BirdSend).
 *
 * @param redirectUris accepted {@code redirect_uri} values; the first is used when a request names none
 */
public record BirdSendOAuthClient(String clientId, String clientSecret, List<String> redirectUris) {

    public BirdSendOAuthClient {
        redirectUris = List.copyOf(redirectUris);
        if (redirectUris.isEmpty()) {
            throw new IllegalArgumentException("an OAuth client needs at least one redirect URI");
        }
    }
}
