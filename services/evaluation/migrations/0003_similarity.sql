-- The similarity gate: an inverted index of winnowed character 13-gram fingerprints
-- (one indexed document per report: its latest version), each check's result with the
-- matching reports and their passages, and the committee's integrity decisions.

-- The version of each report held in the index. `document_id` is a small key the
-- fingerprints carry instead of the report's uuid (the index is the big table); a new
-- version gets a new document id and the old one's fingerprints are deleted.
CREATE SEQUENCE similarity_document_ids AS integer;
CREATE TABLE similarity_documents (
    report_id     uuid        PRIMARY KEY REFERENCES reports (report_id),
    document_id   integer     NOT NULL UNIQUE,
    college       text        NOT NULL,
    season        text        NOT NULL,
    version       integer     NOT NULL CHECK (version >= 1),
    fingerprints  integer     NOT NULL CHECK (fingerprints >= 0),
    indexed_at    timestamptz NOT NULL
);
CREATE INDEX similarity_documents_of_college ON similarity_documents (college);

-- The inverted index: one row per (document, fingerprint hash) with the fingerprint's
-- first position in the document's normalised body. Looked up by (college, hash); the
-- BRIN index finds a replaced document's rows (documents are appended in id order).
CREATE TABLE similarity_fingerprints (
    hash         bigint  NOT NULL,
    document_id  integer NOT NULL,
    position     integer NOT NULL CHECK (position >= 0),
    college      text    NOT NULL
);
CREATE INDEX similarity_fingerprints_lookup
    ON similarity_fingerprints (college, hash) INCLUDE (document_id, position);
CREATE INDEX similarity_fingerprints_of_document
    ON similarity_fingerprints USING brin (document_id) WITH (pages_per_range = 8);

-- Each check of a submitted version: the share of it covered by verified passages of
-- other reports (containment), the threshold it was held to, and whether it flagged.
CREATE TABLE similarity_results (
    report_id    uuid        NOT NULL REFERENCES reports (report_id),
    version      integer     NOT NULL CHECK (version >= 1),
    college      text        NOT NULL,
    season       text        NOT NULL,
    containment  double precision NOT NULL CHECK (containment >= 0 AND containment <= 1),
    threshold    double precision NOT NULL CHECK (threshold > 0 AND threshold <= 1),
    flagged      boolean     NOT NULL,
    characters   integer     NOT NULL CHECK (characters >= 0),
    ignored_fingerprints integer NOT NULL DEFAULT 0,
    checked_at   timestamptz NOT NULL,
    PRIMARY KEY (report_id, version)
);
CREATE INDEX similarity_results_of_season ON similarity_results (college, season);

-- A report a checked version matches, with every verified passage: character positions
-- in both originals ([start, end) of the text as submitted) and the matched text.
CREATE TABLE similarity_matches (
    report_id         uuid    NOT NULL,
    version           integer NOT NULL,
    source_report_id  uuid    NOT NULL REFERENCES reports (report_id),
    source_version    integer NOT NULL,
    source_season     text    NOT NULL,
    containment       double precision NOT NULL CHECK (containment >= 0 AND containment <= 1),
    passages          jsonb   NOT NULL,
    PRIMARY KEY (report_id, version, source_report_id),
    FOREIGN KEY (report_id, version) REFERENCES similarity_results (report_id, version)
);

-- The committee chair's decision on a flagged report; only it has consequences.
CREATE TABLE integrity_decisions (
    decision_id  uuid        PRIMARY KEY,
    report_id    uuid        NOT NULL REFERENCES reports (report_id),
    college      text        NOT NULL,
    version      integer     NOT NULL,
    decision     text        NOT NULL CHECK (decision IN ('cleared', 'misconduct')),
    decided_by   text        NOT NULL,
    reason       text        NOT NULL,
    decided_at   timestamptz NOT NULL
);
CREATE INDEX integrity_decisions_of_report ON integrity_decisions (report_id, decided_at);
