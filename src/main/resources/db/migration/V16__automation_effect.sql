-- Automations (routes/automations/) do each effect (a tag, a note, a task, a sequence subscription) once per source
-- event: the dedupe key is the automation, the journal event (source + event id) and the effect's name. A row is
-- 'claimed' before the call and 'done' (with the service's answer) after it, so a replayed or redelivered event finds
-- 'done' and skips the call. A claim older than bridge.automations.claim-timeout is stale (the bridge stopped
-- mid-call) and is taken over. Portable SQL: the same migrations run on H2 (PostgreSQL mode) and PostgreSQL.
CREATE TABLE automation_effect (
    automation_id   VARCHAR(200)  NOT NULL,
    event_source    VARCHAR(64)   NOT NULL,
    event_id        VARCHAR(200)  NOT NULL,
    effect          VARCHAR(200)  NOT NULL,
    state           VARCHAR(20)   NOT NULL,
    claimed_by      VARCHAR(200)  NOT NULL,
    claimed_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    done_at         TIMESTAMP WITH TIME ZONE,
    result          VARCHAR(4000),
    PRIMARY KEY (automation_id, event_source, event_id, effect)
);
