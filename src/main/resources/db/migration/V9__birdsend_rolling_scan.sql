-- The BirdSend poller's rolling scan (see io.contactsbridge.capture.BirdSendContactPoller): instead of a full scan
-- every 15 minutes, one pass after another over every page, paced to the poller's share of the rate budget, whose
-- position is stored after every page so that a restart (or another replica) continues it. Portable SQL for H2
-- (PostgreSQL mode) and PostgreSQL.

-- When the pass in progress read its first page; NULL when no pass is in progress. Contacts not seen since are the
-- pass's deletion candidates.
ALTER TABLE capture_cursor ADD COLUMN pass_started_at TIMESTAMP WITH TIME ZONE;
-- The next page the pass lists (ascending contact ids, from 1); 0 once every page is listed and the deletion
-- candidates are being looked up.
ALTER TABLE capture_cursor ADD COLUMN pass_page INTEGER;
-- Deletion candidates the pass has looked up so far (bounded by bridge.capture.birdsend.max-deletion-checks).
ALTER TABLE capture_cursor ADD COLUMN pass_checks INTEGER;
-- When the last complete pass started (it ended at last_full_scan_at).
ALTER TABLE capture_cursor ADD COLUMN last_pass_started_at TIMESTAMP WITH TIME ZONE;
-- The column the quick scan sorts by, newest first, as the probe of the account found it: updated_at when the
-- account's list sorts by it, else contact_id. NULL until the first probe.
ALTER TABLE capture_cursor ADD COLUMN quick_order_by VARCHAR(20);
ALTER TABLE capture_cursor ADD COLUMN quick_order_probed_at TIMESTAMP WITH TIME ZONE;
-- The number of the last contact the pass listed (ids are integers): a known contact between it and the last one of
-- the next page that the page did not show was deleted (or shifted to a page already read) and is looked up then.
ALTER TABLE capture_cursor ADD COLUMN pass_last_number BIGINT;

-- The contact id as a number (NULL if it is not one), so a pass can ask which known contacts lie between two ids.
ALTER TABLE capture_birdsend_snapshot ADD COLUMN contact_number BIGINT;
-- (only digits: every digit made a 0 gives as many zeros as the id is long; H2 and PostgreSQL alike)
UPDATE capture_birdsend_snapshot SET contact_number = CAST(contact_id AS BIGINT)
    WHERE LENGTH(contact_id) BETWEEN 1 AND 18
      AND TRANSLATE(contact_id, '0123456789', '0000000000') = REPEAT('0', LENGTH(contact_id));
CREATE INDEX capture_birdsend_snapshot_number ON capture_birdsend_snapshot (connection_id, contact_number);
