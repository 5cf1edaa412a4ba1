-- The activity calendar (活动日历): the rooms activities may use, departments' activities
-- (drafted with a window, then scheduled by a clash-free plan) and their preparation tasks,
-- whose deadlines are durable timers (due_actions kind 'activity.task_due').

CREATE TABLE activity_rooms (
    college     text        NOT NULL,
    room        text        NOT NULL,
    place       text        NOT NULL DEFAULT '',
    capacity    integer     CHECK (capacity IS NULL OR capacity > 0),
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (college, room)
);

CREATE TABLE activities (
    college         text        NOT NULL,
    activity_id     uuid        PRIMARY KEY,
    department_id   text        NOT NULL,
    title           text        NOT NULL,
    description     text        NOT NULL DEFAULT '',
    earliest_start  timestamptz NOT NULL,
    latest_end      timestamptz NOT NULL CHECK (latest_end > earliest_start),
    duration_min    integer     NOT NULL CHECK (duration_min > 0),
    people          text[]      NOT NULL DEFAULT '{}',
    room            text,
    status          text        NOT NULL CHECK (status IN ('draft', 'scheduled')),
    starts_at       timestamptz,
    ends_at         timestamptz,
    -- Counts changes of the activity's time, for the calendar feeds' SEQUENCE.
    version         integer     NOT NULL DEFAULT 0,
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL,
    scheduled_at    timestamptz,
    CHECK ((status = 'draft') = (starts_at IS NULL)),
    CHECK (starts_at IS NULL OR (ends_at > starts_at
           AND starts_at >= earliest_start AND ends_at <= latest_end)),
    FOREIGN KEY (college, room) REFERENCES activity_rooms (college, room)
);
CREATE INDEX activities_of_college ON activities (college, status, earliest_start);
CREATE INDEX activities_by_time ON activities (college, starts_at) WHERE status = 'scheduled';
CREATE INDEX activities_people ON activities USING gin (people);

CREATE TABLE activity_tasks (
    college         text        NOT NULL,
    task_id         uuid        PRIMARY KEY,
    activity_id     uuid        NOT NULL REFERENCES activities (activity_id) ON DELETE CASCADE,
    department_id   text        NOT NULL,
    ordinal         integer     NOT NULL,
    kind            text        NOT NULL,
    title           text        NOT NULL,
    anchor          text        NOT NULL CHECK (anchor IN ('start', 'end', 'fixed')),
    offset_min      integer     NOT NULL DEFAULT 0,
    fixed_due_at    timestamptz,
    assignee_id     text,
    due_at          timestamptz,
    status          text        NOT NULL CHECK (status IN ('open', 'done')),
    fired_at        timestamptz,
    done_at         timestamptz,
    done_by         text,
    UNIQUE (activity_id, kind),
    CHECK ((anchor = 'fixed') = (fixed_due_at IS NOT NULL))
);
CREATE INDEX activity_tasks_of_activity ON activity_tasks (activity_id, ordinal);
