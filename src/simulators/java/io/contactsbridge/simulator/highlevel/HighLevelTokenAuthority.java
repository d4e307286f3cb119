package io.contactsbridge.simulator.highlevel;

import java.util.Optional;

/** Decides which bearer tokens the HighLevel simulator accepts. Implemented by the simulator's OAuth server. */
@FunctionalInterface
public interface HighLevelTokenAuthority {

    /** The grant behind {@code bearerToken}, or empty when it is unknown, expired or revoked. */
    Optional<HighLevelGrant> authenticate(String bearerToken);
}
