package io.contactsbridge.auth;

import java.time.Duration;

/**
 * A token endpoint's answer. {@link #toString()} masks the tokens.
 *
 * @param refreshToken      null when the service did not send one (then the old one stays valid)
 * @param expiresIn         access-token lifetime, null when the answer does not say
 * @param refreshExpiresIn  refresh-token lifetime, null when the answer does not say
 * @param scope             the scopes granted, space-separated, when the answer says
 * @param locationId        HighLevel sub-account of a location token
 * @param companyId         HighLevel agency
 * @param userType          HighLevel {@code Location} or {@code Company}
 * @param accountId         BirdSend account, when the answer carries one
 */
public record TokenGrant(String accessToken, String refreshToken, Duration expiresIn, Duration refreshExpiresIn,
                         String scope, String locationId, String companyId, String userType, String accountId) {

    @Override
    public String toString() {
        return "TokenGrant[accessToken=" + AuthProperties.mask(accessToken) + ", refreshToken="
                + AuthProperties.mask(refreshToken) + ", expiresIn=" + expiresIn + ", scope=" + scope
                + ", locationId=" + locationId + ", companyId=" + companyId + ", userType=" + userType + "]";
    }
}
