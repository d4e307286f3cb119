-- The backfill's listings of both sides (see io.contactsbridge.sync.Backfill, BackfillListingStore): one row per listed
-- contact, written page by page as the listing goes, paired here by the database (link, then email, then phone) and
-- then read back in pages in the run's order. So the backfill's memory does not grow with the account. Rows belong
-- to one run and are deleted when it ends; a resumed run lists again. Portable SQL for H2 (PostgreSQL mode) and
-- PostgreSQL.
CREATE TABLE sync_backfill_contact (
    run_id                VARCHAR(40)   NOT NULL,
    highlevel_connection  VARCHAR(100)  NOT NULL,
    birdsend_connection   VARCHAR(100)  NOT NULL,
    -- a dry run's rows (a real run of the pair clears the pair's other real-run rows, never a dry run's)
    dry_run               BOOLEAN       NOT NULL,
    -- b: a BirdSend contact, h: a HighLevel contact
    side                  CHAR(1)       NOT NULL,
    contact_id            VARCHAR(100)  NOT NULL,
    -- the position in its side's listing: the first listed contact with an email (or phone) is the one it pairs with
    seq                   BIGINT        NOT NULL,
    -- the mapped email (normalised) and phone (E.164, when the mapping has a phone field): what pairing joins on
    email                 VARCHAR(320),
    phone                 VARCHAR(100),
    -- the mapped contact as listed (JSON object of canonical values, as a link's shadow): the fast path compares it
    -- with the link's shadow, and a dry run plans from it
    mapped                TEXT          NOT NULL,
    -- the contact's update time as listed (last-writer-wins of a dry run's plan)
    contact_updated_at    TIMESTAMP WITH TIME ZONE,
    -- the work item's order key (Backfill.orderKey of b:<padded id> or h:<id>): the run's order and checkpoint
    order_key             VARCHAR(200)  NOT NULL,
    -- false for a HighLevel contact that is paired with a listed BirdSend contact (that one's item covers it)
    is_item               BOOLEAN       NOT NULL,
    -- how pairing placed the contact: link, gone (its link's partner was deleted), email, phone, email-no and
    -- phone-no (refused: its match is someone else's), claimed (a HighLevel contact paired with a listed BirdSend one)
    pairing               VARCHAR(10),
    -- the other side's id: the paired (or refused) HighLevel contact (b rows), the linked BirdSend contact (h rows)
    partner_id            VARCHAR(100),
    link_id               BIGINT,
    -- why the item is skipped, if it is
    skip                  VARCHAR(400),
    created_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (run_id, side, contact_id)
);

CREATE INDEX sync_backfill_contact_email ON sync_backfill_contact (run_id, side, email, seq);
CREATE INDEX sync_backfill_contact_phone ON sync_backfill_contact (run_id, side, phone, seq);
CREATE INDEX sync_backfill_contact_partner ON sync_backfill_contact (run_id, side, partner_id, seq);
-- the rows of one pairing pass, a range of listing positions at a time
CREATE INDEX sync_backfill_contact_pairing ON sync_backfill_contact (run_id, side, pairing, seq);
CREATE INDEX sync_backfill_contact_order ON sync_backfill_contact (run_id, is_item, order_key);
