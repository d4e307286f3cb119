package io.contactsbridge.simulator.birdsend;

import java.time.Instant;

/** The account a token belongs to, as {@code GET /account} describes it. */
public record BirdSendAccountInfo(long accountId, String email, String firstName, String lastName,
                                  String companyName, String timezone, Instant createdAt) {
}
