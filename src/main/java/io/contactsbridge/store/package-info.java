/**
 * The bridge's own database (H2 file by default, PostgreSQL in production): its health and fail-fast behaviour when it
 * is unreachable, and H2 compaction so the file stays bounded.
 */
package io.contactsbridge.store;
