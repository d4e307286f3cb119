-- Writes a service refused for a reason that retrying does not change (HighLevel's duplicate rule, a validation
-- error), one row per person and refusing side (see io.contactsbridge.sync.RefusalStore). The refusal is stored as a
-- dead letter once; while the person's data would make the same write again, later events of the person are skipped
-- without a call, instead of adding a dead letter each. The row goes when that write succeeds.
CREATE TABLE sync_refusal (
    highlevel_connection  VARCHAR(100)  NOT NULL,
    birdsend_connection   VARCHAR(100)  NOT NULL,
    -- the person: birdsend:<id> when the BirdSend contact exists, else highlevel:<id>
    subject               VARCHAR(150)  NOT NULL,
    -- the service that refused: highlevel or birdsend
    refused_side          VARCHAR(20)   NOT NULL,
    operation             VARCHAR(100),
    -- for a duplicate refusal: the field the duplicate rule matched (email or phone), the value the write carried
    -- (normalised) and the contact that holds it; otherwise null, and fingerprint is the whole write's
    field                 VARCHAR(40),
    field_value           VARCHAR(320),
    conflicting_id        VARCHAR(100),
    fingerprint           VARCHAR(64),
    message               VARCHAR(1000),
    refused_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (highlevel_connection, birdsend_connection, subject, refused_side)
);
