package io.contactsbridge.outbound;

import io.contactsbridge.auth.ServiceType;

/** Where a connection's calls go: its service and the API base URL (no trailing slash). */
public record OutboundTarget(String connectionId, ServiceType service, String baseUrl) {
}
