-- Staff assessment: a member's published assessment is withdrawn when publishing finds
-- nothing left to assess (the only record was a sanction since annulled, or the facts and
-- scores went away). The withdrawal is a version of its own, kept like every version: who
-- and when, no total, no figures; the versions before keep theirs. A withdrawn version
-- is never followed by another withdrawal, only by a normal version when a record
-- appears again.
ALTER TABLE staff_assessments
    ADD COLUMN withdrawn boolean NOT NULL DEFAULT false,
    ALTER COLUMN total DROP NOT NULL,
    ADD CONSTRAINT staff_assessments_withdrawal CHECK (
        (NOT withdrawn AND total IS NOT NULL)
        OR (withdrawn AND total IS NULL AND figures = '[]'::jsonb)
    );
