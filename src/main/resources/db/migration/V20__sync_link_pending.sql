-- Writes the sync began for a pair and has not recorded yet (io.contactsbridge.sync.PendingWrite, as JSON): what each
-- side held, the shadow before, and what both were to hold. A retry after a failure halfway through tells the
-- bridge's own writes from a person's edits made meanwhile by it. NULL when none is pending.
ALTER TABLE sync_link ADD COLUMN pending TEXT;

-- The same for a contact the sync is about to create from another (its source): before the create, since an answer
-- lost on the way (a timeout) leaves a contact the next attempt finds by email with no link. One row per source
-- contact, written and read in the person's turn; it goes when the two are linked.
CREATE TABLE sync_pending_create (
    highlevel_connection  VARCHAR(100)  NOT NULL,
    birdsend_connection   VARCHAR(100)  NOT NULL,
    -- the source contact: highlevel:<id> when creating in BirdSend, birdsend:<id> when creating in HighLevel
    source                VARCHAR(150)  NOT NULL,
    pending               TEXT          NOT NULL,
    created_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (highlevel_connection, birdsend_connection, source)
);
