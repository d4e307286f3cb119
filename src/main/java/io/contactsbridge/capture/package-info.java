/**
 * Change capture by polling: the HighLevel poller (search by dateUpdated with a stored cursor) and the BirdSend poller
 * (quick scans of the newest contacts plus a rolling full scan against a snapshot in the store, since BirdSend has no
 * reliable change feed). Each change found is appended to the journal as an event, like a webhook. The pollers name their share of the
 * connection's rate budget on their calls ({@code bridge.capture.<service>.request-share}); the outbound layer keeps
 * them to it.
 */
package io.contactsbridge.capture;
