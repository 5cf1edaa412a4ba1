-- No unique key on purpose: a double effect must be visible.
CREATE TABLE effects (
    event_id        uuid        NOT NULL,
    application_id  uuid        NOT NULL,
    consumer_pid    integer     NOT NULL,
    applied_at      timestamptz NOT NULL DEFAULT now()
);
