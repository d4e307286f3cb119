package io.contactsbridge.connectors;

import io.contactsbridge.auth.Connection;
import io.contactsbridge.auth.ConnectionRegistry;
import io.contactsbridge.outbound.OutboundRequestException;
import io.contactsbridge.outbound.OutboundTarget;
import io.contactsbridge.outbound.OutboundTargets;
import org.springframework.context.annotation.Primary;
import org.springframework.stereotype.Component;

/**
 * Outbound calls go wherever the connection registry says, so a connection registered at run time
 * (sandbox mode pointing at the simulators, a reconnect that learnt a location) is used at once.
 */
@Component
@Primary
public class ConnectionRegistryTargets implements OutboundTargets {

    private final ConnectionRegistry connections;

    public ConnectionRegistryTargets(ConnectionRegistry connections) {
        this.connections = connections;
    }

    @Override
    public OutboundTarget resolve(String connectionId) {
        Connection c = connections.find(connectionId).orElseThrow(() -> new OutboundRequestException(
                "No connection named " + connectionId + "; configure bridge.connections." + connectionId + ".*"));
        if (c.baseUrl() == null) {
            throw new OutboundRequestException("Connection " + connectionId + " has no base URL; set bridge.connections."
                    + connectionId + ".base-url");
        }
        return new OutboundTarget(c.id(), c.service(), c.baseUrl());
    }
}
