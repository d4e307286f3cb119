-- Replicas sharing one store (see io.contactsbridge.outbound.RateAllotment). Each renews its row every few seconds;
-- the rows whose lease has not run out are the replicas alive, and each takes its weight's share of every
-- connection's rate limits. Portable SQL for H2 (PostgreSQL mode) and PostgreSQL.
CREATE TABLE bridge_member (
    -- the instance id and a suffix of this process, so two processes given the same id still count as two
    member_id    VARCHAR(300)  NOT NULL PRIMARY KEY,
    joined_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    lease_until  TIMESTAMP WITH TIME ZONE NOT NULL,
    -- how much of the limits it asks for: more while its callers wait for their slots (a backfill), 1 otherwise
    weight       INTEGER       NOT NULL
);

-- A service's circuit breaker opened by one replica, so that the others open theirs too instead of each finding
-- out with failed calls of its own (see io.contactsbridge.outbound.SharedCircuits).
CREATE TABLE outbound_circuit (
    service     VARCHAR(40)   NOT NULL PRIMARY KEY,
    opened_by   VARCHAR(300)  NOT NULL,
    opened_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    open_until  TIMESTAMP WITH TIME ZONE NOT NULL
);

-- When a scheduled poll last started, whichever replica ran it. Every replica's schedule fires; one that finds the
-- poll started less than most of an interval ago skips its turn, so the poll runs once per interval across replicas
-- (see io.contactsbridge.capture.CaptureStore#takeTurn).
CREATE TABLE capture_turn (
    source         VARCHAR(40)   NOT NULL,
    connection_id  VARCHAR(100)  NOT NULL,
    -- poll (HighLevel), quick (BirdSend)
    kind           VARCHAR(20)   NOT NULL,
    started_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    started_by     VARCHAR(300)  NOT NULL,
    PRIMARY KEY (source, connection_id, kind)
);
