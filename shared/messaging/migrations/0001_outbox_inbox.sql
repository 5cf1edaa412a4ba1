-- The transactional outbox: written in the same transaction as the state change.
-- `lane` = crc32(key) mod lanes: a relay holds a lane's advisory lock while it
-- publishes, so one aggregate's events leave in order even with several replicas.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    event_id     uuid        NOT NULL UNIQUE,
    topic        text        NOT NULL,
    message_key  bytea       NOT NULL,
    headers      jsonb       NOT NULL,
    payload      bytea       NOT NULL,
    lane         smallint    NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz
);
CREATE INDEX outbox_unsent ON outbox (lane, id) WHERE sent_at IS NULL;

-- The inbox: one row per (consumer, event) applied, written with the effect.
CREATE TABLE inbox (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    event_type   text        NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
