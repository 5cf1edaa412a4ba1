-- Safety incidents (突发事件) reported on outings and activities: each starts the
-- notifications service's escalation chain (teacher -> grade leader -> moral-education
-- office) through IncidentReported.
CREATE TABLE incidents (
    incident_id    uuid PRIMARY KEY,
    college        text        NOT NULL,
    activity_id    uuid,
    department_id  text        NOT NULL,
    title          text        NOT NULL,
    summary        text        NOT NULL DEFAULT '',
    place          text        NOT NULL DEFAULT '',
    teacher_id     text,
    reported_by    text        NOT NULL,
    occurred_at    timestamptz NOT NULL,
    reported_at    timestamptz NOT NULL
);
CREATE INDEX incidents_of_college ON incidents (college, reported_at DESC);
