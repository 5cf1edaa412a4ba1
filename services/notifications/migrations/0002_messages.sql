-- The delivery pipeline: a message per (event, recipient, kind), one delivery per channel
-- it tries (the failover path), every attempt recorded; the in-app inbox is `notices`.

-- A person as notifications knows them (folded from other services' events and from
-- their own preferences): the language and time zone they read in.
CREATE TABLE people (
    college      text        NOT NULL,
    person_id    text        NOT NULL,
    display_name text,
    locale       text        NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en')),
    time_zone    text        NOT NULL DEFAULT 'Asia/Shanghai',
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (college, person_id)
);

-- Where a person can be reached outside the app: an email address, a mobile number for
-- SMS, an IM bot target (an Apprise URL of a DingTalk / WeCom / Feishu bot).
CREATE TABLE contact_points (
    college     text        NOT NULL,
    person_id   text        NOT NULL,
    channel     text        NOT NULL CHECK (channel IN ('email', 'sms', 'im')),
    address     text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (college, person_id, channel)
);

-- One message: what an event means for one recipient. Its id derives from the event,
-- the recipient and the kind, so a replayed event finds the message it already made.
-- `channels` is the planned failover path (e.g. {sms,email,inapp}); `status` is the
-- message's overall state.
CREATE TABLE messages (
    message_id     uuid        PRIMARY KEY,
    college        text        NOT NULL,
    event_id       uuid        NOT NULL,
    recipient_id   text        NOT NULL,
    kind           text        NOT NULL,
    category       text        NOT NULL,
    priority       text        NOT NULL CHECK (priority IN ('normal', 'critical')),
    subject_id     text        NOT NULL DEFAULT '',
    fields         jsonb       NOT NULL,
    locale         text        NOT NULL,
    channels       text[]      NOT NULL,
    status         text        NOT NULL CHECK (status IN (
                       'queued', 'held', 'digested', 'sent', 'delivered', 'bounced',
                       'failed', 'dropped')),
    hold_until     timestamptz,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX messages_of_recipient ON messages (college, recipient_id, created_at DESC);
CREATE INDEX messages_held ON messages (hold_until) WHERE status = 'held';

-- One channel's try at a message. The dedupe key (event id, recipient, channel,
-- template version) makes a redelivered event send nothing twice.
CREATE TABLE deliveries (
    delivery_id        uuid        PRIMARY KEY,
    message_id         uuid        NOT NULL REFERENCES messages (message_id),
    college            text        NOT NULL,
    channel            text        NOT NULL CHECK (channel IN ('inapp', 'email', 'sms', 'im')),
    dedupe_key         text        NOT NULL UNIQUE,
    template_version   integer     NOT NULL,
    status             text        NOT NULL CHECK (status IN (
                           'queued', 'sending', 'sent', 'delivered', 'bounced', 'failed')),
    attempts           integer     NOT NULL DEFAULT 0,
    next_attempt_at    timestamptz NOT NULL,
    claimed_by         text,
    claimed_until      timestamptz,
    provider_message_id text,
    last_error         text,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at)
    WHERE status IN ('queued', 'sending');
CREATE INDEX deliveries_of_message ON deliveries (message_id);

CREATE TABLE delivery_attempts (
    delivery_id  uuid        NOT NULL REFERENCES deliveries (delivery_id),
    attempt      integer     NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    outcome      text        CHECK (outcome IN (
                     'sent', 'delivered', 'temporary_failure', 'permanent_failure',
                     'breaker_open', 'rate_limited')),
    detail       text        NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, attempt)
);

-- The in-app inbox keeps its table; a notice now comes from a message (the applicant
-- notices of before have none).
ALTER TABLE notices ADD COLUMN message_id uuid UNIQUE REFERENCES messages (message_id);
ALTER TABLE notices ADD COLUMN priority text NOT NULL DEFAULT 'normal';
ALTER TABLE notices ADD COLUMN category text NOT NULL DEFAULT 'recruitment';
