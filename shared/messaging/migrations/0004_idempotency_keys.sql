-- Idempotency-Key: a write a client sent with a key, remembered with its answer, so the
-- client's retry gets the same answer instead of applying the write twice. The row is
-- written in the route's own transaction (it exists exactly when the write committed);
-- the answer is added just after, so a row without a status is a write whose answer is
-- not kept (yet); an answer marked `Cache-Control: no-store` (a secret shown once) keeps
-- only its status. Rows older than the retention (24 hours) are pruned, and a key may
-- then be used again.
CREATE TABLE idempotency_keys (
    caller        text        NOT NULL,  -- the token's subject: keys are the caller's own
    key           text        NOT NULL,
    method        text        NOT NULL,
    path          text        NOT NULL,
    fingerprint   bytea       NOT NULL,  -- sha256 of method, path, query, content type, body
    created_at    timestamptz NOT NULL DEFAULT now(),
    status        smallint,
    withheld      boolean     NOT NULL DEFAULT false,  -- answered no-store: status alone kept
    headers       jsonb,
    body          bytea,
    PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
