package io.contactsbridge.auth;

/**
 * What the rest of the bridge may know about a connection: which service, how it authenticates,
 * where the API is and which account it acts on. Deliberately holds no token or secret, so it is
 * safe to log, put in the status or serialise.
 *
 * @param locationId HighLevel sub-account the connection acts on (configured, or learnt when connecting)
 * @param companyId  HighLevel agency id, when known
 * @param accountId  BirdSend account id, when known
 */
public record Connection(String id, ServiceType service, CredentialKind kind, String baseUrl,
                         String locationId, String companyId, String accountId) {
}
