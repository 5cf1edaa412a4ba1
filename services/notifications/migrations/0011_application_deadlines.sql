-- Application deadlines (报名截止提醒): who is reminded before a recruitment campaign stops
-- taking applications. Kept by the reminders consumer itself from the events it reads (not
-- from the routing consumer's read models), so the order in which the two consumers get
-- to an event never decides who is reminded.

-- The college's volunteer pool: everyone with a current membership of one of its
-- departments or corps units (MembershipStarted / MembershipEnded, one row per
-- membership), and everyone it enrolled as a volunteer (VolunteerEnrolled, one row per
-- campaign served). A person is in the pool while one of their rows has not ended.
CREATE TABLE application_reminder_pool (
    college     text        NOT NULL,
    person_id   text        NOT NULL,
    source      text        NOT NULL CHECK (source IN ('membership', 'volunteer')),
    source_id   text        NOT NULL,
    since       timestamptz NOT NULL,
    ended_at    timestamptz,
    PRIMARY KEY (college, person_id, source, source_id)
);
CREATE INDEX application_reminder_pool_current
    ON application_reminder_pool (college, person_id) WHERE ended_at IS NULL;

-- Who applied to which campaign (ApplicationSubmitted): never reminded of its deadline
-- again, whatever becomes of the application.
CREATE TABLE campaign_applicants (
    college      text        NOT NULL,
    campaign_id  text        NOT NULL,
    person_id    text        NOT NULL,
    applied_at   timestamptz NOT NULL,
    PRIMARY KEY (college, campaign_id, person_id)
);
