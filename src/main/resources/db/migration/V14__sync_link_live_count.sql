-- The status's count of a pair's live links (LinkStore.count) reads only these columns: with them in one index the
-- count goes through the index alone. Without it H2 fetched every link's row (shadow included) to test unlinked_side,
-- and at 100,000 links /api/status ran out of its time for the store's figures during a backfill.
CREATE INDEX sync_link_live ON sync_link (highlevel_connection, birdsend_connection, unlinked_side);
