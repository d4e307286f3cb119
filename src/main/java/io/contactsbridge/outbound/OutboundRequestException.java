package io.contactsbridge.outbound;

/**
 * The caller asked for something the outbound layer cannot send: a missing header, an unknown
 * connection, a connection of the other service. A programming or configuration error; never retried.
 */
public class OutboundRequestException extends IllegalArgumentException {

    public OutboundRequestException(String message) {
        super(message);
    }
}
