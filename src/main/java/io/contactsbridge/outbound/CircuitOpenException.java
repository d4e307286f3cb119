package io.contactsbridge.outbound;

/**
 * Not sent: the connection's circuit breaker is open because its recent calls failed (5xx, 429, I/O).
 * It lets a trial call through by itself after the configured wait.
 */
public class CircuitOpenException extends TransientUpstreamException {

    public CircuitOpenException(UpstreamCall call) {
        super(call, 0, null, null, null, "not sent, the " + call.service().displayName()
                + " circuit breaker of connection " + call.connectionId() + " is open after repeated failures", null);
    }
}
