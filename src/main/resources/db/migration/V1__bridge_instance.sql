-- One row per running replica, refreshed by the heartbeat route.
-- Portable SQL: the same migrations run on H2 (PostgreSQL mode) and PostgreSQL.
CREATE TABLE bridge_instance (
    instance_id  VARCHAR(100) NOT NULL PRIMARY KEY,
    version      VARCHAR(50)  NOT NULL,
    started_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    last_beat_at TIMESTAMP WITH TIME ZONE NOT NULL,
    beats        BIGINT NOT NULL
);
