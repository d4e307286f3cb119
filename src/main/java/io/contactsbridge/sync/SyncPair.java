package io.contactsbridge.sync;

/** The two connections whose contacts are kept in sync; links and backfill progress are kept per pair. */
public record SyncPair(String highlevelConnection, String birdsendConnection) {
}
