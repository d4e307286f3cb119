/**
 * Sandbox mode's wiring: starts and seeds both simulators (io.contactsbridge.simulator) in the bridge's process,
 * connects the bridge to them and resets its store for each new seeding. The one package that uses both the product
 * and the simulators (SimulatorBoundaryTest).
 */
package io.contactsbridge.sandbox;
