-- What notifications knows from the other services' events, to find who an event concerns
-- (never read from their schemas), and the college's contact directory (people no event
-- names: guardians, school and township contacts, grade leaders, the moral-education
-- office, the committee chair).

-- Campaign titles (CampaignOpened): how an applicant knows a campaign.
CREATE TABLE known_campaigns (
    college      text NOT NULL,
    campaign_id  text NOT NULL,
    title        text NOT NULL,
    PRIMARY KEY (college, campaign_id)
);

-- Applicants by application (ApplicationSubmitted): their names.
CREATE TABLE known_applicants (
    college         text NOT NULL,
    application_id  uuid NOT NULL,
    applicant_id    text NOT NULL,
    applicant_name  text NOT NULL,
    campaign_id     text NOT NULL,
    PRIMARY KEY (college, application_id)
);

-- Memberships of departments and corps units (MembershipStarted / MembershipEnded).
CREATE TABLE known_memberships (
    college            text        NOT NULL,
    membership_id      uuid        NOT NULL,
    person_id          text        NOT NULL,
    organisation_kind  text        NOT NULL,
    organisation_id    text        NOT NULL,
    role               text        NOT NULL DEFAULT 'member',
    started_at         timestamptz,
    ended_at           timestamptz,
    PRIMARY KEY (college, membership_id)
);
CREATE INDEX known_memberships_current
    ON known_memberships (college, organisation_kind, organisation_id)
    WHERE ended_at IS NULL;

-- Summer social-practice teams (ProjectTeamRegistered): leader, members, advisor.
CREATE TABLE known_teams (
    college     text   NOT NULL,
    team_id     uuid   NOT NULL,
    season      text   NOT NULL,
    title       text   NOT NULL,
    leader_id   text   NOT NULL,
    member_ids  text[] NOT NULL,
    advisor_id  text   NOT NULL,
    PRIMARY KEY (college, team_id)
);

-- Reports (ReportExpected): title, submitter, authors.
CREATE TABLE known_reports (
    college       text   NOT NULL,
    report_id     uuid   NOT NULL,
    season        text   NOT NULL,
    title         text   NOT NULL,
    team_id       uuid,
    submitter_id  text   NOT NULL,
    author_ids    text[] NOT NULL,
    PRIMARY KEY (college, report_id)
);

-- Meetings (MeetingScheduled): whose members are called, for a cancellation.
CREATE TABLE known_meetings (
    college            text        NOT NULL,
    meeting_id         uuid        NOT NULL,
    organisation_kind  text        NOT NULL,
    organisation_id    text        NOT NULL,
    title              text        NOT NULL,
    starts_at          timestamptz NOT NULL,
    PRIMARY KEY (college, meeting_id)
);

-- Duty shifts (ShiftAssigned / ShiftChanged / ShiftCancelled) and who holds their seats:
-- a change or cancellation names its post, a handover goes to the next shift's holders.
CREATE TABLE known_shifts (
    college    text        NOT NULL,
    shift_id   uuid        NOT NULL,
    rota_id    uuid        NOT NULL,
    post       text        NOT NULL,
    place      text        NOT NULL DEFAULT '',
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    PRIMARY KEY (college, shift_id)
);
CREATE INDEX known_shifts_by_post ON known_shifts (college, rota_id, post, starts_at);

CREATE TABLE known_shift_holders (
    college    text NOT NULL,
    shift_id   uuid NOT NULL,
    person_id  text NOT NULL,
    PRIMARY KEY (college, shift_id, person_id)
);

-- Swaps (SwapRequested): who asked and with whom, told the decision.
CREATE TABLE known_swaps (
    college       text NOT NULL,
    swap_id       uuid NOT NULL,
    requester_id  text NOT NULL,
    partner_id    text NOT NULL,
    PRIMARY KEY (college, swap_id)
);

-- Activities (ActivityScheduled): the title a due preparation task belongs to.
CREATE TABLE known_activities (
    college        text NOT NULL,
    activity_id    uuid NOT NULL,
    department_id  text NOT NULL,
    title          text NOT NULL,
    PRIMARY KEY (college, activity_id)
);

-- Pairings (PairingCreated): the school an ended pairing was at.
CREATE TABLE known_pairings (
    college     text NOT NULL,
    pairing_id  uuid NOT NULL,
    school_id   text NOT NULL,
    PRIMARY KEY (college, pairing_id)
);

-- The contact directory: a person in a role, with the scopes they cover (a guardian:
-- beneficiary ids; a school contact or grade leader: school ids; a township contact:
-- counties). Their contact points live in contact_points, their name in people too.
CREATE TABLE directory_entries (
    college     text        NOT NULL,
    role        text        NOT NULL CHECK (role IN (
                    'guardian', 'school_contact', 'township_contact', 'grade_leader',
                    'moral_education_office', 'committee_chair')),
    person_id   text        NOT NULL,
    name        text        NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (college, role, person_id)
);

CREATE TABLE directory_scopes (
    college    text NOT NULL,
    role       text NOT NULL,
    person_id  text NOT NULL,
    scope      text NOT NULL,
    PRIMARY KEY (college, role, person_id, scope),
    FOREIGN KEY (college, role, person_id)
        REFERENCES directory_entries (college, role, person_id) ON DELETE CASCADE
);
CREATE INDEX directory_scopes_by_scope ON directory_scopes (college, role, scope);
