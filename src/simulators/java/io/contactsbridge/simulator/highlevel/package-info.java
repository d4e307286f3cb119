/**
 * The HighLevel simulator: the Contacts API (v2, with the deprecated list and the businesses, notes, tasks and
 * appointments beside it), its OAuth server, rate limits and signed webhooks, over an in-memory state
 * ({@link io.contactsbridge.simulator.highlevel.HighLevelState} and its parts). It behaves as HighLevel's reference
 * says, and where that is silent, as the classes write down.
 */
package io.contactsbridge.simulator.highlevel;
