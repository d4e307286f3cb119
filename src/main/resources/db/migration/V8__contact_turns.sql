-- One person's turn (see io.contactsbridge.sync.ContactTurns): whoever syncs a contact (the live sync, the
-- backfill, a replay) first holds a row here for each of its keys: the contact on either side (h:<id>,
-- b:<id>) and its email (e:<address>), scoped by the pair of connections. A row is a lease: a replica that
-- dies holding it loses it when lease_until passes. Portable SQL for H2 (PostgreSQL mode) and PostgreSQL.
CREATE TABLE sync_contact_turn (
    turn_key     VARCHAR(600)  NOT NULL PRIMARY KEY,
    owner        VARCHAR(200)  NOT NULL,
    lease_until  TIMESTAMP WITH TIME ZONE NOT NULL
);
