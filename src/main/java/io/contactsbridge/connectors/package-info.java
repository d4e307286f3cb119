/**
 * The shared steps behind the action Kamelets (src/main/resources/kamelets/*-action): turning an action's
 * parameters into an outbound request for a named connection and its answer into the exchange body.
 */
package io.contactsbridge.connectors;
