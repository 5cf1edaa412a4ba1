-- The evaluation schema starts with the kernel's outbox and inbox; its own tables follow.
COMMENT ON SCHEMA evaluation IS 'Campusflow evaluation service';
