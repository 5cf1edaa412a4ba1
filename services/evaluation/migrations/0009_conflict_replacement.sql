-- A conflict declared about a report the reviewer already holds (issue 9, capability 3):
-- the assignment is RELEASED (kept as a record, no longer counted), one replacement is
-- appointed (why = 'conflict_replacement'), and a review the released reviewer had
-- already submitted is WITHDRAWN from calibration (kept, marked, never deleted).

ALTER TABLE review_assignments DROP CONSTRAINT review_assignments_why_check;
ALTER TABLE review_assignments ADD CONSTRAINT review_assignments_why_check
    CHECK (why IN ('initial', 'late_arrival', 'borderline', 'conflict_replacement'));

-- Released: by which declared conflict, when, by whom. A replacement names the conflict
-- it replaces. An assignment with released_at set is history: not a load, not a reviewer
-- of the report, and never re-made (its conflict stays declared).
ALTER TABLE review_assignments
    ADD COLUMN released_at       timestamptz,
    ADD COLUMN released_by       text,
    ADD COLUMN released_for      uuid REFERENCES review_conflicts (conflict_id),
    ADD COLUMN replaces_conflict uuid REFERENCES review_conflicts (conflict_id),
    ADD CONSTRAINT review_assignments_release_whole CHECK (
        (released_at IS NULL) = (released_by IS NULL)
        AND (released_at IS NULL) = (released_for IS NULL)),
    ADD CONSTRAINT review_assignments_replacement_names_conflict CHECK (
        (why = 'conflict_replacement') = (replaces_conflict IS NOT NULL));

CREATE INDEX review_assignments_active_of_season
    ON review_assignments (college, season, report_id) WHERE released_at IS NULL;

-- Withdrawn from calibration (its reviewer declared a conflict after submitting it):
-- scores and comment kept for the record, shown to the chair only.
ALTER TABLE reviews
    ADD COLUMN withdrawn_at     timestamptz,
    ADD COLUMN withdrawn_reason text,
    ADD CONSTRAINT reviews_withdrawal_whole CHECK (
        (withdrawn_at IS NULL) = (withdrawn_reason IS NULL));
