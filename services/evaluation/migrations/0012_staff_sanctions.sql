-- Staff assessment (capability 9): the sanctions officers impose on a member for a term
-- (DOMAIN.md §3: warning 警告, notice of criticism 通报批评, dismissal 辞退), beside the
-- attendance sanctions scheduling imposes (kept as `duty_facts`). A published assessment
-- names the ids of the sanctions its conduct figure was computed from, so a sanction is
-- never updated nor deleted. Nobody sanctions themself; a sanction says why.
CREATE TABLE staff_sanctions (
    sanction_id  uuid        PRIMARY KEY,
    college      text        NOT NULL,
    term         text        NOT NULL,
    person_id    text        NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('warning', 'notice_of_criticism',
                                                     'dismissal')),
    reason       text        NOT NULL CHECK (btrim(reason) <> '' AND char_length(reason) <= 500),
    imposed_by   text        NOT NULL CHECK (imposed_by <> person_id),
    imposed_at   timestamptz NOT NULL,
    FOREIGN KEY (college, term) REFERENCES terms (college, term)
);
CREATE INDEX staff_sanctions_member ON staff_sanctions (college, term, person_id);
