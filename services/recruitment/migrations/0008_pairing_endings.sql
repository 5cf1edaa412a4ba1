-- Why a pairing ended matters to the next run: only a pairing that ran until
-- the season was over carries on (continuity, last season's volunteer); one an
-- officer cut short is never proposed again for that child by a run.
ALTER TABLE pairings ADD COLUMN season_over boolean NOT NULL DEFAULT false;
