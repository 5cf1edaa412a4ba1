-- The register (档案) of children served. Contract: pairing reads id, college,
-- school_id, county, grade, categories, subject_needs, registered_at, updated_at.
-- The contact card (personal fields) exists only as a Fernet token; nothing
-- personal is stored in clear, not even for duplicate detection (identity_digest
-- is a keyed HMAC blind index).
CREATE TABLE beneficiaries (
    id                   uuid PRIMARY KEY,
    college              text        NOT NULL,
    school_id            text        NOT NULL,
    county               text        NOT NULL,
    grade                int         NOT NULL CHECK (grade BETWEEN 1 AND 12),
    categories           text[]      NOT NULL CHECK (cardinality(categories) >= 1),
    subject_needs        text[]      NOT NULL DEFAULT '{}',
    contact_card         bytea       NOT NULL,
    contact_card_key     text        NOT NULL,
    identity_digest      bytea       NOT NULL,
    registered_at        timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);
-- One entry per child per college: coverage counts heads, a double entry would lie.
CREATE UNIQUE INDEX beneficiaries_one_entry_per_child ON beneficiaries (college, identity_digest);
CREATE INDEX beneficiaries_by_school ON beneficiaries (college, school_id, registered_at, id);
-- Rotation looks for rows still under an older key.
CREATE INDEX beneficiaries_by_key ON beneficiaries (college, contact_card_key, id);

-- Who read or changed which child's contact card, when and why. Append-only.
CREATE TABLE beneficiary_access_log (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    college          text        NOT NULL,
    beneficiary_id   uuid        NOT NULL REFERENCES beneficiaries (id),
    reader_id        text        NOT NULL,
    reader_roles     text[]      NOT NULL,
    reader_college   text,
    action           text        NOT NULL,
    purpose          text        NOT NULL,
    at               timestamptz NOT NULL
);
CREATE INDEX beneficiary_access_log_by_college ON beneficiary_access_log (college, at DESC, id DESC);
CREATE INDEX beneficiary_access_log_by_child ON beneficiary_access_log (college, beneficiary_id, at DESC);
