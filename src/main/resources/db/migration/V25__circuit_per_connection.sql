-- A circuit breaker per connection instead of per service (see io.contactsbridge.outbound.ConnectionSendRoutes): one
-- failing account opens its own circuit only, so a replica shares its openings per connection. The rows are openings
-- of the last seconds, nothing worth keeping: the table is made again with the connection in its key (dropping the
-- primary key in place is spelt differently by H2 and PostgreSQL). Portable SQL for H2 (PostgreSQL mode) and
-- PostgreSQL.
DROP TABLE outbound_circuit;

CREATE TABLE outbound_circuit (
    service        VARCHAR(40)   NOT NULL,
    connection_id  VARCHAR(100)  NOT NULL,
    opened_by      VARCHAR(300)  NOT NULL,
    opened_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    open_until     TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (service, connection_id)
);
