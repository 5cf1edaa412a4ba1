-- What happens to a rota after it is drafted: where it came from, the assignments it
-- proposes, members who withdrew or got leave (repair), swaps decided by the department
-- head, open shifts offered to eligible others, and an audit log of every step.

-- A draft keeps the checked assignments of the solve job it came from; publishing turns
-- them into shifts and pinned seats. One rota per solve job.
ALTER TABLE rotas
    ADD COLUMN job_id      uuid,
    ADD COLUMN assignments jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN created_by  text  NOT NULL DEFAULT '',
    ADD COLUMN published_by text;
CREATE UNIQUE INDEX rotas_one_per_job ON rotas (job_id) WHERE job_id IS NOT NULL;

-- A dated shift is one (day, shift type) of its rota's problem: the independent checker
-- runs again on the rota's problem with today's seats.
CREATE UNIQUE INDEX shifts_one_per_rota_day_type ON shifts (rota_id, day, shift_type);

-- A member who may no longer hold seats of a rota from `starts_at` (until `ends_at`, or
-- for good when it is NULL): a withdrawal or granted leave. Repair honours every absence.
CREATE TABLE rota_absences (
    college     text        NOT NULL,
    absence_id  uuid        PRIMARY KEY,
    rota_id     uuid        NOT NULL REFERENCES rotas (rota_id) ON DELETE CASCADE,
    person_id   text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('withdrawal', 'leave')),
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz CHECK (ends_at IS NULL OR ends_at > starts_at),
    reason      text        NOT NULL,
    recorded_by text        NOT NULL,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX rota_absences_of_rota ON rota_absences (rota_id, person_id);

-- Two members ask to swap their seats; the department head decides.
CREATE TABLE shift_swaps (
    college            text        NOT NULL,
    swap_id            uuid        PRIMARY KEY,
    rota_id            uuid        NOT NULL REFERENCES rotas (rota_id) ON DELETE CASCADE,
    requester_id       text        NOT NULL,
    requester_shift_id uuid        NOT NULL REFERENCES shifts (shift_id) ON DELETE CASCADE,
    partner_id         text        NOT NULL,
    partner_shift_id   uuid        NOT NULL REFERENCES shifts (shift_id) ON DELETE CASCADE,
    status             text        NOT NULL
                       CHECK (status IN ('requested', 'approved', 'refused', 'void')),
    requested_at       timestamptz NOT NULL,
    decided_by         text,
    decided_at         timestamptz,
    reason             text        NOT NULL DEFAULT '',
    CHECK (requester_id <> partner_id),
    CHECK (requester_shift_id <> partner_shift_id)
);
-- One pending request for the same pair of seats.
CREATE UNIQUE INDEX shift_swaps_one_pending ON shift_swaps
    (requester_shift_id, requester_id, partner_shift_id, partner_id)
    WHERE status = 'requested';
CREATE INDEX shift_swaps_of_rota ON shift_swaps (rota_id, requested_at);

-- A member who cannot come offers their seat; the first eligible taker wins.
CREATE TABLE shift_offers (
    college     text        NOT NULL,
    offer_id    uuid        PRIMARY KEY,
    rota_id     uuid        NOT NULL REFERENCES rotas (rota_id) ON DELETE CASCADE,
    shift_id    uuid        NOT NULL REFERENCES shifts (shift_id) ON DELETE CASCADE,
    person_id   text        NOT NULL,
    eligible    text[]      NOT NULL,
    status      text        NOT NULL CHECK (status IN ('open', 'taken', 'void')),
    offered_at  timestamptz NOT NULL,
    taken_by    text,
    taken_at    timestamptz
);
-- A seat is offered once at a time.
CREATE UNIQUE INDEX shift_offers_one_open ON shift_offers (shift_id, person_id)
    WHERE status = 'open';
CREATE INDEX shift_offers_of_rota ON shift_offers (rota_id, offered_at);

-- Every step taken on a rota, by whom, and what it changed: append only.
CREATE TABLE rota_audit (
    id        bigserial   PRIMARY KEY,
    college   text        NOT NULL,
    rota_id   uuid        NOT NULL REFERENCES rotas (rota_id) ON DELETE CASCADE,
    at        timestamptz NOT NULL,
    actor_id  text        NOT NULL,
    action    text        NOT NULL,
    shift_id  uuid,
    details   jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX rota_audit_of_rota ON rota_audit (rota_id, id);
