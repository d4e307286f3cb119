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
