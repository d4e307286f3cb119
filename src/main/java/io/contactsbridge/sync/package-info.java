/**
 * The two-way contact sync: the live sync (journal events per contact, read both sides, merge by the mapping and the
 * last-synced shadow, write what differs, record the link), the backfill that pairs existing contacts of large
 * accounts in bounded memory, and the link and refusal stores. Neither retries on its own: a call has had the outbound
 * layer's retries, and what still fails while a service is down is retried by the journal (the backfill hands such
 * items to the live sync as journal events, source {@code backfill}).
 */
package io.contactsbridge.sync;
