package io.contactsbridge.simulator.sim;

/**
 * Thrown from anywhere inside a handler or filter to answer with a ready-made response, so deep
 * validation code need not thread error responses back up by hand. Filters around the handler
 * still see (and may decorate) the response.
 */
public class SimResponseException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient SimResponse response;

    public SimResponseException(SimResponse response) {
        super("HTTP " + response.status(), null, false, false);
        this.response = response;
    }

    public SimResponse response() {
        return response;
    }
}
