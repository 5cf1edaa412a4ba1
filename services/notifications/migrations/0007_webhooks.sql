-- Signed outbound webhooks: a college's endpoints, one delivery per (endpoint, event),
-- sent in order per endpoint, every attempt logged.

-- An outside system's endpoint. `secret` signs every delivery (HMAC-SHA256); it is shown
-- once, when the endpoint is created or its secret rotated. `event_types` are the
-- subscribed event types; empty means every event type. `next_sequence` numbers the
-- endpoint's deliveries (taken under the row's lock, so sequence order is commit order).
CREATE TABLE webhook_endpoints (
    endpoint_id       uuid        PRIMARY KEY,
    college           text        NOT NULL,
    url               text        NOT NULL,
    secret            text        NOT NULL,
    description       text        NOT NULL DEFAULT '',
    event_types       text[]      NOT NULL DEFAULT '{}',
    active            boolean     NOT NULL DEFAULT true,
    next_sequence     bigint      NOT NULL DEFAULT 1,
    secret_rotated_at timestamptz NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX webhook_endpoints_of_college ON webhook_endpoints (college, created_at);

-- One event offered to one endpoint. A redelivered event adds nothing (the partial
-- unique index); a replay of a time range adds new deliveries (`replay_of` names the
-- delivery it repeats) with new, higher sequences, and keeps the old ones in the log.
-- At most one delivery of an endpoint is in flight: its lowest pending sequence.
CREATE TABLE webhook_deliveries (
    delivery_id      uuid        PRIMARY KEY,
    endpoint_id      uuid        NOT NULL REFERENCES webhook_endpoints (endpoint_id)
                                 ON DELETE CASCADE,
    college          text        NOT NULL,
    sequence         bigint      NOT NULL,
    event_id         uuid        NOT NULL,
    event_type       text        NOT NULL,
    occurred_at      timestamptz NOT NULL,
    body             jsonb       NOT NULL,
    replay_of        uuid        REFERENCES webhook_deliveries (delivery_id) ON DELETE SET NULL,
    status           text        NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    first_attempt_at timestamptz,
    claimed_by       text,
    claimed_until    timestamptz,
    last_status_code integer,
    last_error       text,
    finished_at      timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (endpoint_id, sequence)
);
CREATE UNIQUE INDEX webhook_deliveries_once
    ON webhook_deliveries (endpoint_id, event_id) WHERE replay_of IS NULL;
CREATE INDEX webhook_deliveries_pending
    ON webhook_deliveries (endpoint_id, sequence) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, created_at DESC);
CREATE INDEX webhook_deliveries_by_occurrence ON webhook_deliveries (endpoint_id, occurred_at);

-- Every try: when, what the receiver answered (status code) or what went wrong.
CREATE TABLE webhook_attempts (
    delivery_id  uuid        NOT NULL REFERENCES webhook_deliveries (delivery_id)
                             ON DELETE CASCADE,
    attempt      integer     NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL,
    status_code  integer,
    error        text,
    duration_ms  integer     NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
