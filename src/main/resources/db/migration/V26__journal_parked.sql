-- Pair isolation (see io.contactsbridge.journal.JournalParking): with several connection pairs, an event whose pair
-- cannot be served now (its service fails or times out, its token expired, its budget is spent) is parked here and its
-- partition goes on, so the other pairs' events behind it are not held up. While a pair has parked events, its new
-- events are parked behind them (per-contact order); one replica at a time retries a pair's parked events in order,
-- with back-off. The event itself stays in inbound_event (retention keeps it while parked). Portable SQL for H2
-- (PostgreSQL mode) and PostgreSQL.
CREATE TABLE journal_parked (
    consumer_id  VARCHAR(100)  NOT NULL,
    seq          BIGINT        NOT NULL,
    group_key    VARCHAR(100)  NOT NULL,
    parked_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (consumer_id, seq)
);
CREATE INDEX journal_parked_by_group ON journal_parked (consumer_id, group_key, seq);

-- One row per consumer and pair that ever had parked events (kept, so parking never races a removal): the back-off of
-- its retries and which replica retries them now.
CREATE TABLE journal_parked_group (
    consumer_id  VARCHAR(100)  NOT NULL,
    group_key    VARCHAR(100)  NOT NULL,
    failures     INT           NOT NULL,
    retry_after  TIMESTAMP WITH TIME ZONE NOT NULL,
    last_error   VARCHAR(1000),
    lease_owner  VARCHAR(300),
    lease_until  TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (consumer_id, group_key)
);
