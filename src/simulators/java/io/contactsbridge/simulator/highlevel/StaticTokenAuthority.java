package io.contactsbridge.simulator.highlevel;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A fixed table of bearer tokens and the grants they stand for: the simplest
 * {@link HighLevelTokenAuthority}, for tests and for running the simulator without the OAuth flow
 * (like pasting a Private Integration token from the HighLevel settings page). Tokens can be added
 * and revoked at run time; expiry is honoured by the simulator's auth filter
 * ({@link HighLevelGrant#expiresAt()}).
 */
public final class StaticTokenAuthority implements HighLevelTokenAuthority {

    /** A Private Integration token for the demo location with every scope the simulator knows. */
    public static final String DEMO_TOKEN = "pit-3f6c1e2a-9b7d-4c58-8e21-5a0f4d9b7c13";

    /** Every scope the simulated operations require. */
    public static final Set<String> ALL_SCOPES = Set.of(HighLevelApi.READ, HighLevelApi.WRITE,
            HighLevelApi.BUSINESSES_READ, HighLevelApi.BUSINESSES_WRITE, HighLevelApi.CUSTOM_FIELDS_READ,
            HighLevelApi.TAGS_READ);

    private final Map<String, HighLevelGrant> grants = new ConcurrentHashMap<>();

    /** An authority that knows only {@link #DEMO_TOKEN}. */
    public static StaticTokenAuthority withDemoToken() {
        return new StaticTokenAuthority().put(DEMO_TOKEN,
                privateIntegration(HighLevelState.DEMO_LOCATION_ID, ALL_SCOPES));
    }

    /** A non-expiring Private Integration grant for a location (company: the demo company). */
    public static HighLevelGrant privateIntegration(String locationId, Set<String> scopes) {
        return new HighLevelGrant(HighLevelGrant.Kind.PRIVATE_INTEGRATION, "private-integration",
                HighLevelState.DEMO_COMPANY_ID, locationId, Set.copyOf(scopes), null);
    }

    /** A location OAuth grant of an app, expiring at {@code expiresAt}. */
    public static HighLevelGrant locationOAuth(String appId, String locationId, Set<String> scopes,
                                               Instant expiresAt) {
        return new HighLevelGrant(HighLevelGrant.Kind.LOCATION_OAUTH, appId, HighLevelState.DEMO_COMPANY_ID,
                locationId, Set.copyOf(scopes), expiresAt);
    }

    public StaticTokenAuthority put(String token, HighLevelGrant grant) {
        grants.put(Objects.requireNonNull(token, "token"), Objects.requireNonNull(grant, "grant"));
        return this;
    }

    public StaticTokenAuthority revoke(String token) {
        grants.remove(token);
        return this;
    }

    @Override
    public Optional<HighLevelGrant> authenticate(String bearerToken) {
        return Optional.ofNullable(grants.get(bearerToken));
    }
}
