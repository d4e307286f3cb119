package io.contactsbridge.outbound;

/**
 * Not sent: the service's circuit breaker is open because recent calls failed (5xx, 429, I/O). It
 * lets a trial call through by itself after the configured wait.
 */
public class CircuitOpenException extends TransientUpstreamException {

    public CircuitOpenException(UpstreamCall call) {
        super(call, 0, null, null, null, "not sent, the " + call.service().displayName()
                + " circuit breaker is open after repeated failures", null);
    }
}
