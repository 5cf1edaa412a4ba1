-- Reminders (before shifts, meetings, lessons, deadlines) and escalation chains (上报).
-- Each pending reminder and each open chain's next step is also a durable timer in
-- due_actions (kernel): the rows here say what it is, the timer says when it fires.

-- The things reminded of, as the events last described them (moved when they move).
CREATE TABLE reminder_subjects (
    college       text        NOT NULL,
    subject_kind  text        NOT NULL CHECK (subject_kind IN
                      ('shift', 'meeting', 'lesson', 'report_deadline',
                       'application_deadline', 'task')),
    subject_id    text        NOT NULL,
    starts_at     timestamptz NOT NULL,
    fields        jsonb       NOT NULL,
    cancelled     boolean     NOT NULL DEFAULT false,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (college, subject_kind, subject_id)
);

-- One reminder: a person, a subject, a lead. `status` pending -> sent, or cancelled
-- (the subject cancelled or moved away from the person), or skipped (its time passed
-- before it was known).
CREATE TABLE reminders (
    reminder_id   uuid        PRIMARY KEY,
    college       text        NOT NULL,
    subject_kind  text        NOT NULL,
    subject_id    text        NOT NULL,
    person_id     text        NOT NULL,
    lead_s        integer     NOT NULL CHECK (lead_s >= 0),
    kind          text        NOT NULL,
    starts_at     timestamptz NOT NULL,
    fire_at       timestamptz NOT NULL,
    status        text        NOT NULL CHECK (status IN ('pending', 'sent', 'cancelled', 'skipped')),
    fired_at      timestamptz,
    updated_at    timestamptz NOT NULL,
    FOREIGN KEY (college, subject_kind, subject_id)
        REFERENCES reminder_subjects (college, subject_kind, subject_id)
);
CREATE INDEX reminders_of_subject ON reminders (college, subject_kind, subject_id);
CREATE INDEX reminders_of_person ON reminders (college, person_id, fire_at)
    WHERE status = 'pending';

-- A college's own step waits for a chain (seconds per step); the chain's built-in
-- waits otherwise.
CREATE TABLE escalation_policies (
    college      text        NOT NULL,
    chain        text        NOT NULL CHECK (chain IN ('incident', 'dropout')),
    step_waits_s integer[]   NOT NULL,
    updated_by   text        NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (college, chain)
);

-- One running or closed chain: its case, what it is about, the step it reached.
CREATE TABLE escalation_chains (
    chain_id      uuid        PRIMARY KEY,
    college       text        NOT NULL,
    chain         text        NOT NULL CHECK (chain IN ('incident', 'dropout')),
    subject_id    text        NOT NULL,
    title         text        NOT NULL,
    facts         jsonb       NOT NULL,
    step_waits_s  integer[]   NOT NULL,
    step          integer     NOT NULL DEFAULT 0,
    status        text        NOT NULL CHECK (status IN
                      ('open', 'acknowledged', 'resolved', 'exhausted')),
    started_at    timestamptz NOT NULL,
    next_step_at  timestamptz,
    closed_at     timestamptz,
    closed_by     text,
    UNIQUE (college, chain, subject_id)
);
CREATE INDEX escalation_chains_of_college ON escalation_chains (college, started_at DESC);

-- Who was told at each step reached.
CREATE TABLE escalation_steps (
    chain_id       uuid        NOT NULL REFERENCES escalation_chains (chain_id),
    step           integer     NOT NULL,
    role           text        NOT NULL,
    recipient_ids  text[]      NOT NULL,
    reached_at     timestamptz NOT NULL,
    PRIMARY KEY (chain_id, step)
);

-- Acknowledgements (by link or API); one per person and chain, repeated ones ignored.
CREATE TABLE escalation_acknowledgements (
    chain_id         uuid        NOT NULL REFERENCES escalation_chains (chain_id),
    person_id        text        NOT NULL,
    step             integer     NOT NULL,
    via              text        NOT NULL CHECK (via IN ('link', 'api')),
    acknowledged_at  timestamptz NOT NULL,
    PRIMARY KEY (chain_id, person_id)
);
