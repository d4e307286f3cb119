package io.contactsbridge.outbound;

import io.contactsbridge.auth.AccessTokenProvider;
import io.contactsbridge.auth.ConnectionAuthException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * The outbound layer's side of {@link AccessTokenProvider}: looked up lazily, so the application
 * starts (and reports the problem on the first call) even while no provider is configured, and
 * with the provider's {@link ConnectionAuthException} turned into {@link UpstreamAuthException}.
 */
@Component
class OutboundTokens {

    private final ObjectProvider<AccessTokenProvider> providers;

    OutboundTokens(ObjectProvider<AccessTokenProvider> providers) {
        this.providers = providers;
    }

    AccessToken current(UpstreamCall call) {
        try {
            return new AccessToken(provider().accessToken(call.connectionId()));
        } catch (ConnectionAuthException e) {
            throw UpstreamAuthException.noToken(call, 0, e);
        }
    }

    /** A new token after the service answered 401 to {@code rejected}. */
    AccessToken refresh(UpstreamCall call, AccessToken rejected) {
        try {
            return new AccessToken(provider().refreshAfterRejection(call.connectionId(), rejected.value()));
        } catch (ConnectionAuthException e) {
            throw UpstreamAuthException.noToken(call, 401, e);
        }
    }

    /** The service answered a call of the connection with a 2xx: its token works. */
    void accepted(UpstreamCall call) {
        AccessTokenProvider provider = providers.getIfAvailable();
        if (provider != null) {
            provider.tokenAccepted(call.connectionId());
        }
    }

    private AccessTokenProvider provider() {
        AccessTokenProvider provider = providers.getIfAvailable();
        if (provider == null) {
            throw new IllegalStateException("no AccessTokenProvider bean: the auth package is not configured");
        }
        return provider;
    }
}
