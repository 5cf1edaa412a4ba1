-- Department intake (纳新): a college's September intake, its departments'
-- capacities, candidates' ranked choices, assessors' scores and the outcome.
CREATE TABLE intakes (
    college        text        NOT NULL,
    id             text        NOT NULL,
    title          text        NOT NULL,
    max_choices    int         NOT NULL,
    opened_at      timestamptz NOT NULL,
    published_at   timestamptz,
    PRIMARY KEY (college, id)
);

CREATE TABLE intake_departments (
    college     text NOT NULL,
    intake_id   text NOT NULL,
    department  text NOT NULL,
    capacity    int  NOT NULL CHECK (capacity >= 1),
    PRIMARY KEY (college, intake_id, department),
    FOREIGN KEY (college, intake_id) REFERENCES intakes (college, id)
);

CREATE TABLE intake_candidates (
    college       text        NOT NULL,
    intake_id     text        NOT NULL,
    candidate_id  text        NOT NULL,
    name          text        NOT NULL,
    choices       text[]      NOT NULL,
    applied_at    timestamptz NOT NULL,
    PRIMARY KEY (college, intake_id, candidate_id),
    FOREIGN KEY (college, intake_id) REFERENCES intakes (college, id)
);

CREATE TABLE intake_assessments (
    college        text        NOT NULL,
    intake_id      text        NOT NULL,
    candidate_id   text        NOT NULL,
    department     text        NOT NULL,
    communication  int         NOT NULL CHECK (communication BETWEEN 0 AND 100),
    planning       int         NOT NULL CHECK (planning BETWEEN 0 AND 100),
    assessor_id    text        NOT NULL,
    assessed_at    timestamptz NOT NULL,
    PRIMARY KEY (college, intake_id, candidate_id, department),
    FOREIGN KEY (college, intake_id, candidate_id)
        REFERENCES intake_candidates (college, intake_id, candidate_id)
);

CREATE TABLE intake_outcomes (
    college        text NOT NULL,
    intake_id      text NOT NULL,
    candidate_id   text NOT NULL,
    department     text,
    choice_rank    int,
    explanation    text NOT NULL,
    PRIMARY KEY (college, intake_id, candidate_id),
    FOREIGN KEY (college, intake_id, candidate_id)
        REFERENCES intake_candidates (college, intake_id, candidate_id)
);
