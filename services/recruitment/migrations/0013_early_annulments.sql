-- An officer's dismissal annulled in evaluation before recruitment received the dismissal
-- itself (the dismissal dead-lettered and replayed later, say): the annulment is kept
-- here, so the dismissal, when it comes, goes on file annulled and ends nothing.
CREATE TABLE early_annulments (
    sanction_id  uuid PRIMARY KEY,
    college      text        NOT NULL,
    person_id    text        NOT NULL,
    annulled_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL
);
