-- Durable timers: whatever must happen at a time is a row here, claimed with
-- FOR UPDATE SKIP LOCKED and acted on in one transaction with its events.
-- At most one pending action per (kind, key): scheduling again moves it.
-- Fired rows stay (with last_error when the action failed for good) to look into.
CREATE TABLE due_actions (
    id          bigserial PRIMARY KEY,
    kind        text        NOT NULL,
    key         text        NOT NULL,
    due_at      timestamptz NOT NULL,
    payload     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    attempts    integer     NOT NULL DEFAULT 0,
    last_error  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    fired_at    timestamptz
);
CREATE UNIQUE INDEX due_actions_one_pending ON due_actions (kind, key) WHERE fired_at IS NULL;
CREATE INDEX due_actions_pending_by_time ON due_actions (due_at) WHERE fired_at IS NULL;
