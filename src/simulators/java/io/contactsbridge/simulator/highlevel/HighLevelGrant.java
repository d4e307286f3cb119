package io.contactsbridge.simulator.highlevel;

import java.time.Instant;
import java.util.Set;

/**
 * What a bearer token presented to the HighLevel simulator stands for: a location OAuth access
 * token or a Private Integration token, with the app and location it belongs to and its scopes.
 * Rate limits are counted per (appId, locationId), as HighLevel does.
 *
 * @param expiresAt null for tokens that do not expire (Private Integration tokens)
 */
public record HighLevelGrant(Kind kind, String appId, String companyId, String locationId,
                             Set<String> scopes, Instant expiresAt) {

    /** Request attribute under which the simulator's auth filter stores the grant for later filters and handlers. */
    public static final String ATTRIBUTE = "highlevel.grant";

    public enum Kind { LOCATION_OAUTH, PRIVATE_INTEGRATION }

    public boolean hasScope(String scope) {
        return scopes.contains(scope);
    }

    /** Key of the per-(app, location) rate-limit budget. */
    public String rateLimitKey() {
        return appId + ":" + locationId;
    }
}
