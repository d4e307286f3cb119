package io.contactsbridge.simulator.sim;

/** Answers one routed operation. Exceptions become responses via the server's exception mapper. */
@FunctionalInterface
public interface SimHandler {

    SimResponse handle(SimRequest request) throws Exception;
}
