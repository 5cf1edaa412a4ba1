-- Sanctions on file now include officers' dismissals (辞退) from evaluation, which end the
-- membership they name as a compulsory withdrawal. A dismissal annulled in evaluation is
-- marked here (never deleted), with what the annulment did: started the membership it
-- had ended again (`restored_membership_id`, a new membership: the ended one stays
-- ended), or nothing and why. Marked once: the same annulment re-sent changes nothing.
ALTER TABLE membership_sanctions
    ADD COLUMN annulled_at            timestamptz,
    ADD COLUMN annulment_effect       text,
    ADD COLUMN restored_membership_id uuid REFERENCES memberships (id),
    ADD CONSTRAINT membership_sanctions_annulment CHECK (
        (annulled_at IS NULL AND annulment_effect IS NULL AND restored_membership_id IS NULL)
        OR (annulled_at IS NOT NULL AND annulment_effect IS NOT NULL
            AND (restored_membership_id IS NOT NULL) = (annulment_effect = 'membership_started'))
    );
