-- Sandbox mode only (io.contactsbridge.sandbox.SandboxStoreReset): which seeding of the in-process simulators the
-- rest of this store describes. The simulators are seeded afresh at every start, and links, cursors and the backfill
-- recorded for an earlier seeding would point at contacts that no longer exist, so a sandbox store whose world is
-- not the current one is emptied at start-up. Live mode never reads or writes this table.
CREATE TABLE sandbox_world (
    id           INTEGER       NOT NULL PRIMARY KEY,
    world_id     VARCHAR(40)   NOT NULL,
    -- the seed settings, for people reading the store
    seeded_with  VARCHAR(300)  NOT NULL,
    seeded_at    TIMESTAMP WITH TIME ZONE NOT NULL
);
