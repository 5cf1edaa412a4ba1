-- The member pool (a read model of recruitment's events, never a call into its schema),
-- the dated shifts of rotas with their seats, and solve jobs claimed by any replica.

CREATE TABLE members (
    college      text        NOT NULL,
    person_id    text        NOT NULL,
    skills       text[]      NOT NULL DEFAULT '{}',
    enrolled_at  timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (college, person_id)
);

-- One row per membership of a department or corps unit; ended_at set when it ends.
CREATE TABLE memberships (
    college            text        NOT NULL,
    membership_id      uuid        PRIMARY KEY,
    person_id          text        NOT NULL,
    organisation_kind  text        NOT NULL,
    organisation_id    text        NOT NULL,
    role               text        NOT NULL DEFAULT 'member',
    started_at         timestamptz NOT NULL,
    ended_at           timestamptz
);
CREATE INDEX memberships_current ON memberships (college, organisation_kind, organisation_id)
    WHERE ended_at IS NULL;
CREATE INDEX memberships_of_person ON memberships (college, person_id);

-- A rota: drafted from a solve job, then published (its assignments pinned).
CREATE TABLE rotas (
    college       text        NOT NULL,
    rota_id       uuid        PRIMARY KEY,
    name          text        NOT NULL,
    starts_on     date        NOT NULL,
    ends_on       date        NOT NULL,
    problem       jsonb       NOT NULL,
    status        text        NOT NULL CHECK (status IN ('draft', 'published')),
    created_at    timestamptz NOT NULL,
    published_at  timestamptz
);
CREATE INDEX rotas_of_college ON rotas (college, starts_on);

-- A dated shift of a rota at one post; `seats` members hold it.
CREATE TABLE shifts (
    college     text        NOT NULL,
    shift_id    uuid        PRIMARY KEY,
    rota_id     uuid        NOT NULL REFERENCES rotas (rota_id) ON DELETE CASCADE,
    post        text        NOT NULL,
    place       text        NOT NULL DEFAULT '',
    shift_type  text        NOT NULL,
    day         date        NOT NULL,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL CHECK (ends_at > starts_at),
    seats       integer     NOT NULL CHECK (seats > 0)
);
CREATE INDEX shifts_by_time ON shifts (college, starts_at);
CREATE INDEX shifts_of_rota ON shifts (rota_id, day);

-- Who holds a seat on a shift. `version` counts changes (repair, swap, open shift),
-- for the calendar feeds' SEQUENCE.
CREATE TABLE shift_seats (
    college     text        NOT NULL,
    shift_id    uuid        NOT NULL REFERENCES shifts (shift_id) ON DELETE CASCADE,
    person_id   text        NOT NULL,
    pinned      boolean     NOT NULL DEFAULT false,
    version     integer     NOT NULL DEFAULT 0,
    assigned_at timestamptz NOT NULL,
    PRIMARY KEY (shift_id, person_id)
);
CREATE INDEX shift_seats_of_person ON shift_seats (college, person_id);

-- Solve jobs (rota or timetable): claimed with FOR UPDATE SKIP LOCKED by any replica's
-- worker; a claim whose heartbeat stops is taken over by another replica.
CREATE TABLE solve_jobs (
    college        text        NOT NULL,
    job_id         uuid        PRIMARY KEY,
    kind           text        NOT NULL CHECK (kind IN ('rota', 'timetable')),
    problem        jsonb       NOT NULL,
    time_limit_s   double precision NOT NULL CHECK (time_limit_s > 0),
    status         text        NOT NULL
                   CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    cancel_requested boolean   NOT NULL DEFAULT false,
    claimed_by     text,
    heartbeat_at   timestamptz,
    attempts       integer     NOT NULL DEFAULT 0,
    progress       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    result         jsonb,
    error          text,
    created_by     text        NOT NULL,
    created_at     timestamptz NOT NULL,
    finished_at    timestamptz
);
CREATE INDEX solve_jobs_waiting ON solve_jobs (created_at) WHERE status IN ('queued', 'running');
