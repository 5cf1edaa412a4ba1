-- Staff assessment (issue 9, capability 9): the duty staff's criteria no event records
-- (DOMAIN.md §3: answering enquiries, keeping equipment working, helping, cleaning) are
-- scored by officers like attitude, ability and teamwork.
ALTER TABLE officer_scores DROP CONSTRAINT officer_scores_criterion_check;
ALTER TABLE officer_scores ADD CONSTRAINT officer_scores_criterion_check
    CHECK (criterion IN ('attitude', 'ability', 'teamwork',
                         'enquiries', 'equipment', 'helping', 'cleaning'));

-- Every score an officer ever gave, by id: `officer_scores` holds each officer's current
-- score per criterion (a changed score gets a new id there), and a published assessment
-- names the ids it was computed from, so an earlier version still shows the scores it
-- used after an officer changed theirs. Never updated but for the comment of the same
-- score, never deleted.
CREATE TABLE officer_score_history (
    score_id    uuid        PRIMARY KEY,
    college     text        NOT NULL,
    term        text        NOT NULL,
    person_id   text        NOT NULL,
    officer_id  text        NOT NULL,
    criterion   text        NOT NULL,
    score       double precision NOT NULL,
    comment     text        NOT NULL,
    at          timestamptz NOT NULL,
    FOREIGN KEY (college, term) REFERENCES terms (college, term)
);
CREATE INDEX officer_score_history_member ON officer_score_history (college, term, person_id);

INSERT INTO officer_score_history
    SELECT score_id, college, term, person_id, officer_id, criterion, score, comment, at
    FROM officer_scores;
