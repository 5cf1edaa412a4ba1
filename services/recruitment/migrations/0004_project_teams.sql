-- Summer social-practice project teams (暑期社会实践项目申报).
CREATE TABLE project_seasons (
    college     text        NOT NULL,
    season      text        NOT NULL,
    title       text        NOT NULL,
    opens_on    date        NOT NULL,
    closes_on   date        NOT NULL,
    opened_by   text        NOT NULL,
    opened_at   timestamptz NOT NULL,
    PRIMARY KEY (college, season),
    CHECK (closes_on >= opens_on)
);

CREATE TABLE project_teams (
    id                uuid PRIMARY KEY,
    college           text        NOT NULL,
    season            text        NOT NULL,
    title             text        NOT NULL,
    summary           text        NOT NULL,
    leader_id         text        NOT NULL,
    member_ids        text[]      NOT NULL,
    advisor_id        text        NOT NULL,
    status            text        NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    registered_at     timestamptz NOT NULL,
    project_class     text CHECK (project_class IN ('I', 'II')),
    budget_yuan       integer CHECK (budget_yuan > 0),
    rejection_reason  text,
    decided_by        text,
    decided_at        timestamptz,
    FOREIGN KEY (college, season) REFERENCES project_seasons (college, season),
    CHECK (cardinality(member_ids) BETWEEN 3 AND 10)
);
CREATE INDEX project_teams_by_season ON project_teams (college, season, registered_at, id);
CREATE INDEX project_teams_by_member ON project_teams USING gin (member_ids);
CREATE INDEX project_teams_by_advisor ON project_teams (college, season, advisor_id);

-- One project per student per season, held by the database as well as the domain,
-- so two teams registered at the same instant cannot both take the same student.
-- A rejected team gives its seats back (its rows are deleted).
CREATE TABLE project_team_seats (
    college     text NOT NULL,
    season      text NOT NULL,
    student_id  text NOT NULL,
    team_id     uuid NOT NULL REFERENCES project_teams (id),
    PRIMARY KEY (college, season, student_id)
);
CREATE INDEX project_team_seats_by_team ON project_team_seats (team_id);
