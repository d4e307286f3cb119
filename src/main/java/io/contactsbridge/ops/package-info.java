/**
 * Running the bridge: settings and their start-up checks, mode (live or sandbox), the status API and its
 * contributors, heartbeat, graceful shutdown signal, fatal-error handling (out of memory exits) and log safety.
 */
package io.contactsbridge.ops;
