-- Volunteer–child pairings (结对). A contract: the beneficiary coverage report
-- reads college, beneficiary_id, school_id and ended_at (active = ended_at IS NULL).
-- No foreign key to beneficiaries/volunteers: those rows belong to other
-- capabilities' lifecycles, and a pairing's history must outlive them.
CREATE TABLE pairings (
    pairing_id      uuid PRIMARY KEY,
    college         text        NOT NULL,
    beneficiary_id  uuid        NOT NULL,
    volunteer_id    text        NOT NULL,
    school_id       text        NOT NULL,
    county          text        NOT NULL,
    reasons         text[]      NOT NULL,
    manual          boolean     NOT NULL DEFAULT false,
    run_id          uuid        NULL,
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL,
    ended_at        timestamptz NULL,
    end_reason      text        NULL,
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
-- A volunteer is paired with a given child at most once at a time.
CREATE UNIQUE INDEX pairings_one_active_per_pair
    ON pairings (college, beneficiary_id, volunteer_id) WHERE ended_at IS NULL;
CREATE INDEX pairings_active_by_volunteer ON pairings (college, volunteer_id) WHERE ended_at IS NULL;
CREATE INDEX pairings_by_child ON pairings (college, beneficiary_id, created_at DESC);
CREATE INDEX pairings_by_school ON pairings (college, school_id, created_at DESC, pairing_id);
CREATE INDEX pairings_by_county ON pairings (college, county, created_at DESC, pairing_id);
CREATE INDEX pairings_by_run ON pairings (run_id) WHERE run_id IS NOT NULL;
