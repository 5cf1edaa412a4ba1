-- Committee review (issue 9, capabilities 3-5): class rosters, the season's committee
-- reviewers with their loads, declared conflicts, the rubric, assignment runs, the
-- review assignments and the reviews themselves.

-- Who is in which class: a reviewer never reviews a report whose authors share a class
-- with them (the same-class conflict).
CREATE TABLE class_members (
    college     text        NOT NULL,
    class_id    text        NOT NULL,
    person_id   text        NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (college, class_id, person_id)
);
CREATE INDEX class_members_of_person ON class_members (college, person_id);

-- A committee reviewer of a season: at most `load` reports (assignments of every kind
-- counted); `class_id` is their own class (else their class roster's, if any).
-- An inactive reviewer gets no new assignment; existing ones stay.
CREATE TABLE season_reviewers (
    college      text        NOT NULL,
    season       text        NOT NULL,
    reviewer_id  text        NOT NULL,
    load         integer     NOT NULL CHECK (load >= 0),
    class_id     text,
    active       boolean     NOT NULL DEFAULT true,
    updated_by   text        NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (college, season, reviewer_id),
    FOREIGN KEY (college, season) REFERENCES seasons (college, season)
);

-- A conflict a reviewer declared (or the chair declared for them): about one report,
-- or about a person (every report that person authors).
CREATE TABLE review_conflicts (
    conflict_id  uuid        PRIMARY KEY,
    college      text        NOT NULL,
    season       text        NOT NULL,
    reviewer_id  text        NOT NULL,
    report_id    uuid        REFERENCES reports (report_id),
    person_id    text,
    reason       text        NOT NULL,
    declared_by  text        NOT NULL,
    declared_at  timestamptz NOT NULL,
    CHECK ((report_id IS NULL) <> (person_id IS NULL)),
    FOREIGN KEY (college, season) REFERENCES seasons (college, season)
);
CREATE UNIQUE INDEX review_conflicts_report_once
    ON review_conflicts (college, season, reviewer_id, report_id) WHERE report_id IS NOT NULL;
CREATE UNIQUE INDEX review_conflicts_person_once
    ON review_conflicts (college, season, reviewer_id, person_id) WHERE person_id IS NOT NULL;

-- The season's rubric: criteria [{key, name, weight}] with weights summing to 1, one
-- score range [low, high] for every criterion, and the reviews each report needs.
CREATE TABLE rubrics (
    college             text        NOT NULL,
    season              text        NOT NULL,
    criteria            jsonb       NOT NULL,
    low                 double precision NOT NULL,
    high                double precision NOT NULL CHECK (high > low),
    reviews_per_report  integer     NOT NULL CHECK (reviews_per_report >= 1),
    updated_by          text        NOT NULL,
    updated_at          timestamptz NOT NULL,
    PRIMARY KEY (college, season),
    FOREIGN KEY (college, season) REFERENCES seasons (college, season)
);

-- One assignment run of a season (the chair's); later arrivals are assigned one by one.
CREATE TABLE assignment_runs (
    run_id        uuid        PRIMARY KEY,
    college       text        NOT NULL,
    season        text        NOT NULL,
    run_by        text        NOT NULL,
    ran_at        timestamptz NOT NULL,
    reports       integer     NOT NULL,
    assignments   integer     NOT NULL,
    load_spread   integer     NOT NULL,
    FOREIGN KEY (college, season) REFERENCES seasons (college, season)
);
CREATE INDEX assignment_runs_of_season ON assignment_runs (college, season, ran_at);

-- A reviewer assigned to a report: never moved or removed once made.
CREATE TABLE review_assignments (
    college      text        NOT NULL,
    season       text        NOT NULL,
    report_id    uuid        NOT NULL REFERENCES reports (report_id),
    reviewer_id  text        NOT NULL,
    why          text        NOT NULL CHECK (why IN ('initial', 'late_arrival', 'borderline')),
    run_id       uuid        REFERENCES assignment_runs (run_id),
    assigned_at  timestamptz NOT NULL,
    PRIMARY KEY (report_id, reviewer_id)
);
CREATE INDEX review_assignments_of_reviewer ON review_assignments (college, season, reviewer_id);

-- A submitted review: the rubric's scores, their weighted score, the comment.
CREATE TABLE reviews (
    college       text        NOT NULL,
    season        text        NOT NULL,
    report_id     uuid        NOT NULL,
    reviewer_id   text        NOT NULL,
    scores        jsonb       NOT NULL,
    score         double precision NOT NULL,
    comment       text        NOT NULL DEFAULT '',
    submitted_at  timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (report_id, reviewer_id),
    FOREIGN KEY (report_id, reviewer_id) REFERENCES review_assignments (report_id, reviewer_id)
);
CREATE INDEX reviews_of_season ON reviews (college, season);
