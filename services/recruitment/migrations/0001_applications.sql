CREATE TABLE applications (
    id              uuid PRIMARY KEY,
    college         text        NOT NULL,
    campaign_id     text        NOT NULL,
    applicant_id    text        NOT NULL,
    applicant_name  text        NOT NULL,
    motivation      text        NOT NULL,
    skills          text[]      NOT NULL DEFAULT '{}',
    status          text        NOT NULL,
    submitted_at    timestamptz NOT NULL
);
-- One active application per person per campaign, enforced by the database too.
CREATE UNIQUE INDEX applications_one_active
    ON applications (college, campaign_id, applicant_id) WHERE status = 'submitted';
CREATE INDEX applications_by_college ON applications (college, submitted_at DESC);
