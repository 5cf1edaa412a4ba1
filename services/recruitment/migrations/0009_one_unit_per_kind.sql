-- One corps unit of each kind at a time, held by the database too: two officers
-- assigning the same volunteer to two detachments at once cannot both succeed
-- (a row lock finds nothing to lock when the volunteer has no membership yet).
CREATE UNIQUE INDEX memberships_one_unit_per_kind
    ON memberships (college, person_id, organisation_kind)
    WHERE ended_at IS NULL AND organisation_kind IN ('brigade', 'detachment', 'group');
