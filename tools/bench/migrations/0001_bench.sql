-- The bench consumer's effect: one row per applied event, written with its inbox row.
-- No unique key (as in the kernel tests): a double effect would show as two rows.
-- applied_at is the database clock when the handler ran, for inspection with --keep-schema;
-- the figures use the bench process's own clock on both ends.
CREATE TABLE effects (
    event_id        uuid        NOT NULL,
    application_id  uuid        NOT NULL,
    phase           text        NOT NULL,
    applied_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
