package io.contactsbridge.simulator.birdsend;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Auto-increment ids shared by every account of one simulator, as one database table per entity
 * would hand them out: ids never repeat across accounts, so another account's id is a plain 404,
 * and a reset does not reuse ids a client may still hold.
 */
final class BirdSendIdSequences {

    final AtomicLong accounts = new AtomicLong(0);
    final AtomicLong contacts = new AtomicLong(1000);
    final AtomicLong tags = new AtomicLong(100);
    final AtomicLong fields = new AtomicLong(0);
    final AtomicLong sequences = new AtomicLong(200);
    final AtomicLong forms = new AtomicLong(300);
    final AtomicLong broadcasts = new AtomicLong(400);
}
