-- Volunteer corps units: brigades (大队) per county, detachments (支队/分队) per
-- school under a brigade, specialty groups (at most 5 per brigade).
CREATE TABLE corps_units (
    id            uuid PRIMARY KEY,
    college       text        NOT NULL,
    kind          text        NOT NULL CHECK (kind IN ('brigade', 'detachment', 'group')),
    name          text        NOT NULL,
    county        text,
    school        text,
    specialty     text,
    brigade_id    uuid REFERENCES corps_units (id),
    created_at    timestamptz NOT NULL,
    dissolved_at  timestamptz
);
CREATE UNIQUE INDEX corps_one_brigade_per_county
    ON corps_units (college, county) WHERE kind = 'brigade' AND dissolved_at IS NULL;
CREATE UNIQUE INDEX corps_one_detachment_per_school
    ON corps_units (college, brigade_id, school) WHERE kind = 'detachment' AND dissolved_at IS NULL;
CREATE UNIQUE INDEX corps_one_group_per_specialty
    ON corps_units (college, brigade_id, specialty) WHERE kind = 'group' AND dissolved_at IS NULL;
CREATE INDEX corps_units_by_college ON corps_units (college, kind, created_at);

-- Memberships of departments and corps units; ended ones stay as history.
CREATE TABLE memberships (
    id                 uuid PRIMARY KEY,
    college            text        NOT NULL,
    person_id          text        NOT NULL,
    organisation_kind  text        NOT NULL,
    organisation_id    text        NOT NULL,
    role               text        NOT NULL,
    how_started        text        NOT NULL,
    started_at         timestamptz NOT NULL,
    how_ended          text,
    end_reason         text,
    ended_at           timestamptz
);
-- One active membership per person per organisation, enforced by the database too.
CREATE UNIQUE INDEX memberships_one_active
    ON memberships (college, person_id, organisation_kind, organisation_id) WHERE ended_at IS NULL;
CREATE INDEX memberships_by_person ON memberships (college, person_id, started_at DESC);
CREATE INDEX memberships_by_organisation
    ON memberships (college, organisation_kind, organisation_id, started_at DESC);

-- Every attendance sanction received from scheduling, with what it did.
CREATE TABLE membership_sanctions (
    sanction_id        uuid PRIMARY KEY,
    college            text        NOT NULL,
    person_id          text        NOT NULL,
    organisation_kind  text        NOT NULL,
    organisation_id    text        NOT NULL,
    sanction           text        NOT NULL,
    reason             text        NOT NULL,
    term               text        NOT NULL,
    imposed_at         timestamptz NOT NULL,
    effect             text        NOT NULL,
    membership_id      uuid REFERENCES memberships (id),
    recorded_at        timestamptz NOT NULL
);
CREATE INDEX membership_sanctions_by_person
    ON membership_sanctions (college, person_id, imposed_at DESC);
