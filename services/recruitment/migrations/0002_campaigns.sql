-- Volunteer recruitment campaigns (招募): positions, screening, interviews, decisions, volunteers.
CREATE TABLE campaigns (
    college          text        NOT NULL,
    id               text        NOT NULL,
    title            text        NOT NULL,
    place            text        NOT NULL,
    starts_on        date        NOT NULL,
    ends_on          date        NOT NULL,
    opens_at         timestamptz NOT NULL,
    closes_at        timestamptz NOT NULL,
    min_grade_year   int         NULL,
    questions        text[]      NOT NULL DEFAULT '{}',
    status           text        NOT NULL CHECK (status IN ('open', 'closed')),
    opened_by        text        NOT NULL,
    opened_at        timestamptz NOT NULL,
    closed_at        timestamptz NULL,
    PRIMARY KEY (college, id)
);
CREATE INDEX campaigns_by_college ON campaigns (college, opened_at DESC);

CREATE TABLE campaign_positions (
    college             text    NOT NULL,
    campaign_id         text    NOT NULL,
    position_id         text    NOT NULL,
    ordinal             int     NOT NULL,
    title               text    NOT NULL,
    headcount           int     NOT NULL CHECK (headcount >= 1),
    required_skills     text[]  NOT NULL DEFAULT '{}',
    interview_required  boolean NOT NULL DEFAULT false,
    squad_leader_id     text    NULL,
    PRIMARY KEY (college, campaign_id, position_id),
    FOREIGN KEY (college, campaign_id) REFERENCES campaigns (college, id)
);

-- Applications now target a position and go through screening and decision.
ALTER TABLE applications
    ADD COLUMN position_id        text        NULL,
    ADD COLUMN grade_year         int         NULL,
    ADD COLUMN answers            text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN screening_reasons  text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN waitlist_rank      int         NULL,
    ADD COLUMN decision_reason    text        NULL,
    ADD COLUMN decided_at         timestamptz NULL,
    ADD COLUMN withdrawn_at       timestamptz NULL;
-- "Active" now means anything but withdrawn: a screened or decided application still counts.
DROP INDEX applications_one_active;
CREATE UNIQUE INDEX applications_one_active
    ON applications (college, campaign_id, applicant_id) WHERE status <> 'withdrawn';
CREATE INDEX applications_by_position
    ON applications (college, campaign_id, position_id, status);

CREATE TABLE interview_slots (
    id              uuid        PRIMARY KEY,
    college         text        NOT NULL,
    campaign_id     text        NOT NULL,
    position_id     text        NOT NULL,
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    place           text        NOT NULL,
    application_id  uuid        NULL REFERENCES applications (id),
    applicant_id    text        NULL,
    booked_at       timestamptz NULL,
    score           int         NULL CHECK (score BETWEEN 0 AND 100),
    recommended     boolean     NULL,
    completed_at    timestamptz NULL,
    FOREIGN KEY (college, campaign_id, position_id)
        REFERENCES campaign_positions (college, campaign_id, position_id)
);
-- One booking per application, enforced by the database as well as the domain.
CREATE UNIQUE INDEX interview_slots_one_booking
    ON interview_slots (application_id) WHERE application_id IS NOT NULL;
CREATE INDEX interview_slots_by_campaign ON interview_slots (college, campaign_id, starts_at);

-- A contract: the pairing capability reads this table.
CREATE TABLE volunteers (
    college         text        NOT NULL,
    volunteer_id    text        NOT NULL,
    campaign_id     text        NOT NULL,
    application_id  uuid        NOT NULL,
    name            text        NOT NULL,
    skills          text[]      NOT NULL,
    county          text        NULL,
    school_id       text        NULL,
    max_children    int         NOT NULL DEFAULT 2,
    enrolled_at     timestamptz NOT NULL,
    active          boolean     NOT NULL DEFAULT true,
    PRIMARY KEY (college, campaign_id, volunteer_id)
);
CREATE INDEX volunteers_by_place ON volunteers (college, county, school_id) WHERE active;
