-- Staff assessment: a dismissal (辞退) names the department or corps unit the member is
-- dismissed from (recruitment ends that membership on StaffSanctionImposed and starts it
-- again when the dismissal is annulled). Both or neither; only a dismissal names one.
-- Dismissals stored before this migration name none (their events carried none either).
ALTER TABLE staff_sanctions
    ADD COLUMN organisation_kind text,
    ADD COLUMN organisation_id   text,
    ADD CONSTRAINT staff_sanctions_organisation CHECK (
        (organisation_kind IS NULL) = (organisation_id IS NULL)
        AND (organisation_kind IS NULL OR (
            kind = 'dismissal'
            AND organisation_kind IN ('department', 'brigade', 'detachment', 'group', 'squad')
            AND char_length(organisation_id) BETWEEN 1 AND 64))
    );
