/**
 * Simulators of the two services the bridge syncs, HighLevel ({@code highlevel}) and BirdSend ({@code birdsend}), on a
 * small HTTP toolkit of their own ({@code sim}), with what runs both together: {@link
 * io.contactsbridge.simulator.SimulatorsMain} (the simulators jar) and {@link io.contactsbridge.simulator.SandboxPeople}
 * (the people both start with in sandbox mode). Nothing here depends on the product (SimulatorBoundaryTest).
 */
package io.contactsbridge.simulator;
