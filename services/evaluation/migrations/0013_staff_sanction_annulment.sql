-- Staff assessment: an officer's sanction imposed by mistake is annulled (by an officer or
-- the chair, never the member sanctioned, with the reason), not deleted: published
-- assessments name the sanction ids their figures were computed from. An annulled sanction
-- no longer counts from the next version on. A member has at most one dismissal in a term
-- that is not annulled (the service refuses a second, 409 `already_dismissed`; the index
-- keeps it so under concurrent requests too).
ALTER TABLE staff_sanctions
    ADD COLUMN annulled_at  timestamptz,
    ADD COLUMN annulled_by  text,
    ADD COLUMN annul_reason text,
    ADD CONSTRAINT staff_sanctions_annulment CHECK (
        (annulled_at IS NULL AND annulled_by IS NULL AND annul_reason IS NULL)
        OR (annulled_at IS NOT NULL AND annulled_by IS NOT NULL AND annulled_by <> person_id
            AND btrim(annul_reason) <> '' AND char_length(annul_reason) <= 500)
    );
CREATE UNIQUE INDEX staff_sanctions_one_dismissal ON staff_sanctions (college, term, person_id)
    WHERE kind = 'dismissal' AND annulled_at IS NULL;
