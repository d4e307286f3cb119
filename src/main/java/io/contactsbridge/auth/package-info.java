/**
 * Connections and their credentials: the connection registry (which BirdSend account and HighLevel location the
 * bridge talks to), OAuth flows and token refresh for both services, encrypted credential storage, HighLevel app
 * install/uninstall lifecycle, and the health of each connection.
 */
package io.contactsbridge.auth;
