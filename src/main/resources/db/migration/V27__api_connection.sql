-- Connections added through the admin API (see io.contactsbridge.auth.ApiConnections): a HighLevel location's Private
-- Integration token or a BirdSend personal access token, so a new pair can be set up without a restart. The token is
-- kept encrypted with bridge.encryption.key, as the OAuth tokens are. Every replica reads the table every few seconds.
-- Portable SQL for H2 (PostgreSQL mode) and PostgreSQL.
CREATE TABLE api_connection (
    connection_id  VARCHAR(63)    NOT NULL PRIMARY KEY,
    kind           VARCHAR(40)    NOT NULL,
    base_url       VARCHAR(500)   NOT NULL,
    location_id    VARCHAR(100),
    token_enc      VARCHAR(4000)  NOT NULL,
    -- removed through the API: no longer known to the bridge (the row stays so every replica drops it)
    removed        BOOLEAN        NOT NULL,
    changed_at     TIMESTAMP WITH TIME ZONE NOT NULL
);
