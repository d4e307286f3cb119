-- Reports (admin API /api/reports): durable counts per hour, so they survive restarts and add up across replicas
-- (Micrometer counters do neither). One row per scope, UTC hour, metric and dimension; ReportCounters adds to a row
-- in batches every few seconds. scope: 'pair:<highlevel connection>|<birdsend connection>' for the sync's figures and
-- automation firings, 'budget:<service>:<connection>' for API calls spent against a connection's rate budget.
-- dimension: what the metric is split by (a direction, a side, an automation id, an HTTP outcome); '' when none.
-- Old rows go after bridge.reports.retention. Portable SQL: the same migrations run on H2 (PostgreSQL mode) and PostgreSQL.
CREATE TABLE report_bucket (
    scope       VARCHAR(300)  NOT NULL,
    hour_start  TIMESTAMP WITH TIME ZONE NOT NULL,
    metric      VARCHAR(100)  NOT NULL,
    dimension   VARCHAR(300)  NOT NULL,
    n           BIGINT        NOT NULL,
    PRIMARY KEY (scope, hour_start, metric, dimension)
);

-- Reports read a time range across scopes; retention deletes by hour.
CREATE INDEX report_bucket_hour ON report_bucket (hour_start);
