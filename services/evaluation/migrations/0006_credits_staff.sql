-- The credits ledger (学分) and the staff assessment (考核): ledger entries never updated
-- nor deleted; scheduling's duty facts kept with the id of the event each came from;
-- officers' scores; terms; published assessments, one row per version.

-- One line of a student's ledger: a grant (+1), a capped pass (0, the student already
-- holds 2) or a revocation (minus what the report gave). A student's balance is the sum
-- of their entries. One entry of each kind per (student, report): the hooks are
-- idempotent on it. No foreign key to reports: the ledger outlives a report's row.
CREATE TABLE credit_entries (
    entry_id    uuid        PRIMARY KEY,
    college     text        NOT NULL,
    student_id  text        NOT NULL,
    report_id   uuid        NOT NULL,
    season      text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('granted', 'capped', 'revoked')),
    credits     integer     NOT NULL CHECK (
                    (kind = 'granted' AND credits > 0)
                    OR (kind = 'capped' AND credits = 0)
                    OR (kind = 'revoked' AND credits <= 0)),
    reason      text        NOT NULL,
    at          timestamptz NOT NULL,
    UNIQUE (college, student_id, report_id, kind)
);
CREATE INDEX credit_entries_of_report ON credit_entries (college, report_id);
CREATE INDEX credit_entries_of_season ON credit_entries (college, season, student_id);

-- A fact from one of scheduling's events (ShiftAssigned, ShiftChanged, ShiftCancelled,
-- DutyCheckedIn, DutyMissed, HandoverRecorded, AttendanceRecorded,
-- AttendanceSanctionImposed), keyed by that event's id: a replay inserts nothing.
-- `person_ids` holds everyone the fact is about (both sides of a ShiftChanged);
-- `occurred_at` the time the term window is tested against; `term` the label an
-- attendance or sanction fact carries (NULL for the others).
CREATE TABLE duty_facts (
    event_id     uuid        PRIMARY KEY,
    college      text        NOT NULL,
    person_id    text        NOT NULL,
    person_ids   text[]      NOT NULL CHECK (cardinality(person_ids) > 0),
    kind         text        NOT NULL CHECK (kind IN (
                     'shift_assigned', 'shift_changed', 'shift_cancelled', 'checked_in',
                     'missed', 'handover', 'attendance', 'sanction')),
    term         text,
    payload      jsonb       NOT NULL,
    occurred_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX duty_facts_of_person ON duty_facts USING gin (person_ids);
CREATE INDEX duty_facts_of_college ON duty_facts (college, occurred_at);

-- A college's assessment terms: the window shift facts are counted in.
CREATE TABLE terms (
    college     text        NOT NULL,
    term        text        NOT NULL,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL CHECK (ends_at > starts_at),
    updated_by  text        NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (college, term)
);

-- An officer's score of a member for a term, one per criterion (a new PUT replaces it).
CREATE TABLE officer_scores (
    score_id    uuid        PRIMARY KEY,
    college     text        NOT NULL,
    term        text        NOT NULL,
    person_id   text        NOT NULL,
    officer_id  text        NOT NULL,
    criterion   text        NOT NULL CHECK (criterion IN ('attitude', 'ability', 'teamwork')),
    score       double precision NOT NULL CHECK (score >= 0 AND score <= 10),
    comment     text        NOT NULL DEFAULT '',
    at          timestamptz NOT NULL,
    UNIQUE (college, term, person_id, officer_id, criterion),
    FOREIGN KEY (college, term) REFERENCES terms (college, term)
);

-- A published assessment: every version kept. `figures` holds each figure with the
-- event ids (and officers' score ids) it came from.
CREATE TABLE staff_assessments (
    assessment_id  uuid        PRIMARY KEY,
    college        text        NOT NULL,
    person_id      text        NOT NULL,
    term           text        NOT NULL,
    version        integer     NOT NULL CHECK (version >= 1),
    total          double precision NOT NULL,
    figures        jsonb       NOT NULL,
    published_by   text        NOT NULL,
    published_at   timestamptz NOT NULL,
    UNIQUE (college, term, person_id, version),
    FOREIGN KEY (college, term) REFERENCES terms (college, term)
);
