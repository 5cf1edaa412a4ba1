-- Personal calendar feeds: a secret URL per member (only the token's SHA-256 is kept),
-- revocable and rotatable, and what each feed last served, so that an item that left it
-- (a seat passed to someone else, a lesson moved away) is served once more as CANCELLED
-- with a higher SEQUENCE and phones drop it, and SEQUENCE never goes down.

CREATE TABLE calendar_feeds (
    college     text        NOT NULL,
    feed_id     uuid        PRIMARY KEY,
    person_id   text        NOT NULL,
    token_hash  bytea       NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    rotated_at  timestamptz,
    revoked_at  timestamptz
);
-- One live feed per member of a college.
CREATE UNIQUE INDEX calendar_feeds_one_live ON calendar_feeds (college, person_id)
    WHERE revoked_at IS NULL;

CREATE TABLE calendar_feed_items (
    feed_id      uuid        NOT NULL REFERENCES calendar_feeds (feed_id) ON DELETE CASCADE,
    uid          text        NOT NULL,
    kind         text        NOT NULL,
    sequence     integer     NOT NULL CHECK (sequence >= 0),
    fingerprint  text        NOT NULL,
    summary      text        NOT NULL,
    location     text        NOT NULL DEFAULT '',
    description  text        NOT NULL DEFAULT '',
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    cancelled    boolean     NOT NULL,
    changed_at   timestamptz NOT NULL,
    PRIMARY KEY (feed_id, uid)
);
CREATE INDEX calendar_feed_items_by_end ON calendar_feed_items (ends_at);
