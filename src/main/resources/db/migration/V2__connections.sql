-- Credentials of each connection (see io.contactsbridge.auth). Token columns hold AES-GCM
-- ciphertext ("v1.<key id>.<data>"), never a plain token. Portable SQL for H2 (PostgreSQL mode) and PostgreSQL.
CREATE TABLE connection_credential (
    connection_id        VARCHAR(100) NOT NULL PRIMARY KEY,
    service              VARCHAR(20)  NOT NULL,
    kind                 VARCHAR(40)  NOT NULL,
    access_token_enc     VARCHAR(16000),
    refresh_token_enc    VARCHAR(16000),
    access_expires_at    TIMESTAMP WITH TIME ZONE,
    refresh_expires_at   TIMESTAMP WITH TIME ZONE,
    scopes               VARCHAR(2000),
    location_id          VARCHAR(100),
    company_id           VARCHAR(100),
    account_id           VARCHAR(100),
    -- CONNECTED | NEEDS_RECONNECT
    status               VARCHAR(30)  NOT NULL,
    connected_at         TIMESTAMP WITH TIME ZONE,
    last_refresh_at      TIMESTAMP WITH TIME ZONE,
    -- what went wrong, for people; never contains a token or a provider's raw answer
    last_refresh_error   VARCHAR(1000),
    refresh_failures     INTEGER      NOT NULL,
    -- bumped by every token change: refreshes compare it to know whether someone else already refreshed
    version              BIGINT       NOT NULL,
    -- one refresh per connection across replicas: the replica holding the lease calls the token endpoint
    refresh_lease_owner  VARCHAR(200),
    refresh_lease_until  TIMESTAMP WITH TIME ZONE,
    updated_at           TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Pending OAuth connect attempts. Only a SHA-256 of the state is kept; a state is good once, for a few minutes.
CREATE TABLE oauth_state (
    state_hash     VARCHAR(64)  NOT NULL PRIMARY KEY,
    connection_id  VARCHAR(100) NOT NULL,
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    used_at        TIMESTAMP WITH TIME ZONE
);

CREATE INDEX oauth_state_expires ON oauth_state (expires_at);
