CREATE TABLE notices (
    id            uuid PRIMARY KEY,
    college       text        NOT NULL,
    recipient_id  text        NOT NULL,
    kind          text        NOT NULL,
    title         text        NOT NULL,
    body          text        NOT NULL,
    subject_id    text        NOT NULL,
    created_at    timestamptz NOT NULL,
    read_at       timestamptz
);
CREATE INDEX notices_by_recipient ON notices (college, recipient_id, created_at DESC);
