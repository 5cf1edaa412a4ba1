-- The duty desk (值班签到 / 交接): sign-ins, no-shows and handover notes of the dated
-- shifts of published rotas, the duty log of each post that reads them together, and the
-- keys officers issue to the office screens that show a post's rotating sign-in code.
-- A shift with sign-ins, no-shows or handovers cannot be deleted (no cascade): the duty
-- log is a record of what happened.

-- One sign-in (签到) per member and shift; `late` when after the shift's start.
CREATE TABLE check_ins (
    college        text        NOT NULL,
    check_in_id    uuid        PRIMARY KEY,
    shift_id       uuid        NOT NULL REFERENCES shifts (shift_id),
    person_id      text        NOT NULL,
    post           text        NOT NULL,
    checked_in_at  timestamptz NOT NULL,
    late           boolean     NOT NULL,
    -- The rotation step of the code the member scanned (which screen minute).
    code_step      bigint      NOT NULL,
    UNIQUE (shift_id, person_id)
);
CREATE INDEX check_ins_of_post ON check_ins (college, post, checked_in_at DESC);

-- No check-in by the shift's start plus grace: recorded once by the no-show timer.
CREATE TABLE no_shows (
    college      text        NOT NULL,
    shift_id     uuid        NOT NULL REFERENCES shifts (shift_id),
    person_id    text        NOT NULL,
    post         text        NOT NULL,
    starts_at    timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL,
    PRIMARY KEY (shift_id, person_id)
);
CREATE INDEX no_shows_of_post ON no_shows (college, post, recorded_at DESC);

-- The handover note (交接) a member on a shift (or an officer) leaves for the next shift.
CREATE TABLE handovers (
    college           text        NOT NULL,
    handover_id       uuid        PRIMARY KEY,
    shift_id          uuid        NOT NULL REFERENCES shifts (shift_id),
    person_id         text        NOT NULL,
    post              text        NOT NULL,
    work_done         text        NOT NULL,
    problems          text        NOT NULL DEFAULT '',
    unfinished_tasks  text        NOT NULL DEFAULT '',
    important_notes   text        NOT NULL DEFAULT '',
    recorded_at       timestamptz NOT NULL,
    UNIQUE (shift_id, person_id)
);
CREATE INDEX handovers_of_post ON handovers (college, post, recorded_at DESC);

-- The duty log (值班日志) of a post: sign-ins with their time and late flag, no-shows and
-- handovers, newest first when read.
CREATE VIEW duty_log AS
    SELECT college, post, shift_id, person_id, 'checked_in'::text AS kind,
           checked_in_at AS at, late, NULL::uuid AS handover_id
      FROM check_ins
    UNION ALL
    SELECT college, post, shift_id, person_id, 'missed', recorded_at, NULL, NULL
      FROM no_shows
    UNION ALL
    SELECT college, post, shift_id, person_id, 'handover', recorded_at, NULL, handover_id
      FROM handovers;

-- A desk key opens one post's duty desk page on an office screen (sent in the page's
-- query string); only its SHA-256 is kept. An officer issues and revokes it.
CREATE TABLE desk_keys (
    college     text        NOT NULL,
    key_id      uuid        PRIMARY KEY,
    post        text        NOT NULL,
    key_hash    bytea       NOT NULL UNIQUE,
    label       text        NOT NULL,
    issued_by   text        NOT NULL,
    issued_at   timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX desk_keys_of_post ON desk_keys (college, post);
