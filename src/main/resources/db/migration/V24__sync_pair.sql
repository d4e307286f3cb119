-- Connection pairs changed through the admin API (see io.contactsbridge.sync.SyncPairs): pairs added at run time (with
-- their connections), and the pause or removal of any pair, configured ones included (those rows have no
-- connections). Every replica reads the table every few seconds. Portable SQL for H2 (PostgreSQL mode) and PostgreSQL.
CREATE TABLE sync_pair (
    pair_id               VARCHAR(63)   NOT NULL PRIMARY KEY,
    -- set for a pair added through the API; NULL for a configured pair (bridge.pairs.<id>.*)
    highlevel_connection  VARCHAR(100),
    birdsend_connection   VARCHAR(100),
    paused                BOOLEAN       NOT NULL,
    -- while paused: the sync's lowest journal position when the pause began; its events after it are handed to the
    -- sync again at the resume (those it skipped meanwhile, and those the polls had already taken in)
    paused_from_seq       BIGINT,
    -- removed through the API: not synced any more (its links stay, so adding it again resumes where it was)
    removed               BOOLEAN       NOT NULL,
    changed_at            TIMESTAMP WITH TIME ZONE NOT NULL
);
