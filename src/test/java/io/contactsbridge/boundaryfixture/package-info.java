/**
 * A tiny fake of the project's layout (product, simulator, sandbox wiring) with one crossing each way, on which
 * {@link io.contactsbridge.SimulatorBoundaryTest} shows that its rules fail.
 */
package io.contactsbridge.boundaryfixture;
