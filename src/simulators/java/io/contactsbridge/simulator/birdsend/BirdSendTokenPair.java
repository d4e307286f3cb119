package io.contactsbridge.simulator.birdsend;

import java.util.Set;

/**
 * What {@code POST /oauth/token} hands out.
 *
 * @param expiresIn access-token lifetime in real-service seconds, as {@code expires_in} reports it
 */
public record BirdSendTokenPair(String accessToken, String refreshToken, long expiresIn, Set<BirdSendScope> scopes) {

    public BirdSendTokenPair {
        scopes = Set.copyOf(scopes);
    }
}
