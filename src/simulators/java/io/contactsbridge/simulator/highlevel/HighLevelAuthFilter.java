package io.contactsbridge.simulator.highlevel;

import io.contactsbridge.simulator.sim.SimClock;
import io.contactsbridge.simulator.sim.SimFilter;
import io.contactsbridge.simulator.sim.SimRequest;
import io.contactsbridge.simulator.sim.SimResponse;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The checks HighLevel makes before any handler runs, in its order:
 * <ol>
 *   <li>{@code Version} header: missing, 401 {@code version header was not found.}; not an accepted
 *       version ({@link HighLevelSimulator#DEFAULT_ACCEPTED_VERSIONS} unless changed), 401
 *       {@code version header is invalid}.</li>
 *   <li>Bearer token: missing, malformed, unknown, revoked or expired, 401 {@code Invalid JWT}.</li>
 *   <li>Scope: the grant lacks the operation's scope, 401
 *       {@code The token is not authorized for this scope.} (HighLevel checks scope before
 *       location, so a wrong location with a missing scope still reads as a scope problem).</li>
 * </ol>
 * The grant is then stored in the request attribute {@link HighLevelGrant#ATTRIBUTE} for later
 * filters (rate limits) and the handlers, which answer 403
 * {@code The token does not have access to this location.} for another location's data.
 *
 * <p>Operations this filter does not know (e.g. the OAuth endpoints another component registers on
 * the same server) pass through untouched.
 */
final class HighLevelAuthFilter implements SimFilter {

    private final Map<String, String> scopeByOperation;
    private final Supplier<HighLevelTokenAuthority> authority;
    private final Supplier<Set<String>> acceptedVersions;
    private final SimClock clock;

    HighLevelAuthFilter(Map<String, String> scopeByOperation, Supplier<HighLevelTokenAuthority> authority,
                        Supplier<Set<String>> acceptedVersions, SimClock clock) {
        this.scopeByOperation = Map.copyOf(scopeByOperation);
        this.authority = authority;
        this.acceptedVersions = acceptedVersions;
        this.clock = clock;
    }

    @Override
    public SimResponse filter(SimRequest request, Chain next) throws Exception {
        String scope = request.operation() == null ? null : scopeByOperation.get(request.operation());
        if (scope == null) {
            return next.proceed(request);
        }
        String version = request.header("Version");
        if (version == null || version.isBlank()) {
            return HighLevelErrors.response(401, HighLevelErrors.VERSION_MISSING);
        }
        if (!acceptedVersions.get().contains(version.trim())) {
            return HighLevelErrors.response(401, HighLevelErrors.VERSION_INVALID);
        }
        Optional<HighLevelGrant> grant = bearer(request.header("Authorization")).flatMap(token -> {
            HighLevelTokenAuthority tokens = authority.get();
            return tokens == null ? Optional.empty() : tokens.authenticate(token);
        });
        Instant now = clock.now();
        if (grant.isEmpty() || (grant.get().expiresAt() != null && !now.isBefore(grant.get().expiresAt()))) {
            return HighLevelErrors.response(401, HighLevelErrors.INVALID_TOKEN);
        }
        if (!grant.get().hasScope(scope)) {
            return HighLevelErrors.response(401, HighLevelErrors.SCOPE_NOT_AUTHORIZED);
        }
        request.setAttribute(HighLevelGrant.ATTRIBUTE, grant.get());
        return next.proceed(request);
    }

    private static Optional<String> bearer(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String value = header.trim();
        if (value.length() <= 7 || !value.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return Optional.empty();
        }
        String token = value.substring(7).trim();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }
}
