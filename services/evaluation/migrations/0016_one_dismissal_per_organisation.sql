-- Staff assessment: a member is dismissed from an organisation once in a term (not from
-- the term as a whole): a member of a department and of a corps unit may be dismissed from
-- each. The service refuses a second dismissal from the same organisation while the first
-- is not annulled (409 `already_dismissed`); the index keeps it so under concurrent
-- requests too. Dismissals stored before 0015 name no organisation: NULLS NOT DISTINCT
-- keeps them one per term among themselves, as before.
DROP INDEX staff_sanctions_one_dismissal;
CREATE UNIQUE INDEX staff_sanctions_one_dismissal_per_organisation
    ON staff_sanctions (college, term, person_id, organisation_kind, organisation_id)
    NULLS NOT DISTINCT
    WHERE kind = 'dismissal' AND annulled_at IS NULL;
