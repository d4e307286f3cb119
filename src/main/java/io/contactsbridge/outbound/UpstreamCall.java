package io.contactsbridge.outbound;

import java.util.Locale;
import java.util.Objects;

import io.contactsbridge.auth.ServiceType;

/**
 * Which call an outcome belongs to: the service, the connection it was made for and the operation
 * name (kebab-case, e.g. {@code get-contact}). Carries no token, so it is safe in messages and logs.
 */
public record UpstreamCall(ServiceType service, String connectionId, String operation) {

    public UpstreamCall {
        Objects.requireNonNull(service, "service");
    }

    /** {@code highlevel} or {@code birdsend}: route ids, metric tags, resilience4j configuration names. */
    public static String id(ServiceType service) {
        return service.name().toLowerCase(Locale.ROOT);
    }

    public String serviceId() {
        return id(service);
    }

    /** "HighLevel get-contact". */
    public String describe() {
        return service.displayName() + " " + (operation == null ? "call" : operation);
    }
}
