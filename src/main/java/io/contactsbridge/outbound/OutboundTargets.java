package io.contactsbridge.outbound;

/**
 * Finds where a connection's calls go. The application's bean is backed by the connection registry
 * ({@code io.contactsbridge.connectors.ConnectionRegistryTargets}); without one, the fallback
 * {@link PropertyOutboundTargets} reads {@code bridge.connections.<id>.*}.
 */
public interface OutboundTargets {

    /** @throws OutboundRequestException when the connection is unknown or names no service */
    OutboundTarget resolve(String connectionId);
}
