-- Grades, recommendations, award runs and prizes, excellence applications and their
-- defenses. A grade exists only once a teacher finalised it (`finalised_at` is what the
-- visibility rules read: a student sees grades and review comments only after it).

-- A college's grade scale: 优/良/中/及格 ('chinese') or A–D ('letters'), best grade
-- first, each with the lowest score that earns it (strictly decreasing). A college
-- without a row uses the default 优>=90, 良>=80, 中>=70, 及格>=60.
CREATE TABLE grade_scales (
    college      text        PRIMARY KEY,
    kind         text        NOT NULL CHECK (kind IN ('chinese', 'letters')),
    grades       text[]      NOT NULL CHECK (cardinality(grades) = 4),
    thresholds   double precision[] NOT NULL CHECK (cardinality(thresholds) = 4),
    updated_by   text        NOT NULL,
    updated_at   timestamptz NOT NULL
);

-- A report's final grade (one, never replaced): the committee's grade from the
-- calibrated score through the scale, and the teacher's, with the reason of an override.
CREATE TABLE grades (
    report_id        uuid        PRIMARY KEY REFERENCES reports (report_id),
    college          text        NOT NULL,
    season           text        NOT NULL,
    grade            text        NOT NULL,
    passed           boolean     NOT NULL,
    committee_grade  text        NOT NULL,
    committee_score  double precision NOT NULL,
    override_reason  text,
    teacher_id       text        NOT NULL,
    finalised_at     timestamptz NOT NULL,
    CHECK ((grade = committee_grade) OR (override_reason IS NOT NULL AND override_reason <> ''))
);
CREATE INDEX grades_of_season ON grades (college, season);

-- An outstanding (top-grade) report recommended to the university level.
CREATE TABLE recommendations (
    report_id       uuid        PRIMARY KEY REFERENCES grades (report_id),
    college         text        NOT NULL,
    season          text        NOT NULL,
    teacher_id      text        NOT NULL,
    recommended_at  timestamptz NOT NULL
);

-- One screening of a season's graded, passing reports on calibrated scores. A run with
-- borderline reports stays 'pending' (each got one more reviewer); a run that found none
-- is 'final' and granted the prizes. At most one final run per season.
CREATE TABLE award_runs (
    run_id        uuid        PRIMARY KEY,
    college       text        NOT NULL,
    season        text        NOT NULL,
    config        jsonb       NOT NULL,
    status        text        NOT NULL CHECK (status IN ('pending', 'final')),
    held_back     uuid[]      NOT NULL DEFAULT '{}',
    started_by    text        NOT NULL,
    started_at    timestamptz NOT NULL,
    FOREIGN KEY (college, season) REFERENCES seasons (college, season)
);
CREATE UNIQUE INDEX award_runs_final_once ON award_runs (college, season) WHERE status = 'final';

-- A borderline report sent for one more review: the review count it had then (it is no
-- longer held back once it has more), and who was asked (NULL: nobody eligible was left,
-- so the cut goes ahead on the reviews it has).
CREATE TABLE award_second_looks (
    report_id          uuid        PRIMARY KEY REFERENCES reports (report_id),
    college            text        NOT NULL,
    season             text        NOT NULL,
    run_id             uuid        NOT NULL REFERENCES award_runs (run_id),
    reviews_then       integer     NOT NULL,
    reviewer_id        text,
    requested_at       timestamptz NOT NULL
);

-- A prize granted by a final run; withdrawn (never deleted) on misconduct.
CREATE TABLE awards (
    report_id         uuid        PRIMARY KEY REFERENCES reports (report_id),
    college           text        NOT NULL,
    season            text        NOT NULL,
    run_id            uuid        NOT NULL REFERENCES award_runs (run_id),
    prize             text        NOT NULL CHECK (prize IN ('first', 'second', 'third', 'honourable')),
    calibrated_score  double precision NOT NULL,
    granted_at        timestamptz NOT NULL,
    withdrawn_at      timestamptz,
    withdraw_reason   text,
    CHECK ((withdrawn_at IS NULL) = (withdraw_reason IS NULL))
);
CREATE INDEX awards_of_season ON awards (college, season);

-- Reports excluded from every later award run (misconduct decided).
CREATE TABLE award_exclusions (
    report_id    uuid        PRIMARY KEY REFERENCES reports (report_id),
    college      text        NOT NULL,
    reason       text        NOT NULL,
    excluded_at  timestamptz NOT NULL
);

-- A passing report in the top 30% applying for the excellence review (by its submitter).
CREATE TABLE excellence_applications (
    report_id     uuid        PRIMARY KEY REFERENCES reports (report_id),
    college       text        NOT NULL,
    season        text        NOT NULL,
    applicant_id  text        NOT NULL,
    applied_at    timestamptz NOT NULL
);
CREATE INDEX excellence_of_season ON excellence_applications (college, season);

-- An excellence defense: a slot (room, times) and a panel; no panel member sits in two
-- overlapping defenses (the scheduler's model and an independent checker both hold it).
CREATE TABLE defenses (
    defense_id    uuid        PRIMARY KEY,
    report_id     uuid        NOT NULL UNIQUE REFERENCES excellence_applications (report_id),
    college       text        NOT NULL,
    season        text        NOT NULL,
    room          text        NOT NULL DEFAULT '',
    panel_ids     text[]      NOT NULL CHECK (cardinality(panel_ids) > 0),
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL CHECK (ends_at > starts_at),
    scheduled_by  text        NOT NULL,
    scheduled_at  timestamptz NOT NULL,
    score         double precision,
    excellent     boolean,
    decided_by    text,
    decided_at    timestamptz,
    CHECK ((decided_at IS NULL) = (score IS NULL) AND (score IS NULL) = (excellent IS NULL))
);
CREATE INDEX defenses_of_season ON defenses (college, season, starts_at);
CREATE INDEX defenses_of_panel ON defenses USING gin (panel_ids);
