/**
 * The two-way contact sync: the live sync (journal events per contact, read both sides, merge by the mapping and the
 * last-synced shadow, write what differs, record the link), the backfill that pairs existing contacts of large
 * accounts in bounded memory, and the link and refusal stores.
 */
package io.contactsbridge.sync;
