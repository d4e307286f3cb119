/**
 * The durable journal: every contact event the bridge takes in (HighLevel webhooks and polls, BirdSend polls and
 * notifications, backfill items handed to the live sync) is appended here before it is acknowledged ({@link io.contactsbridge.journal.JournalStore},
 * {@link io.contactsbridge.journal.GroupCommit}), and read back by named consumers, each with its own durable
 * position per partition. This package owns the store and its schema use, the partitioning by contact
 * ({@link io.contactsbridge.journal.ContactKeys}), the leases that let replicas share partitions, the commit, the
 * failure back-off and holds (the one place that retries a failed event: {@code bridge.journal.retry-*}) ({@link io.contactsbridge.journal.LeasedBatch}, {@link io.contactsbridge.journal.RetryWithin}),
 * reading for one consumer ({@link io.contactsbridge.journal.JournalReader}), retention and the journal's part of
 * {@code /api/status} ({@link io.contactsbridge.journal.JournalStatus}). How events reach a route is the
 * {@code journal:} Camel component in {@link io.contactsbridge.journal.camel}.
 */
package io.contactsbridge.journal;
