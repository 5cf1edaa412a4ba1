-- Report seasons, the project teams (a read model of recruitment's events, never a
-- call into its schema), the reports expected of teams and individuals, and every
-- submitted version with its file and hash.

-- A college's report season (e.g. '2026-autumn'): the submission window (default:
-- the first two weeks of term), the committee's official template text, and the
-- similarity threshold. Rubric, reviewers per report and grade scale live in their
-- own tables (0004, 0005).
CREATE TABLE seasons (
    college               text        NOT NULL,
    season                text        NOT NULL,
    title                 text        NOT NULL DEFAULT '',
    term_starts_on        date        NOT NULL,
    opens_at              timestamptz NOT NULL,
    closes_at             timestamptz NOT NULL CHECK (closes_at > opens_at),
    template_text         text        NOT NULL DEFAULT '',
    similarity_threshold  double precision NOT NULL DEFAULT 0.08
                          CHECK (similarity_threshold > 0 AND similarity_threshold <= 1),
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    PRIMARY KEY (college, season)
);

-- Summer social-practice teams, folded from ProjectTeamRegistered / Approved / Rejected
-- in any order (an approval may arrive before the registration it follows).
CREATE TABLE teams (
    college         text        NOT NULL,
    team_id         uuid        PRIMARY KEY,
    season          text,
    title           text,
    leader_id       text,
    member_ids      text[],
    advisor_id      text,
    registered_at   timestamptz,
    project_class   text        CHECK (project_class IN ('I', 'II')),
    budget_yuan     integer,
    approved_at     timestamptz,
    rejected_at     timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX teams_of_college ON teams (college, season);

-- A report expected of a team (one per approved team) or of one student (an individual
-- social-practice requirement the committee set). `integrity` is the gate's state:
-- clear (never flagged), flagged (waiting for a decision), cleared, misconduct.
CREATE TABLE reports (
    college          text        NOT NULL,
    report_id        uuid        PRIMARY KEY,
    season           text        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('team', 'individual')),
    team_id          uuid        UNIQUE,
    title            text        NOT NULL DEFAULT '',
    submitter_id     text        NOT NULL,
    author_ids       text[]      NOT NULL CHECK (cardinality(author_ids) > 0),
    advisor_id       text,
    project_class    text        CHECK (project_class IN ('I', 'II')),
    expected_at      timestamptz NOT NULL,
    current_version  integer     NOT NULL DEFAULT 0,
    first_submitted_at timestamptz,
    late             boolean     NOT NULL DEFAULT false,
    integrity        text        NOT NULL DEFAULT 'clear'
                     CHECK (integrity IN ('clear', 'flagged', 'cleared', 'misconduct')),
    FOREIGN KEY (college, season) REFERENCES seasons (college, season),
    CHECK ((kind = 'team') = (team_id IS NOT NULL))
);
CREATE INDEX reports_of_season ON reports (college, season);
CREATE INDEX reports_of_author ON reports USING gin (author_ids);
-- At most one individual requirement per student and season.
CREATE UNIQUE INDEX reports_individual_once ON reports (college, season, submitter_id)
    WHERE kind = 'individual';

-- Every submitted version, never overwritten. The file (PDF or DOCX) is kept with its
-- SHA-256; `body` is the text the similarity gate and the reviewers read.
CREATE TABLE report_versions (
    report_id     uuid        NOT NULL REFERENCES reports (report_id),
    version       integer     NOT NULL CHECK (version >= 1),
    college       text        NOT NULL,
    submitted_by  text        NOT NULL,
    submitted_at  timestamptz NOT NULL,
    late          boolean     NOT NULL,
    source        text        NOT NULL CHECK (source IN ('text', 'pdf', 'docx')),
    filename      text,
    file          bytea,
    sha256        text        NOT NULL,
    body          text        NOT NULL,
    characters    integer     NOT NULL,
    PRIMARY KEY (report_id, version)
);
