package io.contactsbridge.simulator.highlevel;

/** Receives the simulator's state changes; the webhook publisher is one. Must not block the caller for long. */
@FunctionalInterface
public interface HighLevelEventListener {

    void onEvent(HighLevelEvent event);
}
