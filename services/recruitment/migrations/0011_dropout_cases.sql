-- Dropout cases (辍学) on the beneficiary register: a child stopped attending school, a
-- return-to-school notice goes out (notifications' chain) and the case stays open until
-- the child's return is recorded. One open case per child at a time.
CREATE TABLE dropout_cases (
    case_id         uuid PRIMARY KEY,
    college         text        NOT NULL,
    beneficiary_id  uuid        NOT NULL REFERENCES beneficiaries (id),
    school_id       text        NOT NULL,
    county          text        NOT NULL,
    note            text        NOT NULL DEFAULT '',
    reported_by     text        NOT NULL,
    reported_at     timestamptz NOT NULL,
    return_by       timestamptz NOT NULL,
    returned_at     timestamptz,
    returned_by     text,
    CHECK (return_by > reported_at)
);
CREATE UNIQUE INDEX dropout_cases_one_open
    ON dropout_cases (college, beneficiary_id) WHERE returned_at IS NULL;
CREATE INDEX dropout_cases_of_child ON dropout_cases (college, beneficiary_id, reported_at DESC);
