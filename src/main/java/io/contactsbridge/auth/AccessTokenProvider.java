package io.contactsbridge.auth;

/**
 * Hands the outbound layer a usable access token for a connection. Implementations refresh
 * before expiry and, after the service rejected a token, at most once per rejected token, with
 * one refresh in flight per connection (also across replicas sharing the store).
 */
public interface AccessTokenProvider {

    /** A currently valid access token for {@code connectionId}, refreshed first if it is about to expire. */
    String accessToken(String connectionId);

    /**
     * The service answered 401 to {@code rejectedToken}. Returns a new token to retry once with;
     * if another caller already refreshed, returns that token without refreshing again.
     *
     * @throws ConnectionAuthException when no new token can be had (no refresh token, refresh refused)
     */
    String refreshAfterRejection(String connectionId, String rejectedToken);

    /** A call with the connection's token succeeded: any refusal of it recorded before is over. */
    default void tokenAccepted(String connectionId) {
    }
}
