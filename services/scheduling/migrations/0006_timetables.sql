-- Published teaching timetables (课表) and their dated lessons, each published from a done
-- timetable solve job whose lessons the independent checker found without hard violation.

CREATE TABLE timetables (
    college       text        NOT NULL,
    timetable_id  uuid        PRIMARY KEY,
    name          text        NOT NULL,
    starts_on     date        NOT NULL,
    ends_on       date        NOT NULL CHECK (ends_on >= starts_on),
    status        text        NOT NULL CHECK (status IN ('published')),
    job_id        uuid        NOT NULL UNIQUE,  -- one timetable per solve job
    objective     double precision NOT NULL,
    penalties     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    lesson_count  integer     NOT NULL CHECK (lesson_count >= 0),
    -- Names for the views: school id -> name; class id -> {name, school, pupils};
    -- volunteer id -> name; the template's notes (the rotation of teams, party days).
    schools       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    classes       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    volunteers    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    notes         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    published_by  text        NOT NULL,
    published_at  timestamptz NOT NULL
);
CREATE INDEX timetables_of_college ON timetables (college, starts_on DESC);

-- One row per lesson. A lesson shared by several classes (the evening film) is one row:
-- class_id is its first class, class_ids all of them. `version` counts changes, for the
-- calendar feeds' SEQUENCE.
CREATE TABLE lessons (
    college       text        NOT NULL,
    lesson_id     uuid        PRIMARY KEY,
    timetable_id  uuid        NOT NULL REFERENCES timetables (timetable_id) ON DELETE CASCADE,
    school        text        NOT NULL,
    class_id      text        NOT NULL,
    class_ids     text[]      NOT NULL,
    course        text        NOT NULL,
    subject       text        NOT NULL,
    course_name   text        NOT NULL DEFAULT '',
    volunteer_id  text        NOT NULL,
    room          text        NOT NULL,
    week          integer     NOT NULL CHECK (week >= 1),
    period        text        NOT NULL,
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL CHECK (ends_at > starts_at),
    version       integer     NOT NULL DEFAULT 0
);
CREATE INDEX lessons_of_timetable ON lessons (timetable_id, starts_at);
CREATE INDEX lessons_of_volunteer ON lessons (college, volunteer_id, starts_at);
CREATE INDEX lessons_of_class ON lessons USING gin (class_ids);
