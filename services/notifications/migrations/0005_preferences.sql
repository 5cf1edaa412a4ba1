-- A person's choices about what reaches them, how and when (their locale, time zone and
-- contact points are in `people` and `contact_points`, migration 0002).

-- Per category: the channels in failover order, whether it is on, what quiet hours do
-- to it (hold until the window ends, or drop) and whether it goes into the digest.
-- A category without a row takes the defaults (see domain/preferences.py).
CREATE TABLE preferences (
    college         text        NOT NULL,
    person_id       text        NOT NULL,
    category        text        NOT NULL CHECK (category IN (
                        'recruitment', 'pairing', 'duty', 'meetings', 'teaching',
                        'activities', 'evaluation', 'reminders', 'safety')),
    channels        text[]      NOT NULL CHECK (
                        cardinality(channels) BETWEEN 1 AND 4
                        AND channels <@ ARRAY['inapp', 'email', 'sms', 'im']),
    enabled         boolean     NOT NULL DEFAULT true,
    quiet_handling  text        NOT NULL DEFAULT 'hold' CHECK (quiet_handling IN ('hold', 'drop')),
    digest          boolean     NOT NULL DEFAULT false,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (college, person_id, category),
    -- Critical categories cannot be switched off nor wait for a digest.
    CHECK (category <> 'safety' OR (enabled AND NOT digest))
);

-- Quiet hours: a wall-clock window in the person's time zone (people.time_zone); it may
-- cross midnight (22:00-07:00); it is never empty.
CREATE TABLE quiet_hours (
    college     text        NOT NULL,
    person_id   text        NOT NULL,
    starts      time        NOT NULL,
    ends        time        NOT NULL CHECK (ends <> starts),
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (college, person_id)
);

-- When the person's digest goes out, in their time zone: daily at `at`, or weekly on
-- `weekday` (0 = Monday) at `at`.
CREATE TABLE digest_windows (
    college     text        NOT NULL,
    person_id   text        NOT NULL,
    cadence     text        NOT NULL CHECK (cadence IN ('daily', 'weekly')),
    weekday     smallint    CHECK (weekday BETWEEN 0 AND 6),
    at          time        NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (college, person_id),
    CHECK ((cadence = 'weekly') = (weekday IS NOT NULL))
);

-- A digested message once a digest carried it (the mark that it is done), and which
-- digest message that was.
CREATE TABLE digest_entries (
    message_id         uuid        PRIMARY KEY REFERENCES messages (message_id),
    college            text        NOT NULL,
    person_id          text        NOT NULL,
    digest_message_id  uuid        NOT NULL,
    period_end         timestamptz NOT NULL,
    included_at        timestamptz NOT NULL
);
CREATE INDEX digest_entries_of_digest ON digest_entries (digest_message_id);
-- Finding a person's messages waiting for their digest.
CREATE INDEX messages_digested ON messages (college, recipient_id, created_at)
    WHERE status = 'digested';
