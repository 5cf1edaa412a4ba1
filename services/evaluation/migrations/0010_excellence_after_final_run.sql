-- The excellence review follows the season's final award run, and misconduct stops it.
--
-- The final run keeps the reports it found eligible for the excellence review (the top
-- `excellence_ratio` of the passing reports it ranked, decided once no report is held back
-- at the cut): an application is accepted only for one of them. NULL on a pending run; a
-- final run made before this migration has none either, and its list is recomputed from
-- its stored config (services/evaluation/service/awards.py).
ALTER TABLE award_runs ADD COLUMN excellence_eligible uuid[];

-- Misconduct decided after applying withdraws the application and its defense (scheduled
-- or decided): kept, never deleted, with the reason. A withdrawn defense no longer holds
-- its room or its panel members.
ALTER TABLE excellence_applications
    ADD COLUMN withdrawn_at    timestamptz,
    ADD COLUMN withdraw_reason text,
    ADD CONSTRAINT excellence_withdrawn_with_reason
        CHECK ((withdrawn_at IS NULL) = (withdraw_reason IS NULL));

ALTER TABLE defenses
    ADD COLUMN withdrawn_at    timestamptz,
    ADD COLUMN withdraw_reason text,
    ADD CONSTRAINT defense_withdrawn_with_reason
        CHECK ((withdrawn_at IS NULL) = (withdraw_reason IS NULL));
