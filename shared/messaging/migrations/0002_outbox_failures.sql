-- Why a row has not left yet: the relay records each failed publication, so an
-- operator sees a stuck lane (and its cause) instead of a silent backlog.
ALTER TABLE outbox ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error text;
