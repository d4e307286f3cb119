-- Change capture by polling (see io.contactsbridge.capture). Portable SQL for H2 (PostgreSQL mode) and PostgreSQL.

-- One row per poller and connection: where it got to, how its last poll went, and which replica may poll now.
CREATE TABLE capture_cursor (
    -- the journal source the poller appends to: highlevel-poll, birdsend-poll
    source               VARCHAR(40)   NOT NULL,
    connection_id        VARCHAR(100)  NOT NULL,
    -- HighLevel: dateUpdated (ISO-8601 instant) and id of the last contact processed; nothing for BirdSend
    cursor_value         VARCHAR(100),
    cursor_tiebreak      VARCHAR(200),
    -- HighLevel: the searchAfter array of that contact, to continue exactly there after a poll that hit its page cap
    cursor_search_after  VARCHAR(1000),
    catching_up          BOOLEAN       NOT NULL,
    last_poll_at         TIMESTAMP WITH TIME ZONE,
    -- poll (HighLevel), quick or full (BirdSend)
    last_poll_kind       VARCHAR(20),
    -- ok, partial, failed, skipped
    last_poll_status     VARCHAR(20),
    last_poll_error      VARCHAR(1000),
    last_poll_requests   INTEGER,
    -- events appended by the last poll, by type, as a JSON object
    last_poll_events     VARCHAR(1000),
    -- BirdSend: when the last complete full scan ended, and whether the first one (the baseline) is done
    last_full_scan_at    TIMESTAMP WITH TIME ZONE,
    baseline_done        BOOLEAN       NOT NULL,
    lease_owner          VARCHAR(200),
    lease_until          TIMESTAMP WITH TIME ZONE,
    updated_at           TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (source, connection_id)
);

-- What the BirdSend poller last saw of each contact, as hashes, to tell what changed (BirdSend has no
-- updated-since filter). Hashes are hex SHA-256 prefixes.
CREATE TABLE capture_birdsend_snapshot (
    connection_id  VARCHAR(100)  NOT NULL,
    contact_id     VARCHAR(40)   NOT NULL,
    email          VARCHAR(320),
    -- email and fields together (a change is ContactChanged), and the fields alone (says which part changed)
    content_hash   VARCHAR(32)   NOT NULL,
    fields_hash    VARCHAR(32)   NOT NULL,
    -- active, unsubscribed; NULL when the API does not report it
    status         VARCHAR(40),
    tags_hash      VARCHAR(32)   NOT NULL,
    -- the tag names as a JSON array, to report which were added or removed
    tags           TEXT          NOT NULL,
    -- counts the changes recorded for the contact; part of the event ids, so a state seen again later is a new event
    version        INTEGER       NOT NULL,
    first_seen_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (connection_id, contact_id)
);

-- Deletion candidates after a full scan: contacts of a connection not seen since the scan started.
CREATE INDEX capture_birdsend_snapshot_seen ON capture_birdsend_snapshot (connection_id, last_seen_at);
