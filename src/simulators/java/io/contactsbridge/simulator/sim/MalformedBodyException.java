package io.contactsbridge.simulator.sim;

/**
 * The request body could not be read in the requested form (bad JSON, JSON of the wrong shape).
 *
 * <p>Left uncaught, {@link SimServer} answers it with a 400; a simulator whose real counterpart
 * answers 422 (or uses its own error body) catches it in the handler, or installs an
 * {@link SimServer.ExceptionMapper}.
 */
public class MalformedBodyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MalformedBodyException(String message, Throwable cause) {
        super(message, cause);
    }

    public MalformedBodyException(String message) {
        super(message);
    }
}
