package io.contactsbridge.ops;

/**
 * A step was not done because the application is stopping ({@link ShutdownSignal}). Not a failure of anything:
 * the work it belonged to was not committed and is picked up again after the restart.
 */
public class ShuttingDownException extends RuntimeException {

    public ShuttingDownException(String what) {
        super("not done, the bridge is shutting down: " + what, null, false, false);
    }
}
