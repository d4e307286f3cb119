/**
 * What both simulators are built on and owe nothing to either service: the HTTP server and router on the JDK's
 * server, requests and responses, a scalable clock, rate limiting, fault injection, the recorder of calls and the
 * admin endpoints ({@code /__admin}), and the launcher of their standalone main classes.
 */
package io.contactsbridge.simulator.sim;
