-- The member pool's event records, members' class timetables and unavailability, and
-- what solve jobs need beyond 0002.

-- Each enrolment of a volunteer (VolunteerEnrolled), keyed by its application: a member's
-- skills are the union of their enrolments' skills, whatever order they arrive in.
CREATE TABLE volunteer_enrolments (
    college           text        NOT NULL,
    application_id    uuid        PRIMARY KEY,
    person_id         text        NOT NULL,
    campaign_id       text        NOT NULL,
    skills            text[]      NOT NULL DEFAULT '{}',
    availability_ref  text        NOT NULL DEFAULT '',
    enrolled_at       timestamptz NOT NULL
);
CREATE INDEX volunteer_enrolments_of_person ON volunteer_enrolments (college, person_id);

-- How each membership ended (MembershipEnded), kept even when the end arrives before the
-- start: a start that comes later finds it and is recorded as ended.
CREATE TABLE membership_endings (
    college        text        NOT NULL,
    membership_id  uuid        PRIMARY KEY,
    person_id      text        NOT NULL,
    how            text        NOT NULL,
    reason         text        NOT NULL DEFAULT '',
    ended_at       timestamptz NOT NULL
);

-- A member's class timetable: weekly busy slots typed in, or an uploaded iCalendar file
-- whose classes were expanded over [horizon_starts_at, horizon_ends_at).
CREATE TABLE class_timetables (
    college            text        NOT NULL,
    person_id          text        NOT NULL,
    source             text        NOT NULL CHECK (source IN ('ics', 'weekly')),
    weekly_slots       jsonb       NOT NULL DEFAULT '[]'::jsonb,
    file_name          text        NOT NULL DEFAULT '',
    horizon_starts_at  timestamptz,
    horizon_ends_at    timestamptz,
    uploaded_by        text        NOT NULL,
    uploaded_at        timestamptz NOT NULL,
    PRIMARY KEY (college, person_id),
    FOREIGN KEY (college, person_id) REFERENCES members (college, person_id) ON DELETE CASCADE
);

-- The dated classes of an uploaded .ics.
CREATE TABLE class_sessions (
    college    text        NOT NULL,
    person_id  text        NOT NULL,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL CHECK (ends_at > starts_at),
    summary    text        NOT NULL DEFAULT '',
    FOREIGN KEY (college, person_id)
        REFERENCES class_timetables (college, person_id) ON DELETE CASCADE
);
CREATE INDEX class_sessions_of_person ON class_sessions (college, person_id, starts_at);

-- Explicit unavailability a member (or an officer for them) declares.
CREATE TABLE unavailability (
    college            text        NOT NULL,
    unavailability_id  uuid        PRIMARY KEY,
    person_id          text        NOT NULL,
    starts_at          timestamptz NOT NULL,
    ends_at            timestamptz NOT NULL CHECK (ends_at > starts_at),
    reason             text        NOT NULL DEFAULT '',
    declared_by        text        NOT NULL,
    declared_at        timestamptz NOT NULL,
    FOREIGN KEY (college, person_id) REFERENCES members (college, person_id) ON DELETE CASCADE
);
CREATE INDEX unavailability_of_person ON unavailability (college, person_id, starts_at);

-- Solve jobs: when the current attempt started (progress's elapsed time counts from it),
-- and a college's listing.
ALTER TABLE solve_jobs ADD COLUMN started_at timestamptz;
CREATE INDEX solve_jobs_of_college ON solve_jobs (college, created_at DESC);
